from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kpis.models import DirtyDay
from surveys.models import Invitation, Response, SurveyKind
from surveys.services import invitation_answer, invitation_send, response_edit, survey_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    return invitation_send(survey=survey_create(name="NPS", kind=SurveyKind.NPS), contact=ContactFactory())


def test_an_invitation_takes_one_response_and_a_second_answer_edits_it(invitation):
    first = invitation_answer(invitation=invitation, score=8, comment="ok")
    second = invitation_answer(invitation=invitation, score=5, comment="thinking again")
    assert first.pk == second.pk
    assert Response.objects.count() == 1
    assert (second.score, second.comment) == (5, "thinking again")


def test_an_edit_keeps_the_answer_day_and_marks_it_for_the_roll_up(invitation):
    answered_at = timezone.now() - timedelta(hours=23)
    response = invitation_answer(invitation=invitation, score=8, at=answered_at)
    DirtyDay.objects.all().delete()
    edited = response_edit(response=response, score=2)
    assert edited.answered_at == answered_at
    assert edited.edited_at is not None
    assert set(DirtyDay.objects.values_list("family", "day")) == {("surveys", answered_at.date())}


def test_an_edit_after_the_window_is_refused_naming_the_response(invitation, settings):
    response = invitation_answer(invitation=invitation, score=8, at=timezone.now() - timedelta(hours=25))
    with pytest.raises(ValidationError) as error:
        response_edit(response=response, score=1)
    assert list(error.value.message_dict) == ["response"]
    settings.SURVEY_EDIT_HOURS = 48
    assert response_edit(response=response, score=1).score == 1


def test_an_edit_off_the_scale_is_refused_and_changes_nothing(invitation):
    response = invitation_answer(invitation=invitation, score=8)
    with pytest.raises(ValidationError) as error:
        response_edit(response=response, score=11)
    assert list(error.value.message_dict) == ["score"]
    response.refresh_from_db()
    assert response.score == 8


def test_an_expired_link_takes_no_new_answer(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=30, seconds=1))
    invitation.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        invitation_answer(invitation=invitation, score=9)
    assert list(error.value.message_dict) == ["invitation"]
    assert Response.objects.count() == 0


def test_a_servqual_edit_replaces_every_pair():
    survey = survey_create(name="Quality", kind=SurveyKind.SERVQUAL)
    invitation = invitation_send(survey=survey, contact=ContactFactory())
    pairs = {d: {"expectation": 6, "perception": 4}
             for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")}
    response = invitation_answer(invitation=invitation, servqual=pairs)
    pairs["empathy"] = {"expectation": 2, "perception": 7}
    edited = invitation_answer(invitation=invitation, servqual=pairs)
    assert edited.pk == response.pk
    assert (edited.empathy_expectation, edited.empathy_perception, edited.tangibles_perception) == (2, 7, 4)
