from django.urls import path

from kpis.api.views import KpiDetailView, KpiListView

urlpatterns = [
    path("kpis/", KpiListView.as_view(), name="api-kpi-list"),
    path("kpis/<str:key>/", KpiDetailView.as_view(), name="api-kpi-detail"),
]
