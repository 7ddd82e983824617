"""The KPI API: the catalog and one KPI over a range. Reads snapshot tables only."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import can_read_area
from kpis.api.serializers import CALENDARS, KpiDefinitionSerializer, KpiQuerySerializer, KpiResultSerializer
from kpis.catalog import CATALOG, KPIS, Kpi
from kpis.periods import GRAINS
from kpis.selectors import kpi_result


def definition(kpi: Kpi) -> dict[str, object]:
    return {
        "key": kpi.key, "name": str(kpi.name), "description": str(kpi.description), "formula": str(kpi.formula),
        "unit": kpi.unit, "direction": kpi.direction, "kind": kpi.kind, "dimensions": list(kpi.dimensions),
    }


class KpiListView(APIView):
    """The KPIs this user may read, with their definitions."""

    @extend_schema(responses=KpiDefinitionSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([definition(kpi) for kpi in CATALOG if can_read_area(request.user, kpi.area)])


class KpiDetailView(APIView):
    """One KPI over [start, end]: the total, one point per period of `grain`, and an optional breakdown."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.STR, required=True,
                             description="First day, YYYY-MM-DD; a Jalali YYYY/MM/DD with calendar=jalali."),
            OpenApiParameter("end", OpenApiTypes.STR, required=True,
                             description="Last day (inclusive), written as `start` is."),
            OpenApiParameter("calendar", OpenApiTypes.STR, enum=list(CALENDARS),
                             description="The calendar start and end are written in; answers are Gregorian."),
            OpenApiParameter("grain", OpenApiTypes.STR, enum=list(GRAINS),
                             description="Calendar periods of the points: jmonth, jquarter and jyear are Jalali."),
            OpenApiParameter("dimension", OpenApiTypes.STR),
        ],
        responses=KpiResultSerializer,
    )
    def get(self, request: Request, key: str) -> Response:
        kpi = KPIS.get(key)
        if kpi is None:
            raise Http404(_("Unknown KPI."))
        if not can_read_area(request.user, kpi.area):
            raise PermissionDenied(_("Your role cannot read this KPI."))
        query = KpiQuerySerializer(data=request.query_params, kpi=kpi)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        result = kpi_result(kpi=kpi, start=params["start"], end=params["end"], grain=params["grain"],
                            dimension=params.get("dimension"))
        body: dict[str, object] = {
            "key": kpi.key, "unit": kpi.unit, "start": params["start"], "end": params["end"],
            "grain": params["grain"], "value": result.value, "points": result.points,
            "computed_at": result.computed_at,
        }
        if result.breakdown is not None:
            body["breakdown"] = result.breakdown
        return Response(KpiResultSerializer(body).data)
