"""A rep emails a contact from a deal's page (its contact) or a company's page (one of its contacts)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.forms import COMPANY_EMAIL_CONTACTS_MAX
from crm.models import Activity, EmailDelivery, EmailDirection
from crm.services import contact_email_reply_record, contact_email_send
from tests.factories import CompanyFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_an_email_written_on_a_deal_is_on_the_deal_and_its_contact(sales_user):
    grace = ContactFactory(email="grace@example.com")
    deal = DealFactory(contact=grace, owner=sales_user)

    email = contact_email_send(contact=grace, owner=sales_user, subject="Renewal", body="Monday?", deal=deal)

    assert (email.contact, email.deal, email.direction, email.delivery_status) == (
        grace, deal, EmailDirection.OUT, EmailDelivery.QUEUED)
    assert list(deal.activities.all()) == list(grace.activities.all()) == [email]


def test_an_email_on_a_deal_to_another_contact_or_a_company_to_an_outsider_is_refused(sales_user):
    deal = DealFactory(owner=sales_user)
    outsider = ContactFactory(email="out@example.com")

    with pytest.raises(ValidationError, match="not the deal's contact"):
        contact_email_send(contact=outsider, owner=sales_user, subject="Hi", body="x", deal=deal)
    with pytest.raises(ValidationError, match="does not work at this company"):
        contact_email_send(contact=outsider, owner=sales_user, subject="Hi", body="x", company=CompanyFactory())
    assert not Activity.objects.exists()


def test_a_rep_emails_the_deals_contact_from_the_deal_page(client, sales_user):
    deal = DealFactory(contact=ContactFactory(email="grace@example.com"), owner=sales_user)
    client.force_login(sales_user)
    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert f'action="/deals/{deal.pk}/email/"' in page

    response = client.post(reverse("crm:deal_email", args=[deal.pk]), {"subject": "Your renewal", "body": "Hi"})

    assert response["Location"] == reverse("crm:deal_detail", args=[deal.pk])
    email = Activity.objects.get()
    assert (email.deal, email.contact, email.owner) == (deal, deal.contact, sales_user)
    assert "Your renewal" in client.get(response["Location"]).content.decode()
    assert "Your renewal" in client.get(reverse("crm:contact_detail", args=[deal.contact_id])).content.decode()


def test_a_deal_whose_contact_has_no_address_shows_a_hint_and_refuses_on_the_form(client, sales_user):
    deal = DealFactory(contact=ContactFactory(email="", first_name="Ada", last_name="Lovelace"), owner=sales_user)
    client.force_login(sales_user)

    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    refused = client.post(reverse("crm:deal_email", args=[deal.pk]), {"subject": "Hi", "body": "Hello"})
    empty = client.post(reverse("crm:deal_email", args=[deal.pk]), {"subject": "", "body": ""})

    assert "Ada Lovelace has no email address" in page
    assert f'action="/deals/{deal.pk}/email/"' not in page
    assert refused.status_code == 200
    assert "This contact has no email address." in refused.content.decode()
    assert empty.status_code == 200
    assert empty.context["email_form"].errors.keys() == {"subject", "body"}
    assert not Activity.objects.exists()


def test_a_rep_emails_one_of_the_companys_contacts_from_the_company_page(client, sales_user):
    company = CompanyFactory(name="Acme")
    grace = ContactFactory(company=company, email="grace@example.com", first_name="Grace", last_name="Hopper")
    ContactFactory(company=company, email="", first_name="Nomail", last_name="Person")
    client.force_login(sales_user)
    page = client.get(reverse("crm:company_detail", args=[company.pk]))
    assert list(page.context["email_form"].fields["contact"].queryset) == [grace]
    assert "Grace Hopper &lt;grace@example.com&gt;" in page.content.decode()

    response = client.post(reverse("crm:company_email", args=[company.pk]),
                           {"contact": grace.pk, "subject": "Your order", "body": "Shipped."})

    assert response["Location"] == reverse("crm:company_detail", args=[company.pk])
    email = Activity.objects.get()
    assert (email.company, email.contact, email.deal) == (company, grace, None)
    assert "Your order" in client.get(response["Location"]).content.decode()
    assert "Your order" in client.get(reverse("crm:contact_detail", args=[grace.pk])).content.decode()


def test_the_company_page_refuses_a_contact_of_another_company_or_one_without_an_address(client, sales_user):
    company = CompanyFactory()
    no_address = ContactFactory(company=company, email="")
    elsewhere = ContactFactory(company=CompanyFactory(), email="else@example.com")
    client.force_login(sales_user)

    for contact in (no_address, elsewhere):
        response = client.post(reverse("crm:company_email", args=[company.pk]),
                               {"contact": contact.pk, "subject": "Hi", "body": "Hello"})
        assert response.status_code == 200
        assert "contact" in response.context["email_form"].errors
    assert not Activity.objects.exists()


def test_a_company_without_a_contact_with_an_address_offers_no_email_form(client, sales_user):
    company = CompanyFactory()
    ContactFactory(company=company, email="")
    client.force_login(sales_user)

    page = client.get(reverse("crm:company_detail", args=[company.pk])).content.decode()

    assert f'action="/companies/{company.pk}/email/"' not in page


def test_the_company_pages_to_menu_is_capped(client, sales_user):
    company = CompanyFactory()
    ContactFactory.create_batch(COMPANY_EMAIL_CONTACTS_MAX + 1, company=company)
    client.force_login(sales_user)

    page = client.get(reverse("crm:company_detail", args=[company.pk]))

    assert page.context["email_form"].fields["contact"].queryset.count() == COMPANY_EMAIL_CONTACTS_MAX


def test_support_staff_cannot_email_from_deal_or_company_pages(client, support_user):
    company = CompanyFactory()
    contact = ContactFactory(company=company, email="grace@example.com")
    deal = DealFactory(contact=contact)
    client.force_login(support_user)

    from_deal = client.post(reverse("crm:deal_email", args=[deal.pk]), {"subject": "Hi", "body": "Hello"})
    from_company = client.post(reverse("crm:company_email", args=[company.pk]),
                               {"contact": contact.pk, "subject": "Hi", "body": "Hello"})

    assert (from_deal.status_code, from_company.status_code) == (403, 403)
    assert f'action="/companies/{company.pk}/email/"' not in client.get(
        reverse("crm:company_detail", args=[company.pk])).content.decode()
    assert not Activity.objects.exists()


def test_the_answer_to_an_email_from_a_company_page_shows_on_the_company_and_the_contact(client, sales_user):
    company = CompanyFactory()
    grace = ContactFactory(company=company, email="grace@example.com")
    email = contact_email_send(contact=grace, owner=sales_user, subject="Your order", body="Shipped.",
                               company=company)

    reply = contact_email_reply_record(answered=email, subject="Re: Your order", body="Thanks, it arrived.",
                                       message_id="<r1@example.com>", at=timezone.now())

    assert (reply.company, reply.contact, reply.owner, reply.in_reply_to) == (company, grace, sales_user, email)
    client.force_login(sales_user)
    assert "Thanks, it arrived." in client.get(reverse("crm:company_detail", args=[company.pk])).content.decode()
    assert "Thanks, it arrived." in client.get(reverse("crm:contact_detail", args=[grace.pk])).content.decode()
