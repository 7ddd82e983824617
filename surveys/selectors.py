"""Reads of survey answers shaped for pages."""

from datetime import datetime

from django.db.models import QuerySet

from crm.selectors import by_public_id
from surveys.models import Response, SurveyKind

DETRACTOR_MAX_SCORE = 6


def nps_detractors_answered_between(*, start_at: datetime, end_at: datetime, survey: str | None = None,
                                    assignee: str | None = None, team: str | None = None,
                                    channel: str | None = None) -> QuerySet[Response]:
    """NPS answers of 0 to 6 with `start_at <= answered_at < end_at`, newest first: the detractors
    behind the Net Promoter Score. A response about a ticket takes the ticket's assignee, team and
    channel, as the KPI does."""
    responses = (Response.objects.filter(survey__kind=SurveyKind.NPS, score__lte=DETRACTOR_MAX_SCORE,
                                         answered_at__gte=start_at, answered_at__lt=end_at)
                 .select_related("survey", "contact", "ticket", "ticket__assignee").order_by("-answered_at", "-id"))
    if survey is not None:
        responses = responses.filter(by_public_id("survey", survey))
    if assignee is not None:
        responses = responses.filter(ticket__assignee__username=assignee)
    if team is not None:
        responses = responses.filter(ticket__assignee__team__name=team)
    if channel is not None:
        responses = responses.filter(ticket__channel=channel)
    return responses
