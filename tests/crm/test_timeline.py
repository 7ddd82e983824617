"""The one timeline on record pages: activities, emails, deals, tickets and survey answers, newest first."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from crm import selectors
from crm.models import ActivityKind, Role
from crm.services import activity_create
from surveys.services import response_record
from tests.factories import CompanyFactory, ContactFactory, DealFactory, SurveyFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


@pytest.fixture
def history() -> dict:
    """A contact at a company with one entry of each kind, an hour apart: call, email, deal, ticket, answer."""
    company = CompanyFactory(name="Acme")
    contact = ContactFactory(company=company, first_name="Sara", last_name="Rahimi")
    rep = UserFactory(role=Role.SALES)
    activity_create(kind=ActivityKind.CALL, subject="First call", owner=rep, contact=contact, created_at=_hours(0))
    activity_create(kind=ActivityKind.EMAIL, subject="Our offer", owner=rep, contact=contact, created_at=_hours(1))
    DealFactory(title="Big order", contact=contact, company=company, owner=rep, created_at=_hours(2))
    TicketFactory(subject="Invoice is wrong", contact=contact, created_at=_hours(3))
    response_record(survey=SurveyFactory(name="Yearly NPS"), contact=contact, score=9, comment="Good service",
                    answered_at=_hours(4))
    return {"contact": contact, "company": company, "rep": rep}


def test_contact_timeline_merges_every_kind_newest_first(history: dict) -> None:
    timeline = selectors.record_timeline(history["contact"], user=history["rep"])

    assert [(entry.kind, entry.title) for entry in timeline.entries] == [
        ("survey_response", "Yearly NPS (Net Promoter Score): 9"),
        ("ticket", "Invoice is wrong"),
        ("deal", "Big order"),
        ("email", "Our offer"),
        ("call", "First call"),
    ]
    assert not timeline.has_more


def test_company_timeline_shows_its_contacts_tickets_and_answers(history: dict) -> None:
    kinds = [entry.kind for entry in selectors.record_timeline(history["company"], user=history["rep"]).entries]

    assert kinds == ["survey_response", "ticket", "deal"]


def test_kind_filter_keeps_only_that_kind(history: dict) -> None:
    timeline = selectors.record_timeline(history["contact"], user=history["rep"], kind="ticket")

    assert [entry.title for entry in timeline.entries] == ["Invoice is wrong"]
    assert timeline.kind == "ticket"


def test_unknown_kind_shows_everything(history: dict) -> None:
    timeline = selectors.record_timeline(history["contact"], user=history["rep"], kind="nonsense")

    assert timeline.kind == ""
    assert len(timeline.entries) == 5


def test_limit_caps_entries_and_offers_more(history: dict) -> None:
    timeline = selectors.record_timeline(history["contact"], user=history["rep"], limit=3)

    assert [entry.kind for entry in timeline.entries] == ["survey_response", "ticket", "deal"]
    assert timeline.has_more


def test_shown_parameter_is_bounded() -> None:
    assert selectors.timeline_limit("abc") == selectors.TIMELINE_PAGE
    assert selectors.timeline_limit("-5") == selectors.TIMELINE_PAGE
    assert selectors.timeline_limit("100000") == selectors.TIMELINE_MAX


def test_next_open_task_is_pinned_earliest_due_first(history: dict) -> None:
    contact, rep = history["contact"], history["rep"]
    activity_create(kind=ActivityKind.TASK, subject="Undated task", owner=rep, contact=contact)
    activity_create(kind=ActivityKind.TASK, subject="Send contract", owner=rep, contact=contact, due_at=_hours(48))
    activity_create(kind=ActivityKind.TASK, subject="Call back", owner=rep, contact=contact, due_at=_hours(24))

    assert selectors.record_timeline(contact, user=rep).pinned.subject == "Call back"


def test_contact_page_filters_by_kind_without_script(client, history: dict) -> None:
    client.force_login(history["rep"])
    activity_create(kind=ActivityKind.TASK, subject="Call back", owner=history["rep"], contact=history["contact"],
                    due_at=_hours(24))

    page = client.get(reverse("crm:contact_detail", args=[history["contact"].pk]), {"kind": "deal"})

    body = page.content.decode()
    assert page.status_code == 200
    pinned_part = body.split('id="timeline-next-task"', 1)[1].split("</p>", 1)[0]
    assert "Call back" in pinned_part
    timeline_part = body.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "Big order" in timeline_part
    assert "Our offer" not in timeline_part
    assert 'href="?kind=ticket#timeline-title"' in body


def test_deal_page_shows_its_activities(client, history: dict) -> None:
    deal = history["contact"].deals.get()
    activity_create(kind=ActivityKind.NOTE, subject="Budget approved", owner=history["rep"], deal=deal)
    client.force_login(history["rep"])

    page = client.get(reverse("crm:deal_detail", args=[deal.pk]))

    assert page.status_code == 200
    assert "Budget approved" in page.content.decode()


# Adding a task in one step


def test_task_added_from_task_list_with_contact_and_deal(client) -> None:
    rep = UserFactory(role=Role.SALES)
    contact = ContactFactory(first_name="Nima", last_name="Karimi")
    deal = DealFactory(title="Renewal", contact=contact, owner=rep)
    client.force_login(rep)

    answer = client.post(reverse("crm:task_list"), {"subject": "Prepare the quote", "due_at": "2026-03-02T10:00",
                                                    "contact": contact.pk, "deal": deal.pk})

    assert answer.status_code == 302
    task = selectors.my_tasks(user=rep).get()
    assert (task.subject, task.contact, task.deal, task.kind) == ("Prepare the quote", contact, deal, "task")
    assert task.due_at is not None
    assert "Prepare the quote" in client.get(reverse("crm:task_list")).content.decode()


def test_task_without_subject_or_with_bad_date_shows_field_errors(client) -> None:
    rep = UserFactory(role=Role.SALES)
    client.force_login(rep)

    answer = client.post(reverse("crm:task_list"), {"subject": "", "due_at": "not a date", "deal": "999999"})

    assert answer.status_code == 400
    form = answer.context["task_form"]
    assert set(form.errors) == {"subject", "due_at", "deal"}
    assert not selectors.my_tasks(user=rep).exists()


def test_task_about_no_record_is_a_field_error_not_a_server_error(client) -> None:
    rep = UserFactory(role=Role.SALES)
    client.force_login(rep)

    answer = client.post(reverse("crm:task_list"), {"subject": "Think", "due_at": "2026-03-02T10:00"})

    assert answer.status_code == 400
    assert answer.context["task_form"].errors["contact"] == ["Choose the contact or the deal the task is about."]
    assert not selectors.my_tasks(user=rep).exists()


def test_task_on_someone_elses_deal_is_refused_for_a_rep(client) -> None:
    rep = UserFactory(role=Role.SALES)
    other_deal = DealFactory(title="Not mine", owner=UserFactory(role=Role.SALES))
    client.force_login(rep)

    answer = client.post(reverse("crm:task_list"), {"subject": "Sneak in", "deal": other_deal.pk})

    assert answer.status_code == 400
    assert "deal" in answer.context["task_form"].errors
    assert not selectors.my_tasks(user=rep).exists()


def test_task_added_from_a_timeline_in_one_submit(client, history: dict) -> None:
    client.force_login(history["rep"])
    contact = history["contact"]

    answer = client.post(reverse("crm:activity_log", args=["contact", contact.pk]),
                         {"kind": "task", "subject": "Follow up", "due_at": "2026-03-05T09:30"})

    assert answer.status_code == 302
    assert selectors.record_timeline(contact, user=history["rep"]).pinned.subject == "Follow up"
