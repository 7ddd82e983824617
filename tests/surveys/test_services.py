from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from kpis.models import DirtyDay
from surveys.models import Response, SurveyKind
from surveys.services import response_record, validate_answer
from tests.conftest import T0
from tests.factories import ContactFactory, InvitationFactory, SurveyFactory, TicketFactory

pytestmark = pytest.mark.django_db

FULL_SERVQUAL = {
    dimension: {"expectation": 6, "perception": 5}
    for dimension in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
}


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (SurveyKind.NPS, [0, 6, 10], [-1, 11]),
        (SurveyKind.CSAT, [1, 3, 5], [0, 6]),
        (SurveyKind.CES, [1, 5], [0, 6]),
    ],
)
def test_score_ranges_per_kind(kind, good, bad):
    for score in good:
        validate_answer(kind=kind, score=score, servqual=None)
    for score in bad:
        with pytest.raises(ValidationError, match="whole number"):
            validate_answer(kind=kind, score=score, servqual=None)


@pytest.mark.parametrize("score", [None, 7.5, "7", True])
def test_a_score_must_be_a_whole_number(score):
    with pytest.raises(ValidationError):
        validate_answer(kind=SurveyKind.NPS, score=score, servqual=None)


@pytest.mark.parametrize("value", [1, 7])
def test_servqual_accepts_1_to_7(value):
    validate_answer(kind=SurveyKind.SERVQUAL, score=None,
                    servqual={"empathy": {"expectation": value, "perception": value}})


@pytest.mark.parametrize(
    "servqual",
    [
        None,
        {},
        {"empathy": {"expectation": 8, "perception": 5}},
        {"empathy": {"expectation": 5, "perception": 0}},
        {"empathy": {"expectation": 5}},
        {"kindness": {"expectation": 5, "perception": 5}},
    ],
)
def test_servqual_refuses_bad_answers(servqual):
    with pytest.raises(ValidationError):
        validate_answer(kind=SurveyKind.SERVQUAL, score=None, servqual=servqual)


def test_response_record_stores_a_score(survey, contact):
    response = response_record(survey=survey, contact=contact, score=9, answered_at=T0)

    response.refresh_from_db()
    assert (response.score, response.answered_at) == (9, T0)


def test_response_record_refuses_an_out_of_range_score(contact):
    with pytest.raises(ValidationError):
        response_record(survey=SurveyFactory(kind=SurveyKind.CSAT), contact=contact, score=6, answered_at=T0)
    assert not Response.objects.exists()


def test_response_record_stores_servqual_pairs(contact):
    survey = SurveyFactory(kind=SurveyKind.SERVQUAL)

    response = response_record(survey=survey, contact=contact, servqual=FULL_SERVQUAL, answered_at=T0)

    response.refresh_from_db()
    assert (response.tangibles_expectation, response.empathy_perception, response.score) == (6, 5, None)


def test_one_response_per_invitation(survey, contact):
    invitation = InvitationFactory(survey=survey, contact=contact, sent_at=T0)
    response_record(survey=survey, contact=contact, score=9, invitation=invitation, answered_at=T0)

    with pytest.raises(ValidationError, match="already been answered"):
        response_record(survey=survey, contact=contact, score=3, invitation=invitation, answered_at=T0)
    assert Response.objects.count() == 1


def test_an_invitation_of_another_survey_is_refused(survey, contact):
    invitation = InvitationFactory(survey=SurveyFactory(), contact=contact, sent_at=T0)

    with pytest.raises(ValidationError, match="another survey"):
        response_record(survey=survey, contact=contact, score=9, invitation=invitation, answered_at=T0)


def test_an_invitation_for_another_contact_is_refused(survey, contact):
    invitation = InvitationFactory(survey=survey, contact=ContactFactory(), sent_at=T0)

    with pytest.raises(ValidationError, match="another contact"):
        response_record(survey=survey, contact=contact, score=9, invitation=invitation, answered_at=T0)


def test_the_response_takes_the_invitations_ticket(survey, contact):
    ticket = TicketFactory(contact=contact, created_at=T0)
    invitation = InvitationFactory(survey=survey, contact=contact, ticket=ticket, sent_at=T0)

    response = response_record(survey=survey, contact=contact, score=9, invitation=invitation, answered_at=T0)

    assert response.ticket == ticket


def test_invitations_and_late_answers_mark_both_days(survey, contact):
    invitation = InvitationFactory(survey=survey, contact=contact, sent_at=T0)
    assert set(DirtyDay.objects.filter(family="surveys").values_list("day", flat=True)) == {date(2025, 3, 3)}
    DirtyDay.objects.all().delete()

    response_record(survey=survey, contact=contact, score=9, invitation=invitation,
                    answered_at=T0 + timedelta(days=10))

    # The invitation's day changes too: its response rate counts it as answered now.
    assert set(DirtyDay.objects.filter(family="surveys").values_list("day", flat=True)) == {
        date(2025, 3, 3), date(2025, 3, 13)}
