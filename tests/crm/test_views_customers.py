import csv
import io

import pytest
from django.urls import reverse

from crm.models import Company, Contact, Role
from crm.services import contact_update
from surveys.services import response_record
from tests.factories import CampaignFactory, CompanyFactory, ContactFactory, SurveyFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize("url_name", ["crm:contact_list", "crm:company_list", "crm:deal_list", "crm:task_list",
                                      "crm:search"])
def test_anonymous_visitors_are_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.SALES, Role.SUPPORT, Role.MANAGER, Role.ADMIN])
def test_every_role_reads_contacts_and_companies(client, role, contact, company):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("crm:contact_list")).status_code == 200
    assert client.get(reverse("crm:contact_detail", args=[contact.pk])).status_code == 200
    assert client.get(reverse("crm:company_detail", args=[company.pk])).status_code == 200


def test_support_cannot_create_or_edit_contacts(client, support_user, contact):
    client.force_login(support_user)
    assert client.get(reverse("crm:contact_create")).status_code == 403
    response = client.post(reverse("crm:contact_edit", args=[contact.pk]),
                           {"first_name": "Changed", "language": "en", "version": contact.version})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.first_name != "Changed"
    assert client.post(reverse("crm:contact_churn", args=[contact.pk]),
                       {"churned_at": "2025-03-04T10:00", "reason": "x"}).status_code == 403


def test_contact_list_searches_filters_and_sorts(client, sales_user):
    acme = CompanyFactory(name="Acme")
    ContactFactory(first_name="Ann", last_name="Zed", company=acme)
    ContactFactory(first_name="Bob", last_name="Young", company=acme)
    ContactFactory(first_name="Cid", last_name="Xu")
    client.force_login(sales_user)
    response = client.get(reverse("crm:contact_list"), {"company": acme.pk, "ordering": "name"})
    assert [str(c) for c in response.context["page_obj"]] == ["Bob Young", "Ann Zed"]
    response = client.get(reverse("crm:contact_list"), {"q": "acme ann"})
    assert [str(c) for c in response.context["page_obj"]] == ["Ann Zed"]


def test_contact_list_filters_churned_and_by_source_campaign(client, sales_user, t0):
    campaign = CampaignFactory()
    churned = ContactFactory(source_campaign=campaign, churned_at=t0, churn_reason="price")
    ContactFactory(source_campaign=campaign)
    client.force_login(sales_user)
    response = client.get(reverse("crm:contact_list"), {"churned": "yes", "source_campaign": campaign.pk})
    assert list(response.context["page_obj"]) == [churned]


def test_contact_list_csv_export_is_the_filtered_list(client, sales_user):
    ContactFactory(first_name="Ann", last_name="Zed", email="ann@example.com")
    ContactFactory(first_name="Bob", last_name="Young")
    client.force_login(sales_user)
    response = client.get(reverse("crm:contact_list"), {"q": "ann", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:4] == ["id", "first_name", "last_name", "email"]
    assert [row[1:4] for row in rows[1:]] == [["Ann", "Zed", "ann@example.com"]]


def test_company_csv_export_counts_contacts_and_defuses_formulas(client, sales_user):
    company = CompanyFactory(name="=HYPERLINK(1)")
    ContactFactory(company=company)
    client.force_login(sales_user)
    rows = csv_rows(client.get(reverse("crm:company_list"), {"export": "csv"}))
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][3] == "1"


@pytest.mark.parametrize("url_name", ["crm:contact_list", "crm:company_list"])
def test_list_query_count_does_not_grow_with_rows(client, sales_user, django_assert_max_num_queries, url_name):
    client.force_login(sales_user)
    for _ in range(3):
        ContactFactory(company=CompanyFactory(owner=sales_user), owner=sales_user,
                       source_campaign=CampaignFactory())
    with django_assert_max_num_queries(8):
        client.get(reverse(url_name))
    for _ in range(30):
        ContactFactory(company=CompanyFactory(owner=sales_user), owner=sales_user,
                       source_campaign=CampaignFactory())
    with django_assert_max_num_queries(8):
        response = client.get(reverse(url_name))
    assert len(response.context["page_obj"]) >= 30


def test_create_contact_sets_the_creator_as_owner(client, sales_user, company):
    client.force_login(sales_user)
    response = client.post(reverse("crm:contact_create"), {"first_name": "Nina", "last_name": "Shah",
                                                           "email": "nina@example.com", "company": company.pk,
                                                           "language": "en"})
    contact = Contact.objects.get(email="nina@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:contact_detail", args=[contact.pk])
    assert contact.owner == sales_user
    assert contact.company == company


def test_bad_contact_input_re_renders_with_field_errors(client, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("crm:contact_create"), {"first_name": "Nina", "email": "not-an-email",
                                                           "language": "en"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Contact.objects.filter(first_name="Nina").exists()


def test_sales_form_has_no_owner_field_but_managers_reassign(client, sales_user, manager_user, contact):
    client.force_login(sales_user)
    assert "owner" not in client.get(reverse("crm:contact_edit", args=[contact.pk])).context["form"].fields
    client.force_login(manager_user)
    response = client.post(reverse("crm:contact_edit", args=[contact.pk]), {
        "first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email,
        "owner": sales_user.pk, "language": "en", "version": contact.version})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.owner == sales_user


def test_stale_contact_edit_is_refused_and_keeps_the_input(client, sales_user, contact):
    client.force_login(sales_user)
    loaded_version = contact.version
    contact_update(contact=contact, phone="+1 555 0100")  # someone else saves meanwhile
    response = client.post(reverse("crm:contact_edit", args=[contact.pk]), {
        "first_name": "Mine", "last_name": contact.last_name, "email": contact.email, "language": "en",
        "version": loaded_version})
    assert response.status_code == 200
    form = response.context["form"]
    assert "Someone else changed this record" in " ".join(form.non_field_errors())
    assert form["first_name"].value() == "Mine"
    contact.refresh_from_db()
    assert contact.first_name != "Mine"
    assert contact.phone == "+1 555 0100"


def test_mark_company_churned_and_clear_it(client, sales_user, company):
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_churn", args=[company.pk]), {
        "churned_at": "2025-03-04T10:00", "reason": "Went to a competitor", "version": company.version})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.churned_at is not None
    assert company.churn_reason == "Went to a competitor"
    client.post(reverse("crm:company_churn", args=[company.pk]), {"action": "clear", "version": company.version})
    company.refresh_from_db()
    assert company.churned_at is None


def test_churn_without_a_reason_shows_the_field_error(client, sales_user, company):
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_churn", args=[company.pk]), {"churned_at": "2025-03-04T10:00"})
    assert response.status_code == 200
    assert "reason" in response.context["churn_form"].errors
    company.refresh_from_db()
    assert company.churned_at is None


def test_contact_page_shows_its_tickets_and_survey_answers_to_sales(client, sales_user, contact, t0):
    TicketFactory(contact=contact, subject="Printer on fire", created_at=t0)
    survey = SurveyFactory(name="Quarterly NPS")
    response_record(survey=survey, contact=contact, score=9, answered_at=t0)
    client.force_login(sales_user)
    page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "Printer on fire" in page
    assert "Quarterly NPS" in page


def test_contact_page_shows_who_changed_which_field(client, sales_user, manager_user, contact):
    client.force_login(manager_user)
    client.post(reverse("crm:contact_edit", args=[contact.pk]), {
        "first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email,
        "phone": "+98 21 5555", "owner": sales_user.pk, "language": "en", "version": contact.version})
    client.force_login(sales_user)
    response = client.get(reverse("crm:contact_detail", args=[contact.pk]))
    newest = response.context["history"][0]
    assert newest.user == manager_user
    changes = {change.label: (change.old, change.new) for change in newest.changes}
    assert changes["phone"] == (None, "+98 21 5555")
    assert changes["owner"] == (None, sales_user)
    assert "+98 21 5555" in response.content.decode()


def test_detail_page_query_count_is_bounded(client, sales_user, contact, django_assert_max_num_queries):
    for n in range(5):
        contact_update(contact=contact, phone=f"555-{n}")
    client.force_login(sales_user)
    with django_assert_max_num_queries(20):
        client.get(reverse("crm:contact_detail", args=[contact.pk]))


def test_company_create_and_edit(client, sales_user):
    client.force_login(sales_user)
    client.post(reverse("crm:company_create"), {"name": "Globex"})
    company = Company.objects.get(name="Globex")
    assert company.owner == sales_user
    response = client.post(reverse("crm:company_edit", args=[company.pk]), {"name": "", "version": company.version})
    assert "name" in response.context["form"].errors
    client.post(reverse("crm:company_edit", args=[company.pk]), {"name": "Globex Ltd", "version": company.version})
    company.refresh_from_db()
    assert company.name == "Globex Ltd"


def test_menu_shows_each_role_only_the_areas_it_may_open(client, sales_user, support_user):
    client.force_login(sales_user)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("crm:deal_list")}"' in page
    assert f'href="{reverse("support:ticket_list")}"' not in page
    assert f'action="{reverse("crm:search")}"' in page
    client.force_login(support_user)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("crm:deal_list")}"' not in page
    assert f'href="{reverse("support:ticket_list")}"' in page


def test_ticket_links_on_a_contact_page_only_for_roles_that_open_tickets(client, sales_user, support_user, contact):
    ticket = TicketFactory(contact=contact, subject="Broken login")
    ticket_url = reverse("support:ticket_detail", args=[ticket.pk])
    client.force_login(sales_user)
    page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "Broken login" in page
    assert ticket_url not in page
    client.force_login(support_user)
    assert ticket_url in client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
