import re
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from crm.models import Language
from crm.services import customer_set_churn, deal_close
from support.models import MessageAuthor
from support.services import ticket_add_message, ticket_reopen, ticket_resolve
from surveys import tasks
from surveys.models import Invitation, Response, SurveyKind
from surveys.selectors import invitation_public_url
from surveys.services import invitation_send, relationship_nps_send, survey_create, ticket_survey_invite
from tests.factories import CompanyFactory, ContactFactory, DealFactory, SurveyFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps():
    return survey_create(name="Relationship NPS", kind=SurveyKind.NPS)


def test_survey_create_stores_the_standard_question_in_english_and_persian(nps):
    assert nps.question == "How likely are you to recommend us to a friend or colleague?"
    assert nps.question_fa == "چقدر احتمال دارد ما را به یک دوست یا همکار توصیه کنید؟"
    servqual = survey_create(name="Quality", kind=SurveyKind.SERVQUAL)
    assert servqual.question_fa.startswith("برای هر بخش")
    own = survey_create(name="Own", kind=SurveyKind.CSAT, question="How was the onboarding?")
    assert own.question_fa == ""
    assert own.question_in("fa") == own.question_in("en") == "How was the onboarding?"


def test_only_csat_and_ces_follow_tickets():
    with pytest.raises(ValidationError) as error:
        survey_create(name="x", kind=SurveyKind.NPS, send_after_ticket_resolved=True)
    assert "send_after_ticket_resolved" in error.value.message_dict


def test_sending_queues_an_email_whose_links_open_the_page_with_that_score(client, nps,
                                                                           django_capture_on_commit_callbacks):
    contact = ContactFactory(first_name="Sara", email="sara@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_send(survey=nps, contact=contact)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sara@example.com"]
    html = message.alternatives[0][0]
    assert "How likely are you to recommend us" in message.body
    assert "How likely are you to recommend us" in html
    links = re.findall(r'href="([^"]+)" data-score="(\d+)"', html)
    assert [int(score) for _url, score in links] == list(range(0, 11))
    base = invitation_public_url(invitation)
    for url, score in links:
        assert url == f"{base}?score={score}"
        assert url in message.body
        page = client.get(url.removeprefix(django_settings.SURVEY_PUBLIC_BASE_URL))
        assert re.search(rf'value="{score}"[^>]*checked', page.content.decode()), score
    assert not Response.objects.exists()


def test_a_persian_contact_gets_a_right_to_left_email_with_the_persian_question(nps,
                                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(survey=nps, contact=ContactFactory(language=Language.PERSIAN))
    html = mail.outbox[0].alternatives[0][0]
    assert 'dir="rtl"' in html
    assert 'lang="fa"' in html
    assert nps.question_fa in html
    assert nps.question_fa in mail.outbox[0].body


def test_the_email_task_sends_once_even_when_run_twice(nps, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_send(survey=nps, contact=ContactFactory())
    assert tasks.send_invitation_email_task(invitation.pk) is False
    assert len(mail.outbox) == 1


def test_the_public_url_comes_from_the_request_or_the_setting(nps, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    invitation = invitation_send(survey=nps, contact=ContactFactory())
    request = RequestFactory().get("/api/surveys/", HTTP_HOST="crm.example.com", secure=True)
    assert invitation_public_url(invitation, request) == f"https://crm.example.com/s/{invitation.token}/"
    settings.SURVEY_PUBLIC_BASE_URL = "https://feedback.example.com"
    assert invitation_public_url(invitation) == f"https://feedback.example.com/s/{invitation.token}/"
    assert len(invitation.token) >= 43  # 256 random bits, nothing derived from ids


def test_no_contact_is_asked_twice_within_the_throttle(nps, settings):
    contact = ContactFactory()
    first = invitation_send(survey=nps, contact=contact)
    csat = SurveyFactory(kind=SurveyKind.CSAT)
    with pytest.raises(ValidationError) as error:
        invitation_send(survey=csat, contact=contact)
    assert list(error.value.message_dict) == ["contact"]
    assert "30 days" in error.value.message_dict["contact"][0]
    Invitation.objects.filter(pk=first.pk).update(sent_at=timezone.now() - timedelta(days=31))
    assert invitation_send(survey=csat, contact=contact).contact == contact
    settings.SURVEY_THROTTLE_DAYS = 60
    with pytest.raises(ValidationError):
        invitation_send(survey=nps, contact=contact)


def test_an_unusable_survey_or_contact_is_refused_naming_the_field(nps):
    with pytest.raises(ValidationError) as error:
        invitation_send(survey=nps, contact=ContactFactory(email=""))
    assert list(error.value.message_dict) == ["contact"]
    inactive = SurveyFactory(active=False)
    with pytest.raises(ValidationError) as error:
        invitation_send(survey=inactive, contact=ContactFactory())
    assert list(error.value.message_dict) == ["survey"]
    with pytest.raises(ValidationError) as error:
        invitation_send(survey=nps, contact=ContactFactory(), ticket=TicketFactory())
    assert list(error.value.message_dict) == ["ticket"]
    assert Invitation.objects.count() == 0


# -- the ticket trigger --------------------------------------------------------------------------------


@pytest.fixture
def csat():
    return survey_create(name="After support", kind=SurveyKind.CSAT, send_after_ticket_resolved=True,
                         ticket_delay_hours=24)


@pytest.fixture
def answered_ticket(support_user):
    ticket = TicketFactory(assignee=support_user, created_at=timezone.now() - timedelta(days=3))
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Fixed", user=support_user,
                       at=timezone.now() - timedelta(days=2))
    return ticket


def test_a_resolved_ticket_gets_its_survey_once_the_delay_has_passed(csat, answered_ticket,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_resolve(ticket=answered_ticket)
    assert Invitation.objects.count() == 0  # resolved just now: not before the delay
    assert ticket_survey_invite(survey=csat, ticket=ticket, resolved_at=ticket.resolved_at,
                                now=ticket.resolved_at + timedelta(hours=23)) is None
    with django_capture_on_commit_callbacks(execute=True):
        invitation = ticket_survey_invite(survey=csat, ticket=ticket, resolved_at=ticket.resolved_at,
                                          now=ticket.resolved_at + timedelta(hours=24, minutes=1))
    assert (invitation.survey, invitation.contact, invitation.ticket) == (csat, ticket.contact, ticket)
    assert len(mail.outbox) == 1
    assert ticket_survey_invite(survey=csat, ticket=ticket, resolved_at=ticket.resolved_at,
                                now=ticket.resolved_at + timedelta(hours=30)) is None
    assert Invitation.objects.count() == 1


def test_resolution_event_runs_the_task_which_sends_when_the_delay_is_over(csat, answered_ticket,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_resolve(ticket=answered_ticket, at=timezone.now() - timedelta(hours=25))
    invitation = Invitation.objects.get()
    assert invitation.ticket == answered_ticket
    assert invitation.survey == csat
    assert len(mail.outbox) == 1


def test_the_survey_task_is_queued_for_the_end_of_the_delay(csat, answered_ticket, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.ticket_survey_task, "apply_async", lambda **kwargs: queued.append(kwargs))
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_resolve(ticket=answered_ticket)
    assert queued == [{"args": [csat.pk, ticket.pk, ticket.resolved_at.isoformat()],
                       "eta": ticket.resolved_at + timedelta(hours=24)}]


def test_a_ticket_reopened_before_the_delay_gets_nothing(csat, answered_ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_resolve(ticket=answered_ticket)
        first_resolution = ticket.resolved_at
        ticket_reopen(ticket=ticket)
    later = first_resolution + timedelta(hours=25)
    assert tasks.ticket_survey_task(csat.pk, ticket.pk, first_resolution.isoformat()) is False
    assert ticket_survey_invite(survey=csat, ticket=ticket, resolved_at=first_resolution, now=later) is None
    # Resolved again: the first resolution's task still sends nothing; the second one's does.
    ticket = ticket_resolve(ticket=ticket, at=first_resolution + timedelta(hours=1))
    assert ticket_survey_invite(survey=csat, ticket=ticket, resolved_at=first_resolution, now=later) is None
    assert ticket_survey_invite(survey=csat, ticket=ticket, resolved_at=ticket.resolved_at, now=later) is not None
    assert Invitation.objects.count() == 1


def test_a_ticket_without_a_public_agent_reply_gets_no_survey(csat, support_user,
                                                              django_capture_on_commit_callbacks):
    ticket = TicketFactory(created_at=timezone.now() - timedelta(days=3))
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="internal", public=False, user=support_user)
    ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body="hello?")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_resolve(ticket=ticket, at=timezone.now() - timedelta(hours=30))
    assert Invitation.objects.count() == 0


def test_a_throttled_contact_gets_no_ticket_survey(csat, answered_ticket, nps, django_capture_on_commit_callbacks):
    invitation_send(survey=nps, contact=answered_ticket.contact)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_resolve(ticket=answered_ticket, at=timezone.now() - timedelta(hours=25))
    assert Invitation.objects.filter(ticket=answered_ticket).count() == 0


# -- relationship NPS ----------------------------------------------------------------------------------


def test_relationship_nps_goes_to_active_customers_once_per_throttle(sales_user):
    survey = survey_create(name="Quarterly NPS", kind=SurveyKind.NPS, send_to_active_customers=True)
    customer = CompanyFactory()
    buyer = ContactFactory(company=customer)
    colleague = ContactFactory(company=customer)
    deal_close(deal=DealFactory(contact=buyer, company=customer, owner=sales_user), won=True)
    churned = CompanyFactory()
    churned_buyer = ContactFactory(company=churned)
    deal_close(deal=DealFactory(contact=churned_buyer, company=churned, owner=sales_user), won=True)
    customer_set_churn(customer=churned, churned_at=timezone.now())
    individual = ContactFactory()
    deal_close(deal=DealFactory(contact=individual, owner=sales_user), won=True)
    prospect = ContactFactory()
    DealFactory(contact=prospect, owner=sales_user)

    assert relationship_nps_send() == {"sent": 3, "skipped": 0}
    invited = set(Invitation.objects.filter(survey=survey).values_list("contact_id", flat=True))
    assert invited == {buyer.pk, colleague.pk, individual.pk}
    assert relationship_nps_send() == {"sent": 0, "skipped": 3}


def test_the_relationship_survey_is_on_the_beat_schedule_quarterly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["relationship-nps"]
    assert entry["task"] == tasks.relationship_nps_task.name
    assert sorted(entry["schedule"].month_of_year) == [1, 4, 7, 10]
    assert entry["schedule"].day_of_month == {1}
