import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from crm import services
from crm.models import Company, Contact, Tag
from tests.api.conftest import token_client
from tests.factories import CompanyFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def names(record) -> list[str]:
    return sorted(tag.name for tag in record.tags.all())


def test_tags_are_one_vocabulary_whatever_the_case_and_blanks_and_repeats_are_dropped():
    first = services.contact_create(first_name="Ann", tags=["VIP", " partner ", ""])
    second = services.company_create(name="Acme", tags=["vip", "Vip", "new  lead"])
    assert names(first) == ["VIP", "partner"]
    assert names(second) == ["VIP", "new lead"]
    assert Tag.objects.count() == 3


def test_an_update_without_tags_keeps_them_and_an_empty_list_clears_them():
    contact = services.contact_create(first_name="Ann", tags=["vip"])
    contact = services.contact_update(contact=contact, last_name="Zed")
    assert names(contact) == ["vip"]
    contact = services.contact_update(contact=contact, tags=[])
    assert names(contact) == []


def test_a_tag_longer_than_fifty_characters_is_refused_and_nothing_is_written():
    with pytest.raises(services.ValidationError) as error:
        services.company_create(name="Acme", tags=["x" * 51])
    assert "tags" in error.value.message_dict
    assert not Company.objects.exists()


def test_the_forms_take_tags_as_comma_separated_text_and_show_them(client, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("crm:contact_create"), {"first_name": "Reza", "language": "en",
                                                            "tags": "vip, partner,"})
    assert response.status_code == 302
    contact = Contact.objects.get(first_name="Reza")
    assert names(contact) == ["partner", "vip"]
    edit = client.get(reverse("crm:contact_edit", args=[contact.pk]))
    assert edit.context["form"].initial["tags"] in ("vip, partner", "partner, vip")
    page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert 'href="/contacts/?tag=vip"' in page


def test_a_too_long_tag_on_the_form_is_a_field_error(client, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_create"), {"name": "Acme", "tags": "x" * 51})
    assert response.status_code == 200
    assert response.context["form"].errors["tags"]
    assert not Company.objects.exists()


@pytest.mark.parametrize(("url_name", "make"), [
    ("crm:contact_list", lambda name, tags: ContactFactory(first_name=name, last_name="", email="")),
    ("crm:company_list", lambda name, tags: CompanyFactory(name=name)),
])
def test_customer_lists_filter_by_tag_and_export_it(client, sales_user, url_name, make):
    tagged = make("Tagged", ["vip"])
    tagged.tags.set(services.tags_named(["VIP"]))
    make("Plain", [])
    client.force_login(sales_user)
    page = client.get(reverse(url_name), {"tag": "vip"})
    assert [str(record) for record in page.context["page_obj"]] == ["Tagged"]
    body = b"".join(client.get(reverse(url_name), {"tag": "vip", "export": "csv"}).streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["tags"] for row in rows] == ["VIP"]


def test_the_deal_list_filters_by_tag(client, manager_user):
    tagged = DealFactory(title="Tagged deal", tags=["renewal"])
    DealFactory(title="Plain deal")
    client.force_login(manager_user)
    page = client.get(reverse("crm:deal_list"), {"tag": "Renewal"})
    assert [deal.title for deal in page.context["page_obj"]] == ["Tagged deal"]
    assert names(tagged) == ["renewal"]


def test_the_api_reads_writes_and_filters_tags(sales_user):
    api = token_client(sales_user)
    created = api.post("/api/companies/", {"name": "Acme", "tags": ["vip", "partner"]}, format="json")
    assert created.status_code == 201, created.json()
    assert sorted(created.json()["tags"]) == ["partner", "vip"]
    CompanyFactory(name="Other")
    found = api.get("/api/companies/", {"tag": "VIP"}).json()["results"]
    assert [company["name"] for company in found] == ["Acme"]
    company = Company.objects.get(name="Acme")
    changed = api.patch(f"/api/companies/{company.pk}/", {"tags": ["gold"], "version": company.version},
                        format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["tags"] == ["gold"]


def test_the_api_answers_400_for_a_tag_too_long(sales_user):
    response = token_client(sales_user).post("/api/contacts/", {"first_name": "Ann", "tags": ["vip", "x" * 51, ""]},
                                             format="json")
    assert response.status_code == 400
    # a list of messages naming each bad tag by its place, as the error schema says every field's errors are
    assert response.json() == {"tags": ["Tag 2: Ensure this field has no more than 50 characters.",
                                        "Tag 3: This field may not be blank."]}
    assert not Contact.objects.exists()


def run_import(path) -> None:
    call_command("import_dataset", str(path), "--no-rollup", stdout=io.StringIO())


def write_lines(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_the_dataset_imports_and_exports_tags_and_a_file_without_tags_keeps_them(tmp_path):
    records = [
        {"type": "company", "external_id": "co-1", "name": "Acme", "created_at": "2025-01-01T00:00:00Z",
         "tags": ["VIP", "partner", "vip"]},
        {"type": "contact", "external_id": "ct-1", "first_name": "Reza", "company": "co-1",
         "created_at": "2025-01-02T00:00:00Z", "tags": ["vip"]},
        {"type": "contact", "external_id": "ct-2", "first_name": "Old", "created_at": "2025-01-02T00:00:00Z"},
    ]
    write_lines(tmp_path / "in.jsonl", records)
    run_import(tmp_path / "in.jsonl")
    assert names(Company.objects.get(external_id="co-1")) == ["VIP", "partner"]
    assert names(Contact.objects.get(external_id="ct-1")) == ["VIP"]
    assert Tag.objects.count() == 2

    first = tmp_path / "first.jsonl"
    call_command("export_dataset", str(first), stdout=io.StringIO())
    exported = {(r["type"], r.get("external_id")): r for r in map(json.loads, first.read_text().splitlines())}
    assert exported[("company", "co-1")]["tags"] == ["VIP", "partner"]
    assert "tags" not in exported[("contact", "ct-2")]

    Contact.objects.all().delete()
    Company.objects.all().delete()
    Tag.objects.all().delete()
    run_import(first)
    second = tmp_path / "second.jsonl"
    call_command("export_dataset", str(second), stdout=io.StringIO())
    assert second.read_bytes() == first.read_bytes()

    without_tags = [{k: v for k, v in r.items() if k != "tags"} for r in records]
    write_lines(tmp_path / "old.jsonl", without_tags)
    run_import(tmp_path / "old.jsonl")
    assert names(Company.objects.get(external_id="co-1")) == ["VIP", "partner"]
    write_lines(tmp_path / "cleared.jsonl", [{**records[0], "tags": []}])
    run_import(tmp_path / "cleared.jsonl")
    assert names(Company.objects.get(external_id="co-1")) == []


def test_the_dataset_round_trips_deal_tags(tmp_path):
    deal = DealFactory(title="Big one", tags=["renewal"])
    first = tmp_path / "first.jsonl"
    call_command("export_dataset", str(first), stdout=io.StringIO())
    exported = [json.loads(line) for line in first.read_text().splitlines()]
    assert [r["tags"] for r in exported if r["type"] == "deal"] == [["renewal"]]
    deal.tags.clear()
    run_import(first)
    assert names(deal) == ["renewal"]


def test_the_dataset_refuses_a_tag_that_is_not_a_short_name(tmp_path):
    write_lines(tmp_path / "bad.jsonl", [{"type": "company", "external_id": "co-1", "name": "Acme",
                                          "created_at": "2025-01-01T00:00:00Z", "tags": ["x" * 51]}])
    with pytest.raises(CommandError, match="tags"):
        run_import(tmp_path / "bad.jsonl")
    assert not Company.objects.exists()
