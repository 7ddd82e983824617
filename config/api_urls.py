"""The REST API under /api/: the resources of each app, the OpenAPI schema and its self-hosted docs page."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

API_PREFIX = "/api/"

urlpatterns = [
    path("", include("kpis.api.urls")),
    path("", include("crm.api.urls")),
    path("", include("support.api.urls")),
    path("", include("surveys.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so no inline script is needed; Swagger UI does
    # insert a <style> element, so this one page may use inline styles.
    path("docs/", csp_update({"style-src": [UNSAFE_INLINE]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An unknown address under /api/ answers in the API's error format; elsewhere, the usual page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
