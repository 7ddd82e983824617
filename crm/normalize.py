"""The keys duplicates are found by: an email, a phone number and a name as they compare, kept beside what
was typed.

Two spellings of one address (``ADA@Example.com`` and ``ada@example.com``), one number written
``(415) 555-2671`` or ``+1 415 555 2671`` or in Persian digits, and one company written with Arabic or
Persian letters are one key each. Dots in Gmail addresses are kept: they are not the same address for
every provider, and a false merge costs more than a missed warning.
"""

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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


HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def normalize_domain(text: str) -> str:
    """A web site as its host only: ``https://WWW.Example.com/about`` is ``www.example.com``. People paste
    addresses from the browser's bar, and one company should not be two spellings."""
    host = unicodedata.normalize("NFKC", text or "").strip().lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host)
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return host.rstrip(".")


def validate_domain(value: str) -> None:
    """Refuse what is not a host name such as ``example.com`` (letters, digits and hyphens, dot-separated)."""
    if not value:
        return
    try:
        ascii_host = value.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = ""
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253 or not all(HOST_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(_("Enter a domain such as example.com."), code="invalid_domain")
