import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm import services
from crm.models import Company, Contact
from tests.api.conftest import token_client
from tests.factories import CompanyFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(("typed", "stored"), [
    ("https://WWW.Acme.example/about?x=1", "www.acme.example"),
    ("acme.example:8080", "acme.example"),
    ("  Shop.Acme.CO.uk. ", "shop.acme.co.uk"),
    ("", ""),
])
def test_the_company_form_keeps_the_host_of_what_was_pasted(client, sales_user, typed, stored):
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_create"), {
        "name": "Acme", "domain": typed, "industry": "Manufacturing", "size": "51-200",
        "address": "1 Main St\nSpringfield"})
    assert response.status_code == 302
    company = Company.objects.get(name="Acme")
    assert (company.domain, company.industry, company.size, company.address) == (
        stored, "Manufacturing", "51-200", "1 Main St\nSpringfield")


@pytest.mark.parametrize("typed", ["not a domain", "localhost", "acme..example", "-acme.example"])
def test_a_company_form_with_no_host_name_shows_a_field_error(client, sales_user, typed):
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_create"), {"name": "Acme", "domain": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["domain"] == ["Enter a domain such as example.com."]
    assert not Company.objects.exists()


def test_a_company_size_outside_the_bands_is_a_field_error(client, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_create"), {"name": "Acme", "size": "12"})
    assert response.status_code == 200
    assert "size" in response.context["form"].errors


def test_detail_pages_show_the_profile_fields(client, sales_user):
    company = CompanyFactory(name="Acme", domain="acme.example", industry="Shipping", size="1001+",
                             address="Dock 4")
    contact = ContactFactory(first_name="Reza", job_title="Head of Buying", company=company)
    client.force_login(sales_user)
    company_page = client.get(reverse("crm:company_detail", args=[company.pk])).content.decode()
    assert 'href="https://acme.example"' in company_page
    assert "Shipping" in company_page
    assert "1001+ employees" in company_page
    assert "Dock 4" in company_page
    contact_page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "Head of Buying" in contact_page


def test_the_contact_form_saves_the_job_title(client, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("crm:contact_create"), {"first_name": "Reza", "job_title": "CFO",
                                                            "language": "en"})
    assert response.status_code == 302
    assert Contact.objects.get(first_name="Reza").job_title == "CFO"


def test_the_api_creates_reads_and_filters_companies_by_their_profile(sales_user):
    api = token_client(sales_user)
    created = api.post("/api/companies/", {"name": "Acme", "domain": "http://Acme.Example/", "industry": "Retail",
                                           "size": "11-50", "address": "Main St"}, format="json")
    assert created.status_code == 201, created.json()
    assert {k: created.json()[k] for k in ("domain", "industry", "size", "address")} == {
        "domain": "acme.example", "industry": "Retail", "size": "11-50", "address": "Main St"}
    CompanyFactory(name="Other", domain="other.example", size="1-10")
    found = api.get("/api/companies/", {"domain": "ACME.example"}).json()["results"]
    assert [company["name"] for company in found] == ["Acme"]
    assert [c["name"] for c in api.get("/api/companies/", {"size": "1-10"}).json()["results"]] == ["Other"]


def test_the_api_answers_400_with_field_errors_for_a_bad_domain_or_size(sales_user):
    api = token_client(sales_user)
    response = api.post("/api/companies/", {"name": "Acme", "domain": "not a domain", "size": "huge"},
                        format="json")
    assert response.status_code == 400
    body = json.dumps(response.json())
    assert "domain" in body
    assert "size" in body
    assert not Company.objects.exists()


def test_the_api_changes_a_contacts_job_title(sales_user):
    contact = ContactFactory(first_name="Reza", owner=sales_user)
    api = token_client(sales_user)
    response = api.patch(f"/api/contacts/{contact.pk}/", {"job_title": "Buyer", "version": contact.version},
                         format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["job_title"] == "Buyer"
    contact.refresh_from_db()
    assert contact.job_title == "Buyer"


def test_an_update_normalises_the_domain_through_the_service():
    company = services.company_create(name="Acme", domain="HTTPS://acme.example/x")
    assert company.domain == "acme.example"
    company = services.company_update(company=company, domain="www.Acme.example/")
    assert company.domain == "www.acme.example"


def write_lines(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_the_dataset_round_trips_the_profile_fields_and_old_files_still_import(tmp_path: Path):
    records = [
        {"type": "company", "external_id": "co-1", "name": "Acme", "created_at": "2025-01-01T00:00:00Z",
         "domain": "https://Acme.example/", "industry": "Retail", "size": "201-1000", "address": "Main St"},
        {"type": "company", "external_id": "co-2", "name": "Old Co", "created_at": "2025-01-01T00:00:00Z"},
        {"type": "contact", "external_id": "ct-1", "first_name": "Reza", "job_title": "Buyer", "company": "co-1",
         "created_at": "2025-01-02T00:00:00Z"},
        {"type": "contact", "external_id": "ct-2", "first_name": "Old", "created_at": "2025-01-02T00:00:00Z"},
    ]
    call_command("import_dataset", str(write_lines(tmp_path / "in.jsonl", records)), "--no-rollup",
                 stdout=io.StringIO())
    acme = Company.objects.get(external_id="co-1")
    assert (acme.domain, acme.industry, acme.size, acme.address) == ("acme.example", "Retail", "201-1000", "Main St")
    assert Company.objects.get(external_id="co-2").domain == ""
    assert Contact.objects.get(external_id="ct-1").job_title == "Buyer"

    first = tmp_path / "first.jsonl"
    call_command("export_dataset", str(first), stdout=io.StringIO())
    exported = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    by_key = {(r["type"], r.get("external_id")): r for r in exported}
    assert by_key[("company", "co-1")]["domain"] == "acme.example"
    assert by_key[("contact", "ct-1")]["job_title"] == "Buyer"
    assert "domain" not in by_key[("company", "co-2")]
    assert "job_title" not in by_key[("contact", "ct-2")]

    Contact.objects.all().delete()
    Company.objects.all().delete()
    call_command("import_dataset", str(first), "--no-rollup", stdout=io.StringIO())
    second = tmp_path / "second.jsonl"
    call_command("export_dataset", str(second), stdout=io.StringIO())
    assert second.read_bytes() == first.read_bytes()


def test_the_dataset_refuses_a_domain_that_is_no_host_name(tmp_path: Path):
    records = [{"type": "company", "external_id": "co-1", "name": "Acme", "created_at": "2025-01-01T00:00:00Z",
                "domain": "not a domain"}]
    with pytest.raises(Exception, match="domain"):
        call_command("import_dataset", str(write_lines(tmp_path / "in.jsonl", records)), "--no-rollup",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not Company.objects.exists()


def test_csv_exports_carry_the_new_fields_and_owners_by_full_name(client, sales_user):
    owner = UserFactory(username="sara", full_name="Sara Ahmadi")
    company = CompanyFactory(name="Acme", owner=owner, domain="acme.example", industry="Retail", size="1-10",
                             address="Main St")
    ContactFactory(first_name="Reza", last_name="Karimi", job_title="Buyer", phone="+1 202 555 0136",
                   company=company, owner=owner)
    client.force_login(sales_user)
    company_row = csv_rows(client.get(reverse("crm:company_list"), {"export": "csv"}))[0]
    assert {k: company_row[k] for k in ("owner", "domain", "industry", "size", "address")} == {
        "owner": "Sara Ahmadi", "domain": "acme.example", "industry": "Retail", "size": "1-10",
        "address": "Main St"}
    contact_row = csv_rows(client.get(reverse("crm:contact_list"), {"export": "csv"}))[0]
    assert (contact_row["owner"], contact_row["job_title"], contact_row["phone"]) == (
        "Sara Ahmadi", "Buyer", "+1 202 555 0136")
