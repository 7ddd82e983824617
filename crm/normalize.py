"""The keys duplicates are found by: an email, a phone number and a name as they compare, kept beside what
was typed.

Two spellings of one address (``ADA@Example.com`` and ``ada@example.com``), one number written
``(415) 555-2671`` or ``+1 415 555 2671`` or in Persian digits, and one company written with Arabic or
Persian letters are one key each. Dots in Gmail addresses are kept: they are not the same address for
every provider, and a false merge costs more than a missed warning.
"""

import unicodedata
from collections.abc import Mapping
from typing import Any

import phonenumbers
from django.conf import settings

from core.text import fold_persian

CONTACT_NORMALIZED_FIELDS = ("email_normalized", "phone_e164", "full_name_normalized")


def normalize_email(email: str) -> str:
    """The address as it compares: Unicode NFKC, stripped, lower case."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def normalize_phone(phone: str, region: str | None = None) -> str:
    """The number in E.164 (``+14155552671``), read in `region` (CRM_PHONE_REGION) when it has no country
    code; empty when it is not a possible phone number."""
    text = unicodedata.normalize("NFKC", phone or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region or settings.CRM_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_name(name: str) -> str:
    """A name as it compares: NFKC, Persian letters folded (core/text.py), case folded, spaces collapsed."""
    text = fold_persian(unicodedata.normalize("NFKC", name or ""))
    return " ".join(text.casefold().split())


def contact_full_name(first_name: str, last_name: str) -> str:
    return normalize_name(f"{first_name or ''} {last_name or ''}")


def contact_normalized_fields(values: Mapping[str, Any]) -> dict[str, str]:
    """The normalised keys of a contact's email, phone and name (the services and the importer store them)."""
    return {"email_normalized": normalize_email(values.get("email") or ""),
            "phone_e164": normalize_phone(values.get("phone") or ""),
            "full_name_normalized": contact_full_name(values.get("first_name") or "", values.get("last_name") or "")}
