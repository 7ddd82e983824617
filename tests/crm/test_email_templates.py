"""Email templates: managers write them, reps start emails from them, filled for the contact."""

import pytest
from django.urls import reverse

from crm.email_placeholders import PlaceholderError, fill_placeholders
from crm.models import Activity, EmailTemplate, Language, Role
from crm.services import email_template_save
from tests.factories import CompanyFactory, ContactFactory, DealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(db):
    return UserFactory(role=Role.SALES, full_name="Rita Rep")


@pytest.fixture
def grace(db):
    return ContactFactory(first_name="Grace", last_name="Hopper", email="grace@example.com",
                          company=CompanyFactory(name="Navy"), language=Language.ENGLISH)


def welcome(**changes):
    fields = {"name": "Welcome", "language": Language.ENGLISH, "subject": "Welcome, {first_name}",
              "body": "Dear {first_name} {last_name} of {company},\n{{braces}} stay.\n{rep_name}"} | changes
    return email_template_save(**fields)


def test_placeholders_are_filled_and_doubled_braces_stay_single():
    text = "Dear {first_name} {last_name} of {company}, {{not one}} — {rep_name}"
    values = {"first_name": "Grace", "last_name": "Hopper", "company": "Navy", "rep_name": "Rita Rep"}

    assert fill_placeholders(text, values) == "Dear Grace Hopper of Navy, {not one} — Rita Rep"


@pytest.mark.parametrize("text", ["Hi {name}", "Hi {first_name.__class__}", "Hi {first_name!r}",
                                  "Hi {first_name:>99}", "Hi {0}", "Hi {}", "Hi {first_name"])
def test_anything_but_a_known_placeholder_is_refused(text):
    with pytest.raises(PlaceholderError):
        fill_placeholders(text, {"first_name": "Grace"})


def test_a_manager_writes_a_template_on_its_page(client, manager_user):
    client.force_login(manager_user)
    form = client.get(reverse("crm:email_template_create")).content.decode()
    assert "{first_name}" in form
    assert "{rep_name}" in form

    response = client.post(reverse("crm:email_template_create"), {
        "name": "Welcome", "language": "fa", "subject": "سلام {first_name}", "body": "با احترام، {rep_name}",
        "active": "on"})

    assert response["Location"] == reverse("crm:email_template_list")
    template = EmailTemplate.objects.get()
    assert (template.language, template.subject, template.active) == ("fa", "سلام {first_name}", True)
    assert "Welcome" in client.get(response["Location"]).content.decode()
    edited = client.post(reverse("crm:email_template_edit", args=[template.pk]), {
        "name": "Welcome", "language": "fa", "subject": "سلام", "body": "x"})
    assert edited.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.active) == ("سلام", False)


def test_an_unknown_placeholder_is_a_field_error_on_the_template_form(client, manager_user):
    client.force_login(manager_user)

    response = client.post(reverse("crm:email_template_create"), {
        "name": "Welcome", "language": "en", "subject": "Hi {firstname}", "body": "Hello {first_name}",
        "active": "on"})

    assert response.status_code == 200
    assert "Unknown placeholder: {firstname}" in response.context["form"].errors["subject"][0]
    assert "body" not in response.context["form"].errors
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES, Role.SUPPORT])
def test_only_managers_and_admins_open_the_template_pages(client, role):
    template = welcome()
    client.force_login(UserFactory(role=role))

    assert client.get(reverse("crm:email_template_list")).status_code == 403
    assert client.post(reverse("crm:email_template_create"), {"name": "x"}).status_code == 403
    assert client.get(reverse("crm:email_template_edit", args=[template.pk])).status_code == 403


def test_the_compose_form_offers_active_templates_in_the_contacts_language_first(client, rep):
    welcome(name="B English", language="en")
    welcome(name="A English", language="en")
    welcome(name="Z Persian", language="fa")
    welcome(name="Retired", language="fa", active=False)
    persian = ContactFactory(language=Language.PERSIAN, email="p@example.com")
    english = ContactFactory(language=Language.ENGLISH, email="e@example.com")
    client.force_login(rep)

    def offered(contact):
        form = client.get(reverse("crm:contact_detail", args=[contact.pk])).context["email_form"]
        return [template.name for template in form.fields["template"].queryset]

    assert offered(persian) == ["Z Persian", "A English", "B English"]
    assert offered(english) == ["A English", "B English", "Z Persian"]


def test_a_template_sent_with_an_empty_subject_and_message_is_filled_for_the_contact(client, rep, grace):
    template = welcome()
    client.force_login(rep)

    response = client.post(reverse("crm:contact_email", args=[grace.pk]),
                           {"template": template.pk, "subject": "", "body": ""})

    assert response.status_code == 302
    email = Activity.objects.get()
    assert email.subject == "Welcome, Grace"
    assert email.body == "Dear Grace Hopper of Navy,\n{braces} stay.\nRita Rep"


def test_what_the_rep_typed_wins_over_the_template(client, rep, grace):
    template = welcome()
    client.force_login(rep)

    client.post(reverse("crm:contact_email", args=[grace.pk]),
                {"template": template.pk, "subject": "My own subject", "body": ""})

    email = Activity.objects.get()
    assert (email.subject, email.body) == ("My own subject", "Dear Grace Hopper of Navy,\n{braces} stay.\nRita Rep")


def test_without_a_template_subject_and_message_are_required(client, rep, grace):
    client.force_login(rep)

    response = client.post(reverse("crm:contact_email", args=[grace.pk]), {"template": "", "subject": "",
                                                                           "body": ""})

    assert response.status_code == 200
    assert response.context["email_form"].errors.keys() == {"subject", "body"}
    assert not Activity.objects.exists()


def test_templates_are_filled_for_the_deals_contact_and_the_contact_chosen_on_a_company(client, rep, grace):
    template = welcome(subject="For {first_name} at {company}")
    deal = DealFactory(contact=grace, owner=rep)
    colleague = ContactFactory(company=grace.company, first_name="Alan", last_name="Turing", email="a@example.com")
    client.force_login(rep)

    client.post(reverse("crm:deal_email", args=[deal.pk]), {"template": template.pk, "subject": "", "body": ""})
    client.post(reverse("crm:company_email", args=[grace.company_id]),
                {"contact": colleague.pk, "template": template.pk, "subject": "", "body": ""})

    assert list(Activity.objects.order_by("id").values_list("subject", "contact", "deal", "company")) == [
        ("For Grace at Navy", grace.pk, deal.pk, None), ("For Alan at Navy", colleague.pk, None, grace.company_id)]


def test_the_page_carries_the_templates_and_the_contacts_values_for_the_browser(client, rep, grace):
    template = welcome()
    client.force_login(rep)

    page = client.get(reverse("crm:company_detail", args=[grace.company_id]))

    data = page.context["email_form"].templates_data()
    assert data["templates"] == {str(template.pk): {"subject": template.subject, "body": template.body}}
    assert data["contacts"] == {str(grace.pk): {"first_name": "Grace", "last_name": "Hopper", "company": "Navy",
                                                "rep_name": "Rita Rep"}}
    assert 'id="email-templates-data"' in page.content.decode()


def test_the_admin_refuses_an_unknown_placeholder(admin_client):
    response = admin_client.post(reverse("admin:crm_emailtemplate_add"), {
        "name": "Welcome", "language": "en", "subject": "Hi {nickname}", "body": "Hello", "active": "on"})

    assert response.status_code == 200
    assert "Unknown placeholder: {nickname}" in response.content.decode()
    assert not EmailTemplate.objects.exists()
