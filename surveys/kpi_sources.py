"""What the KPI engine reads from surveys: invitations and responses, the SERVQUAL dimensions, and the
survey kinds. kpis reads surveys through this module (and `surveys.selectors` for its record lists),
never through surveys' models."""

from django.db.models import QuerySet

from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey, SurveyKind

__all__ = ["SERVQUAL_DIMENSIONS", "SurveyKind", "invitations", "responses", "surveys"]


def surveys() -> QuerySet[Survey]:
    return Survey.objects.all()


def invitations() -> QuerySet[Invitation]:
    return Invitation.objects.all()


def responses() -> QuerySet[Response]:
    return Response.objects.all()
