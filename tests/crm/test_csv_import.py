import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.csv_import import plan_import, run_import
from crm.models import Company, Contact
from kpis.models import DirtyDay
from tests.factories import CampaignFactory, CompanyFactory

pytestmark = pytest.mark.django_db

CLEAN_CONTACTS = (
    "first_name,last_name,email,company,source_campaign,owner,language\n"
    "Ann,Zed,ann@example.com,Acme,Spring,{owner},en\n"
    "Bob,Young,bob@example.com,,,,fa\n"
)


def upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("contacts.csv", content.encode(), content_type="text/csv")


@pytest.fixture
def named_records(sales_user):
    CompanyFactory(name="Acme")
    CampaignFactory(name="Spring")
    return sales_user


def test_a_file_with_one_bad_row_writes_nothing_and_shows_the_row_error(client, named_records):
    client.force_login(named_records)
    content = CLEAN_CONTACTS.format(owner=named_records.username) + "Cid,Xu,not-an-email,Nowhere Ltd,,,en\n"
    response = client.post(reverse("crm:csv_import", args=["contacts"]), {"file": upload(content)})
    assert response.status_code == 200
    errors = [(error.line, error.message) for error in response.context["plan"].errors]
    assert len(errors) == 1
    line, message = errors[0]
    assert line == 4
    assert "email" in message
    assert "Nowhere Ltd" in message
    assert "Line 4" in response.content.decode()
    # Confirming the same content is refused too: nothing is written until the whole file is clean.
    client.post(reverse("crm:csv_import", args=["contacts"]), {"content": content, "confirm": "1"})
    assert not Contact.objects.exists()


def test_a_clean_file_is_previewed_then_written_whole(client, named_records):
    client.force_login(named_records)
    content = CLEAN_CONTACTS.format(owner=named_records.username)
    preview = client.post(reverse("crm:csv_import", args=["contacts"]), {"file": upload(content)})
    assert preview.context["plan"].ok
    assert not Contact.objects.exists()
    assert len(preview.context["preview"]) == 2
    DirtyDay.objects.all().delete()
    response = client.post(reverse("crm:csv_import", args=["contacts"]),
                           {"content": preview.context["content"], "confirm": "1"})
    assert response["Location"] == reverse("crm:contact_list")
    ann = Contact.objects.get(email="ann@example.com")
    assert (ann.company.name, ann.source_campaign.name, ann.owner) == ("Acme", "Spring", named_records)
    assert Contact.objects.get(email="bob@example.com").language == "fa"
    assert DirtyDay.objects.filter(family="campaigns").exists()


def test_unknown_and_missing_columns_are_reported_on_the_header_line():
    plan = plan_import(kind="companies", content="title,colour\nx,y\n")
    assert [error.line for error in plan.errors] == [1, 1]
    assert "name" in plan.errors[0].message
    assert "colour" in plan.errors[1].message


def test_duplicate_external_ids_are_row_errors(db):
    CompanyFactory(name="Old", external_id="c-1")
    plan = plan_import(kind="companies", content="name,external_id\nA,c-1\nB,c-2\nC,c-2\n")
    assert [(error.line, error.message) for error in plan.errors] == [
        (2, "external_id: c-1 is already used."), (4, "external_id: c-2 is already used.")]


def test_an_ambiguous_company_name_is_a_row_error(db):
    CompanyFactory(name="Twin")
    CompanyFactory(name="Twin")
    plan = plan_import(kind="contacts", content="first_name,company\nAnn,Twin\n")
    assert "Several records are named" in plan.errors[0].message


def test_companies_import_writes_all_rows(db):
    plan = plan_import(kind="companies", content="name,external_id\nGlobex,g-1\nInitech,\n")
    assert run_import(plan=plan) == 2
    assert set(Company.objects.values_list("name", "external_id")) == {("Globex", "g-1"), ("Initech", None)}


def test_an_empty_or_non_utf8_file_is_refused(client, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("crm:csv_import", args=["companies"]),
                           {"file": SimpleUploadedFile("x.csv", "name\nCafé\n".encode("latin-1"))})
    assert "file" in response.context["form"].errors
    response = client.post(reverse("crm:csv_import", args=["companies"]), {"file": upload("name\n")})
    assert [error.message for error in response.context["plan"].errors] == ["The file has no rows."]


def test_support_cannot_import(client, support_user):
    client.force_login(support_user)
    assert client.get(reverse("crm:csv_import", args=["contacts"])).status_code == 403


def test_unknown_import_kind_is_not_found(client, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("crm:csv_import", args=["deals"])).status_code == 404
