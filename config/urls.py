"""URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import health
from crm import views as crm_views
from crm.login import ThrottledLoginView
from surveys import views as survey_views

urlpatterns = [
    path("", crm_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("kpis.urls")),
    path("", include("crm.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("support.urls")),
    path("mail/inbound/", include("support.provider_urls")),
    path("surveys/", include("surveys.urls")),
    path("s/<str:token>/", survey_views.answer, name="survey-answer"),
]

handler404 = "config.api_urls.not_found"
handler500 = "config.middleware.server_error"
