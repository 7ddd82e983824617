"""Persian words that mean what the English ones do: a status is not a date column, a sort order is not left
in English, and every choice a page offers is translated."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from crm.filters import ContactFilter, DealFilter
from support.filters import TicketFilter
from support.models import TicketStatus
from tests.crm.test_jalali_forms import persian_client

PROJECT_APPS = {"crm", "support", "surveys", "kpis", "webhooks"}

# (English, the Persian it must read as): terms a reviewer found translated with another meaning.
KNOWN_TERMS = [
    ("Closed", "بسته"),  # the status, once «تاریخ بستن» ("closing date")
    ("Resolved", "حل‌شده"),  # the status, once «زمان حل» ("resolution time")
    ("Closed on", "تاریخ بستن"),
    ("Resolved on", "تاریخ حل"),
    ("Open", "باز"),
    ("Won", "برنده‌شده"),
    ("Lost", "ازدست‌رفته"),
]


@pytest.mark.parametrize(("english", "persian"), KNOWN_TERMS)
def test_known_terms_read_as_what_they_mean(english, persian):
    with translation.override("fa"):
        assert gettext(english) == persian


def test_ticket_statuses_are_states_not_dates():
    with translation.override("fa"):
        labels = {status.value: str(status.label) for status in TicketStatus}
    assert labels["closed"] == "بسته"
    assert labels["resolved"] == "حل‌شده"
    assert "تاریخ" not in "".join(labels.values())
    assert "زمان" not in "".join(labels.values())


def test_every_choice_label_of_every_model_is_translated():
    untranslated = []
    with translation.override("fa"):
        for model in apps.get_models():
            if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                for value, label in getattr(field, "choices", None) or []:
                    if str(label) == gettext("") or not isinstance(value, str):
                        continue
                    with translation.override("en"):
                        english = str(label)
                    acronym = english.isupper()  # NPS, SERVQUAL: the same in both languages
                    if str(label) == english and not acronym and any(ch.isalpha() for ch in english):
                        untranslated.append(f"{model.__name__}.{field.name}={value}: {english}")
    assert untranslated == []


@pytest.mark.parametrize("filterset", [ContactFilter, DealFilter, TicketFilter])
def test_every_sort_choice_is_in_persian_on_a_persian_page(filterset):
    with translation.override("fa"):
        choices = [str(label) for _, label in filterset().form.fields[
            "sort" if filterset is TicketFilter else "ordering"].choices]
    assert len(choices) > 4
    assert not [label for label in choices if "descending" in label or "ascending" in label]
    assert all(any("\u0600" <= character <= "\u06ff" for character in label) for label in choices), choices


@pytest.mark.django_db
def test_the_contact_list_sort_box_is_persian(client):
    persian_client(client)
    page = client.get(reverse("crm:contact_list")).content.decode()
    assert "(descending)" not in page
    assert "(نزولی)" in page
