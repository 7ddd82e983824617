"""The importer writes the change history a service's save writes, and syncs role groups as the user service
does: a created record gets one "+" row, a changed one one "~" row, an unchanged one none."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.models import Contact, Deal, User
from dataset.importer import import_dataset

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
T0 = "2025-03-03T09:00:00+00:00"


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def run_import(*records: dict[str, Any]) -> None:
    import_dataset([json.dumps(record) for record in records], rollup=False)


def business(**deal_changes: Any) -> list[dict[str, Any]]:
    return [
        {"type": "contact", "external_id": "ct-1", "first_name": "Reza", "last_name": "Karimi", "created_at": T0},
        {"type": "pipeline", "external_id": "p-1", "name": "New business",
         "stages": [{"external_id": "st-1", "name": "Lead", "probability": "0.1"},
                    {"external_id": "st-2", "name": "Proposal", "probability": "0.5"}]},
        {"type": "deal", "external_id": "d-1", "title": "50 seats", "pipeline": "p-1", "contact": "ct-1",
         "amount": "1000.00", "status": "open", "created_at": T0,
         "stage_history": [{"stage": "st-1", "entered_at": T0}], **deal_changes},
    ]


def deal_history() -> list:
    return list(Deal.history.order_by("history_id"))


def test_importing_a_new_deal_writes_one_created_row_with_its_fields():
    run_import(*business())

    deal = Deal.objects.get(external_id="d-1")
    [row] = deal_history()
    assert (row.id, row.history_type, row.history_user_id, row.history_date) == (deal.pk, "+", None, NOW)
    assert (row.title, row.stage_id, row.contact_id, row.amount, row.status) == (
        "50 seats", deal.stage_id, deal.contact_id, deal.amount, "open")
    assert Contact.history.filter(history_type="+").count() == 1


def test_reimporting_a_renamed_deal_writes_one_changed_row_with_the_new_name():
    run_import(*business())

    run_import(*business(title="60 seats"))

    rows = deal_history()
    assert [row.history_type for row in rows] == ["+", "~"]
    assert (rows[1].title, rows[1].history_user_id, rows[1].history_date) == ("60 seats", None, NOW)
    assert Deal.objects.get(external_id="d-1").title == "60 seats"
    assert Contact.history.count() == 1  # the contact did not change


def test_reimporting_an_unchanged_deal_writes_no_history():
    run_import(*business())

    run_import(*business())

    assert [row.history_type for row in deal_history()] == ["+"]


def test_importing_users_puts_each_in_exactly_the_group_of_their_role():
    editors = Group.objects.create(name="newsletter editors")
    run_import({"type": "user", "username": "sara", "role": "sales"},
               {"type": "user", "username": "omid", "role": "support"})
    sara = User.objects.get(username="sara")
    sara.groups.add(editors)

    run_import({"type": "user", "username": "sara", "role": "manager"},
               {"type": "user", "username": "omid", "role": "support"})

    assert set(sara.groups.values_list("name", flat=True)) == {"manager", "newsletter editors"}
    assert list(User.objects.get(username="omid").groups.values_list("name", flat=True)) == ["support"]
