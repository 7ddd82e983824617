"""Pages of the KPI app: dashboards, one KPI, the records behind it, targets."""

from django.urls import path

from kpis import views

urlpatterns = [
    path("dashboards/me/", views.me, name="dashboard-me"),
    path("dashboards/refresh/", views.refresh, name="kpi-refresh"),
    path("dashboards/<slug:slug>/", views.dashboard, name="dashboard"),
    path("dashboards/<slug:slug>/charts/<slug:chart>/csv/", views.dashboard_chart_csv, name="dashboard-chart-csv"),
    path("kpis/targets/", views.targets, name="kpi-targets"),
    path("kpis/targets/<id:pk>/delete/", views.target_remove, name="kpi-target-delete"),
    path("kpis/<slug:key>/", views.kpi_detail, name="kpi-detail"),
    path("kpis/<slug:key>/csv/", views.kpi_csv, name="kpi-csv"),
    path("kpis/<slug:key>/records/", views.kpi_records, name="kpi-records"),
    path("kpis/<slug:key>/records/csv/", views.kpi_records_csv, name="kpi-records-csv"),
]
