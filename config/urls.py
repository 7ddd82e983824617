"""URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import health
from crm import views as crm_views
from crm.login import ThrottledLoginView

urlpatterns = [
    path("", crm_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("kpis.api.urls")),
    path("", include("kpis.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler500 = "config.middleware.server_error"
