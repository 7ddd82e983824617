from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from crm.models import Activity, ActivityKind, Role
from surveys.models import Response, SurveyKind
from surveys.services import invitation_answer, invitation_send, response_follow_up, response_record
from surveys.tasks import follow_up_response_task
from tests.factories import CompanyFactory, ContactFactory, SurveyFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account_owner():
    return UserFactory(role=Role.SALES, email="owner@example.com")


@pytest.fixture
def customer(account_owner):
    return ContactFactory(company=CompanyFactory(owner=account_owner), owner=UserFactory(role=Role.SALES))


def answer(survey, contact, score, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_send(survey=survey, contact=contact, **extra)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return invitation_answer(invitation=invitation, score=score, comment="Too slow")


def test_a_detractor_gives_the_company_owner_a_task_due_in_two_days(customer, account_owner,
                                                                    django_capture_on_commit_callbacks):
    response = answer(SurveyFactory(kind=SurveyKind.NPS), customer, 6, django_capture_on_commit_callbacks)
    task = Activity.objects.get()
    assert (task.kind, task.owner, task.contact, task.company) == (ActivityKind.TASK, account_owner, customer,
                                                                   customer.company)
    assert timedelta(days=2) - timedelta(minutes=1) < task.due_at - timezone.now() <= timedelta(days=2)
    assert "6" in task.subject
    assert task.body == "Too slow"
    response.refresh_from_db()
    assert response.follow_up == task
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "Too slow" in mail.outbox[0].body


def test_an_unhappy_csat_about_a_ticket_goes_to_the_ticket_assignee(customer, django_capture_on_commit_callbacks):
    agent = UserFactory(role=Role.SUPPORT, email="agent@example.com")
    ticket = TicketFactory(contact=customer, assignee=agent)
    answer(SurveyFactory(kind=SurveyKind.CSAT), customer, 2, django_capture_on_commit_callbacks, ticket=ticket)
    assert Activity.objects.get().owner == agent
    assert [m.to for m in mail.outbox] == [["agent@example.com"]]


def test_without_a_company_owner_the_contact_owner_follows_up(django_capture_on_commit_callbacks):
    person_owner = UserFactory(role=Role.SALES)
    contact = ContactFactory(owner=person_owner)
    answer(SurveyFactory(kind=SurveyKind.NPS), contact, 0, django_capture_on_commit_callbacks)
    assert Activity.objects.get().owner == person_owner


@pytest.mark.parametrize(("kind", "score"), [(SurveyKind.NPS, 7), (SurveyKind.NPS, 10), (SurveyKind.CSAT, 3),
                                             (SurveyKind.CES, 5)])
def test_passives_promoters_and_content_customers_need_no_follow_up(customer, kind, score,
                                                                    django_capture_on_commit_callbacks):
    answer(SurveyFactory(kind=kind), customer, score, django_capture_on_commit_callbacks)
    assert Activity.objects.count() == 0
    assert mail.outbox == []


def test_the_follow_up_is_made_once_even_when_the_task_runs_twice(customer, django_capture_on_commit_callbacks):
    response = answer(SurveyFactory(kind=SurveyKind.NPS), customer, 1, django_capture_on_commit_callbacks)
    assert follow_up_response_task(response.pk) is False
    assert response_follow_up(response=response) is None
    assert Activity.objects.count() == 1


def test_an_answer_changed_to_a_detractor_is_followed_up(customer, django_capture_on_commit_callbacks):
    survey = SurveyFactory(kind=SurveyKind.NPS)
    response = answer(survey, customer, 9, django_capture_on_commit_callbacks)
    assert Activity.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        invitation_answer(invitation=response.invitation, score=3)
    assert Activity.objects.count() == 1
    assert Response.objects.count() == 1


def test_a_response_recorded_through_the_admin_path_is_followed_up_too(customer, account_owner,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response_record(survey=SurveyFactory(kind=SurveyKind.NPS), contact=customer, score=2)
    assert Activity.objects.get().owner == account_owner


def test_nobody_to_follow_up_creates_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response_record(survey=SurveyFactory(kind=SurveyKind.NPS), contact=ContactFactory(), score=2)
    assert Activity.objects.count() == 0
