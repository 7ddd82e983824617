"""Reads of survey answers shaped for pages."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse

from core.permissions import can_read_area
from core.timeline import TimelineEntry
from crm.models import Company, Contact, Deal, DealStatus, User
from crm.selectors import by_public_id
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey, SurveyKind

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


def invitation_public_url(invitation: Invitation, request: HttpRequest | None = None) -> str:
    """The absolute address of the invitation's answer page: from the request when there is one (the API),
    else from SURVEY_PUBLIC_BASE_URL (emails, tasks). The token is the only thing it carries."""
    path = reverse("survey-answer", args=[invitation.token])
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SURVEY_PUBLIC_BASE_URL + path


def invitation_score_urls(invitation: Invitation) -> list[tuple[int, str]]:
    """(score, address) for each point of the scale, as the email shows them: each opens the answer page
    with that score chosen. Opening records nothing; the customer confirms on the page."""
    low, high = invitation.survey.score_range
    base = invitation_public_url(invitation)
    return [(score, f"{base}?{urlencode({'score': score})}") for score in range(low, high + 1)]


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a public link names, with what its page shows; None for an unknown token."""
    if not token or len(token) > 64:
        return None
    return (Invitation.objects.select_related("survey", "contact", "response")
            .filter(token=token).first())


def survey_list(*, user: User) -> QuerySet[Survey]:
    """Surveys with their invitation and response counts, for the staff list."""
    if not can_read_area(user, "surveys"):
        raise PermissionDenied
    def count_of(rows: QuerySet) -> Subquery:
        # One subquery per count: joining invitations and responses together would multiply the rows.
        return Subquery(rows.filter(survey=OuterRef("pk")).order_by().values("survey")
                        .annotate(n=Count("id")).values("n"), output_field=IntegerField())

    return Survey.objects.annotate(
        invitation_count=Coalesce(count_of(Invitation.objects.all()), 0),
        answered_count=Coalesce(count_of(Invitation.objects.filter(response__isnull=False)), 0),
        response_count=Coalesce(count_of(Response.objects.all()), 0),
    ).order_by("name")


@dataclass(frozen=True)
class SurveySummary:
    """What a survey's page shows about its answers."""

    invitation_count: int
    response_count: int
    invited_response_count: int
    # Share of invitations answered (responses through an invitation / invitations), None with no invitation.
    response_rate: float | None
    # (score, count) for every point of the scale, zeros included; empty for SERVQUAL.
    distribution: list[tuple[int, int]]
    # (dimension, mean expectation, mean perception, gap = perception − expectation) for SERVQUAL.
    servqual_means: list[tuple[str, float | None, float | None, float | None]]


def survey_summary(*, survey: Survey) -> SurveySummary:
    """Counts, response rate and score distribution of one survey, in a fixed number of queries."""
    invitation_count = survey.invitations.count()
    counts = survey.responses.aggregate(total=Count("id"), invited=Count("id", filter=Q(invitation__isnull=False)))
    distribution: list[tuple[int, int]] = []
    servqual_means: list[tuple[str, float | None, float | None, float | None]] = []
    if survey.kind == SurveyKind.SERVQUAL:
        means = survey.responses.aggregate(**{
            f"{dimension}_{side}": Avg(f"{dimension}_{side}")
            for dimension in SERVQUAL_DIMENSIONS for side in ("expectation", "perception")
        })
        for dimension in SERVQUAL_DIMENSIONS:
            expectation, perception = means[f"{dimension}_expectation"], means[f"{dimension}_perception"]
            gap = perception - expectation if expectation is not None and perception is not None else None
            servqual_means.append((dimension, expectation, perception, gap))
    else:
        by_score = dict(survey.responses.filter(score__isnull=False).values_list("score")
                        .annotate(n=Count("id")).order_by())
        low, high = survey.score_range
        distribution = [(score, by_score.get(score, 0)) for score in range(low, high + 1)]
    rate = counts["invited"] / invitation_count if invitation_count else None
    return SurveySummary(invitation_count=invitation_count, response_count=counts["total"],
                         invited_response_count=counts["invited"], response_rate=rate,
                         distribution=distribution, servqual_means=servqual_means)


def survey_responses(*, survey: Survey) -> QuerySet[Response]:
    """A survey's responses, newest first, with the contact, ticket and follow-up task each names."""
    return (survey.responses.select_related("contact", "ticket", "follow_up__owner")
            .order_by("-answered_at", "-id"))


def active_customer_contacts() -> QuerySet[Contact]:
    """Contacts of active customers: a company with a won deal that has not churned (all its contacts),
    or a contact who won a deal without a company and has not churned."""
    won_companies = Deal.objects.filter(status=DealStatus.WON, company__isnull=False).values("company_id")
    won_people = Deal.objects.filter(status=DealStatus.WON, company__isnull=True).values("contact_id")
    return Contact.objects.filter(
        Q(company_id__in=won_companies, company__churned_at__isnull=True)
        | Q(pk__in=won_people, churned_at__isnull=True)
    )


def contacts_to_invite(*, company: Company | None = None, owner: User | None = None, language: str | None = None,
                       customers_only: bool = False) -> QuerySet[Contact]:
    """Contacts with an email address matching the staff's filters, for sending a survey by hand."""
    contacts = active_customer_contacts() if customers_only else Contact.objects.all()
    contacts = contacts.exclude(email="")
    if company is not None:
        contacts = contacts.filter(company=company)
    if owner is not None:
        contacts = contacts.filter(Q(owner=owner) | Q(company__owner=owner))
    if language:
        contacts = contacts.filter(language=language)
    return contacts.order_by("pk")


def response_timeline(*, record_kind: str, record_id: int, user: object, limit: int) -> list[TimelineEntry]:
    """A contact's or company's newest survey answers for its timeline (registered in surveys/apps.py), shown
    to every role that reads the record, as the contact page always showed them."""
    if record_kind == "contact":
        responses = Response.objects.filter(contact_id=record_id)
    elif record_kind == "company":
        responses = Response.objects.filter(contact__company_id=record_id)
    else:
        return []
    entries = []
    for response in responses.select_related("survey").order_by("-answered_at", "-id")[:limit]:
        score = "" if response.score is None else f": {response.score}"
        entries.append(TimelineEntry(at=response.answered_at, kind="survey_response",
                                     title=f"{response.survey.name} ({response.survey.get_kind_display()}){score}",
                                     detail=response.comment or "", item=response))
    return entries
