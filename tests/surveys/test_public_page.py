import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Language
from surveys.models import Invitation, Response, SurveyKind
from surveys.services import invitation_answer, invitation_send
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps_invitation():
    survey = SurveyFactory(kind=SurveyKind.NPS, question="How likely are you to recommend us?")
    return invitation_send(survey=survey, contact=ContactFactory(first_name="Sara"))


def url_of(invitation: Invitation) -> str:
    return reverse("survey-answer", args=[invitation.token])


def test_opening_a_link_with_a_score_preselects_it_and_records_nothing(client, nps_invitation):
    page = client.get(url_of(nps_invitation) + "?score=9")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'value="9"[^>]*checked', html)
    assert len(re.findall("checked", html)) == 1
    assert 'name="comment"' in html
    assert Response.objects.count() == 0


def test_a_head_or_repeated_get_never_records(client, nps_invitation):
    for _ in range(3):
        client.get(url_of(nps_invitation) + "?score=0")
    client.head(url_of(nps_invitation) + "?score=0")
    assert Response.objects.count() == 0


def test_posting_records_one_response_and_thanks(client, nps_invitation):
    page = client.post(url_of(nps_invitation), {"score": "9", "comment": "Quick and kind"}, follow=True)
    assert page.status_code == 200
    assert "Thank you!" in page.content.decode()
    response = Response.objects.get()
    assert (response.score, response.comment, response.invitation_id) == (9, "Quick and kind", nps_invitation.pk)
    assert response.contact_id == nps_invitation.contact_id


def test_answering_again_within_a_day_edits_the_same_response(client, nps_invitation):
    client.post(url_of(nps_invitation), {"score": "9"})
    page = client.get(url_of(nps_invitation))
    assert "You have already answered" in page.content.decode()
    assert re.search(r'value="9"[^>]*checked', page.content.decode())
    client.post(url_of(nps_invitation), {"score": "4", "comment": "Changed my mind"})
    response = Response.objects.get()
    assert (response.score, response.comment) == (4, "Changed my mind")
    assert response.edited_at is not None


def test_an_answer_older_than_a_day_cannot_change(client, nps_invitation):
    answered = invitation_answer(invitation=nps_invitation, score=8, at=timezone.now() - timedelta(hours=25))
    page = client.post(url_of(nps_invitation), {"score": "2"})
    assert page.status_code == 409
    assert "can no longer be changed" in page.content.decode()
    answered.refresh_from_db()
    assert answered.score == 8
    assert Response.objects.count() == 1


def test_an_expired_link_answers_410_and_reveals_nothing(client, nps_invitation):
    Invitation.objects.filter(pk=nps_invitation.pk).update(sent_at=timezone.now() - timedelta(days=31))
    for page in (client.get(url_of(nps_invitation)), client.post(url_of(nps_invitation), {"score": "9"})):
        assert page.status_code == 410
        html = page.content.decode()
        assert "expired" in html
        assert "Sara" not in html
        assert "recommend" not in html
    assert Response.objects.count() == 0


def test_a_link_a_day_before_expiry_still_answers(client, nps_invitation):
    Invitation.objects.filter(pk=nps_invitation.pk).update(sent_at=timezone.now() - timedelta(days=29))
    assert client.post(url_of(nps_invitation), {"score": "9"}).status_code == 302
    assert Response.objects.count() == 1


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    lambda token: token[:20],
    lambda token: "1",
    lambda token: token + "x" * 80,
])
def test_a_tampered_or_unknown_token_is_a_plain_404(client, nps_invitation, mangle):
    page = client.get(reverse("survey-answer", args=[mangle(nps_invitation.token)]) + "?score=3")
    assert page.status_code == 404
    html = page.content.decode()
    assert "not valid" in html
    assert "Sara" not in html
    assert "recommend" not in html
    assert "csrf" not in html.lower()
    assert Response.objects.count() == 0


def test_a_score_off_the_scale_rerenders_with_an_error_and_stores_nothing(client, nps_invitation):
    for bad in ("11", "-1", "nine", ""):
        page = client.post(url_of(nps_invitation), {"score": bad, "comment": "kept"})
        assert page.status_code == 200
        html = page.content.decode()
        assert "Please choose a score" in html
        assert "kept" in html
    assert Response.objects.count() == 0


def test_a_servqual_answer_needs_all_ten_values(client):
    survey = SurveyFactory(kind=SurveyKind.SERVQUAL)
    invitation = invitation_send(survey=survey, contact=ContactFactory())
    answers = {f"{d}_{s}": "5" for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
               for s in ("expectation", "perception")}
    incomplete = {k: v for k, v in answers.items() if k != "empathy_perception"}
    page = client.post(url_of(invitation), incomplete)
    assert page.status_code == 200
    assert "Please choose a value" in page.content.decode()
    assert Response.objects.count() == 0
    answers["empathy_perception"] = "3"
    assert client.post(url_of(invitation), answers).status_code == 302
    response = Response.objects.get()
    assert (response.empathy_expectation, response.empathy_perception, response.score) == (5, 3, None)


def test_public_pages_keep_the_token_to_themselves(client, nps_invitation):
    page = client.get(url_of(nps_invitation))
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert 'class="nav"' not in html
    assert "Log out" not in html


def test_the_page_speaks_persian_right_to_left_to_a_persian_contact(client):
    survey = SurveyFactory(kind=SurveyKind.CSAT, question="How satisfied are you?", question_fa="چقدر راضی هستید؟")
    invitation = invitation_send(survey=survey, contact=ContactFactory(language=Language.PERSIAN))
    html = client.get(url_of(invitation)).content.decode()
    assert 'dir="rtl"' in html
    assert 'lang="fa"' in html
    assert "چقدر راضی هستید؟" in html
    assert "ارسال پاسخ من" in html  # "Send my answer"
    assert "بسیار راضی" in html  # the scale's top end, "Very satisfied"


def test_a_post_without_the_csrf_token_is_refused(nps_invitation):
    from django.test import Client

    page = Client(enforce_csrf_checks=True).post(url_of(nps_invitation), {"score": "9"})
    assert page.status_code == 403
    assert Response.objects.count() == 0


def test_the_public_pages_are_rate_limited_per_client(client, nps_invitation, settings):
    settings.SURVEY_PUBLIC_RATE_LIMIT = 5
    statuses = [client.get(url_of(nps_invitation)).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    other = client.get(url_of(nps_invitation), REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200
