import importlib
import json

import pytest
from django.apps import apps

from crm import services
from crm.models import Company, Contact
from crm.normalize import contact_normalized_fields, normalize_email, normalize_name, normalize_phone
from dataset.importer import import_dataset
from tests.conftest import T0

fill_migration = importlib.import_module("crm.migrations.0008_fill_normalized_keys")


@pytest.mark.parametrize(("typed", "key"), [
    ("ada@example.com", "ada@example.com"),
    ("ADA@Example.COM", "ada@example.com"),
    ("  ada@example.com \t", "ada@example.com"),
    ("ａｄａ@ｅｘａｍｐｌｅ.com", "ada@example.com"),  # full-width letters: NFKC
    ("a.d.a@gmail.com", "a.d.a@gmail.com"),  # Gmail dots are kept
    ("", ""),
])
def test_email_is_compared_lower_case_after_nfkc_and_stripped(typed, key):
    assert normalize_email(typed) == key


@pytest.mark.parametrize(("typed", "region", "key"), [
    ("(415) 555-2671", "US", "+14155552671"),
    ("+1 415 555 2671", "IR", "+14155552671"),
    ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "IR", "+989123456789"),  # Persian digits
    ("٠٩١٢٣٤٥٦٧٨٩", "IR", "+989123456789"),  # Arabic-Indic digits
    ("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", "US", "+989123456789"),
    ("not a phone", "US", ""),
    ("123", "US", ""),
    ("", "US", ""),
])
def test_phone_becomes_e164_or_empty(typed, region, key):
    assert normalize_phone(typed, region) == key


def test_phone_region_comes_from_the_setting(settings):
    settings.CRM_PHONE_REGION = "IR"
    assert normalize_phone("0912 345 6789") == "+989123456789"
    settings.CRM_PHONE_REGION = "US"
    assert normalize_phone("0912 345 6789") == ""


def test_names_fold_case_persian_letters_and_spaces():
    assert normalize_name("  Acme   GmbH ") == normalize_name("ACME gmbh")
    assert normalize_name("شركت كاري") == normalize_name("شرکت کاری")  # Arabic kaf and yeh
    assert normalize_name("می\u200cخواهم") == normalize_name("میخواهم")
    assert normalize_name("Ｓｔｒａｓｓｅ") == "strasse"


@pytest.mark.django_db
def test_services_keep_the_keys_beside_what_was_typed():
    contact = services.contact_create(first_name="Ada", last_name="Lovelace", email="ADA@Example.com",
                                      phone="(415) 555-2671")
    assert (contact.email, contact.email_normalized) == ("ADA@Example.com", "ada@example.com")
    assert (contact.phone, contact.phone_e164) == ("(415) 555-2671", "+14155552671")
    assert contact.full_name_normalized == "ada lovelace"
    contact = services.contact_update(contact=contact, email="Ada@Elsewhere.org", phone="bad")
    contact.refresh_from_db()
    assert (contact.email_normalized, contact.phone_e164) == ("ada@elsewhere.org", "")
    company = services.company_create(name="  ACME  Ltd ")
    assert company.name_normalized == "acme ltd"
    company = services.company_update(company=company, name="Globex")
    assert Company.objects.get(pk=company.pk).name_normalized == "globex"


@pytest.mark.django_db
def test_the_importer_stores_the_keys_too():
    record = {"type": "contact", "external_id": "c-1", "first_name": "Ada", "email": "ADA@Example.com",
              "phone": "+1 415 555 2671", "created_at": T0.isoformat()}
    import_dataset([json.dumps(record)], rollup=False)
    contact = Contact.objects.get(external_id="c-1")
    assert (contact.email_normalized, contact.phone_e164) == ("ada@example.com", "+14155552671")
    import_dataset([json.dumps({**record, "email": "Other@Example.com"})], rollup=False)
    contact.refresh_from_db()
    assert contact.email_normalized == "other@example.com"


@pytest.mark.django_db
def test_the_data_migration_fills_existing_rows():
    contact = services.contact_create(first_name="Ada", email="ADA@Example.com", phone="+1 415 555 2671")
    company = services.company_create(name="ACME")
    Contact.objects.filter(pk=contact.pk).update(email_normalized="", phone_e164="", full_name_normalized="")
    Company.objects.filter(pk=company.pk).update(name_normalized="")
    fill_migration.fill(apps, None)
    contact.refresh_from_db()
    assert contact_normalized_fields({"email": contact.email, "phone": contact.phone,
                                      "first_name": "Ada"}) == {
        "email_normalized": contact.email_normalized, "phone_e164": contact.phone_e164,
        "full_name_normalized": contact.full_name_normalized}
    assert contact.email_normalized == "ada@example.com"
    assert Company.objects.get(pk=company.pk).name_normalized == "acme"
