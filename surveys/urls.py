"""Staff pages of surveys (namespace `surveys`); the public answer page is `survey-answer` in config.urls."""

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_index, name="list"),
    path("new/", views.survey_new, name="new"),
    path("<id:pk>/", views.survey_detail, name="detail"),
    path("<id:pk>/send/", views.survey_send, name="send"),
]
