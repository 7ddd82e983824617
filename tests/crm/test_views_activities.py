from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, ActivityKind, Role
from crm.services import activity_create
from tests.factories import CompanyFactory, ContactFactory, DealFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_log_a_call_on_a_contact(client, sales_user, contact):
    client.force_login(sales_user)
    response = client.post(reverse("crm:activity_log", args=["contact", contact.pk]),
                           {"kind": "call", "subject": "Intro call", "body": "Wants a demo"})
    assert response["Location"] == reverse("crm:contact_detail", args=[contact.pk])
    activity = Activity.objects.get()
    assert (activity.kind, activity.contact, activity.owner) == (ActivityKind.CALL, contact, sales_user)
    assert "Intro call" in client.get(response["Location"]).content.decode()


def test_a_due_date_on_a_note_is_a_field_error(client, sales_user, company):
    client.force_login(sales_user)
    response = client.post(reverse("crm:activity_log", args=["company", company.pk]),
                           {"kind": "note", "subject": "x", "due_at": "2025-03-10T09:00"})
    assert response.status_code == 200
    assert "due_at" in response.context["activity_form"].errors
    assert not Activity.objects.exists()


def test_support_cannot_log_on_contacts_and_sales_not_on_others_deals(client, support_user, contact, deal):
    client.force_login(support_user)
    assert client.post(reverse("crm:activity_log", args=["contact", contact.pk]),
                       {"kind": "call", "subject": "x"}).status_code == 403
    client.force_login(UserFactory(role=Role.SALES))
    assert client.post(reverse("crm:activity_log", args=["deal", deal.pk]),
                       {"kind": "call", "subject": "x"}).status_code == 403
    assert not Activity.objects.exists()


def test_unknown_activity_target_is_not_found(client, sales_user, contact):
    client.force_login(sales_user)
    assert client.post(reverse("crm:activity_log", args=["ticket", contact.pk]),
                       {"kind": "call", "subject": "x"}).status_code == 404


def test_my_tasks_lists_my_open_tasks_by_due_date_and_ticks_them(client, sales_user, deal):
    now = timezone.now()
    later = activity_create(kind="task", subject="Send quote", owner=sales_user, deal=deal,
                            due_at=now + timedelta(days=2))
    sooner = activity_create(kind="task", subject="Call back", owner=sales_user, deal=deal,
                             due_at=now + timedelta(days=1))
    activity_create(kind="task", subject="Someone else's", owner=UserFactory(), deal=deal, due_at=now)
    activity_create(kind="call", subject="A call", owner=sales_user, deal=deal)
    client.force_login(sales_user)
    assert list(client.get(reverse("crm:task_list")).context["page_obj"]) == [sooner, later]
    client.post(reverse("crm:task_toggle", args=[sooner.pk]), {"done": "1"})
    sooner.refresh_from_db()
    assert sooner.done_at is not None
    assert list(client.get(reverse("crm:task_list")).context["page_obj"]) == [later]
    assert list(client.get(reverse("crm:task_list"), {"done": "1"}).context["page_obj"]) == [sooner]
    client.post(reverse("crm:task_toggle", args=[sooner.pk]), {"done": "0"})
    sooner.refresh_from_db()
    assert sooner.done_at is None


def test_nobody_ticks_off_someone_elses_task(client, sales_user, deal):
    task = activity_create(kind="task", subject="Mine", owner=UserFactory(), deal=deal)
    client.force_login(sales_user)
    assert client.post(reverse("crm:task_toggle", args=[task.pk]), {"done": "1"}).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_task_list_query_count_is_bounded(client, sales_user, deal, contact, django_assert_max_num_queries):
    for n in range(20):
        activity_create(kind="task", subject=f"Task {n}", owner=sales_user, deal=deal, contact=contact)
    client.force_login(sales_user)
    with django_assert_max_num_queries(7):
        client.get(reverse("crm:task_list"))


def test_home_shows_my_open_deals_and_tasks(client, sales_user, deal):
    activity_create(kind="task", subject="Prepare the demo", owner=deal.owner, deal=deal,
                    due_at=timezone.now() + timedelta(hours=3))
    client.force_login(deal.owner)
    page = client.get(reverse("home")).content.decode()
    assert deal.title in page
    assert "Prepare the demo" in page


class TestSearch:
    def test_sales_finds_contacts_companies_and_deals_but_no_tickets(self, client, sales_user, stages):
        contact = ContactFactory(first_name="Zora", last_name="Quill")
        CompanyFactory(name="Quill Industries")
        DealFactory(title="Quill renewal", pipeline_stage=stages[0], contact=contact, owner=sales_user)
        TicketFactory(subject="Quill cannot log in", contact=contact)
        client.force_login(sales_user)
        results = client.get(reverse("crm:search"), {"q": "quill"}).context["results"]
        assert [str(c) for c in results.contacts.records] == ["Zora Quill"]
        assert [c.name for c in results.companies.records] == ["Quill Industries"]
        assert [d.title for d in results.deals.records] == ["Quill renewal"]
        assert results.tickets.records == []

    def test_support_finds_tickets_but_no_deals(self, client, support_user, stages, contact):
        DealFactory(title="Quill renewal", pipeline_stage=stages[0], contact=contact)
        TicketFactory(subject="Quill cannot log in", contact=contact)
        client.force_login(support_user)
        response = client.get(reverse("crm:search"), {"q": "quill"})
        assert response.context["results"].deals.records == []
        assert [t.subject for t in response.context["results"].tickets.records] == ["Quill cannot log in"]
        assert "Quill renewal" not in response.content.decode()

    def test_search_query_count_is_bounded(self, client, manager_user, stages, django_assert_max_num_queries):
        for n in range(15):
            contact = ContactFactory(last_name=f"Quill {n}", company=CompanyFactory(name=f"Quill {n}"))
            DealFactory(title=f"Quill {n}", pipeline_stage=stages[0], contact=contact)
            TicketFactory(subject=f"Quill {n}", contact=contact)
        client.force_login(manager_user)
        # Two queries a kind when every match fits the page, three past it (core.search.found): never per record.
        with django_assert_max_num_queries(11):
            response = client.get(reverse("crm:search"), {"q": "quill"})
        assert response.context["results"].total == 60

    def test_each_kind_says_how_many_it_found_and_links_to_all_of_them(self, client, manager_user):
        for n in range(23):
            ContactFactory(first_name="Pat", last_name=f"Quill {n}")
        CompanyFactory(name="Quill Industries")
        client.force_login(manager_user)
        response = client.get(reverse("crm:search"), {"q": "quill"})
        results = response.context["results"]
        assert (len(results.contacts.records), results.contacts.count) == (20, 23)
        # The first 20 in the list's order (last name, as text: "Quill 10" before "Quill 2").
        assert [c.last_name for c in results.contacts.records] == sorted(f"Quill {n}" for n in range(23))[:20]
        assert (len(results.companies.records), results.companies.count) == (1, 1)
        assert results.total == 24
        page = response.content.decode()
        assert "(23)" in page
        assert "(1)" in page
        assert f'href="{reverse("crm:contact_list")}?q=quill"' in page  # see all 23
        assert page.count('class="see-all"') == 1  # the one company is all there is

    def test_a_count_past_a_thousand_is_not_read_to_the_end(self, client, manager_user, monkeypatch):
        from core import search
        monkeypatch.setattr(search, "COUNT_CAP", 21)
        for n in range(25):
            ContactFactory(first_name="Pat", last_name=f"Quill {n}")
        client.force_login(manager_user)
        response = client.get(reverse("crm:search"), {"q": "quill"})
        assert response.context["results"].contacts.count == 22  # COUNT_CAP + 1: "more than the cap"
        assert response.context["results"].contacts.count_is_capped
        assert "(1,000+)" in response.content.decode()

    def test_empty_search_finds_nothing(self, client, sales_user, contact):
        client.force_login(sales_user)
        assert client.get(reverse("crm:search"), {"q": "  "}).context["results"].total == 0
