"""Deals through the API: the services' rules answer 400 naming the field, a stale version 409, and the
board sums what the pipeline page shows."""

from decimal import Decimal

import pytest

from crm.models import Deal, DealStatus, LostReason
from tests.factories import DealFactory, PipelineFactory


@pytest.fixture
def sales(clients):
    return clients["sales"]


def test_create_then_read_by_id_and_by_external_id(sales, sales_user, stages, contact):
    body = {"title": "Big one", "stage": stages[0].pk, "contact": contact.pk, "amount": "2500.00",
            "external_id": "CRM-7"}
    created = sales.post("/api/deals/", body, format="json")
    assert created.status_code == 201
    deal = created.json()
    assert deal["owner"] == sales_user.pk
    assert deal["pipeline"] == stages[0].pipeline_id
    assert deal["amount_base"] == "2500.00"
    assert deal["version"] == 1
    assert sales.get(f"/api/deals/{deal['id']}/").json()["title"] == "Big one"
    assert sales.get("/api/deals/ext:CRM-7/").json()["id"] == deal["id"]
    assert sales.get("/api/deals/?external_id=CRM-7").json()["results"][0]["id"] == deal["id"]
    assert sales.get("/api/deals/ext:nope/").status_code == 404


def test_expected_close_date_is_set_changed_and_checked(sales, stages, contact):
    body = {"title": "Dated", "stage": stages[0].pk, "contact": contact.pk, "amount": "10",
            "expected_close_date": "2026-05-31"}
    deal = sales.post("/api/deals/", body, format="json").json()
    assert deal["expected_close_date"] == "2026-05-31"
    changed = sales.patch(f"/api/deals/{deal['id']}/", {"expected_close_date": None, "version": deal["version"]},
                          format="json")
    assert changed.status_code == 200
    assert changed.json()["expected_close_date"] is None
    bad = sales.patch(f"/api/deals/{deal['id']}/", {"expected_close_date": "soon"}, format="json")
    assert bad.status_code == 400
    assert "expected_close_date" in str(bad.json())


def test_move_win_reopen_and_lose(sales, deal, stages):
    moved = sales.post(f"/api/deals/{deal.pk}/move/", {"stage": stages[1].pk}, format="json")
    assert moved.status_code == 200
    assert moved.json()["stage"] == stages[1].pk
    won = sales.post(f"/api/deals/{deal.pk}/win/", {}, format="json")
    assert won.json()["status"] == DealStatus.WON
    assert won.json()["closed_at"] is not None
    reopened = sales.post(f"/api/deals/{deal.pk}/reopen/", {}, format="json")
    assert reopened.json()["status"] == DealStatus.OPEN
    reason = LostReason.objects.create(name="Price")
    lost = sales.post(f"/api/deals/{deal.pk}/lose/", {"lost_reason": reason.pk, "lost_note": "Too dear"},
                      format="json")
    assert lost.status_code == 200
    assert (lost.json()["status"], lost.json()["lost_reason"]) == (DealStatus.LOST, reason.pk)


def test_service_rules_answer_400_naming_the_field(sales, deal, stages):
    same_stage = sales.post(f"/api/deals/{deal.pk}/move/", {"stage": stages[0].pk}, format="json")
    assert same_stage.status_code == 400
    assert list(same_stage.json()) == ["stage"]
    other_pipeline = PipelineFactory().stages.first()
    assert sales.post(f"/api/deals/{deal.pk}/move/", {"stage": other_pipeline.pk},
                      format="json").json() == {"stage": ["That stage belongs to another pipeline."]}
    sales.post(f"/api/deals/{deal.pk}/win/", {}, format="json")
    again = sales.post(f"/api/deals/{deal.pk}/win/", {}, format="json")
    assert again.status_code == 400
    assert again.json() == {"status": ["The deal is already closed."]}


def test_foreign_currency_win_needs_a_rate(sales, stages, contact, sales_user):
    created = sales.post("/api/deals/", {"title": "Euro", "stage": stages[0].pk, "contact": contact.pk,
                                         "amount": "100.00", "currency": "eur"}, format="json").json()
    assert created["currency"] == "EUR"
    assert created["amount_base"] is None
    refused = sales.post(f"/api/deals/{created['id']}/win/", {}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["exchange_rate"]
    won = sales.post(f"/api/deals/{created['id']}/win/", {"exchange_rate": "1.1"}, format="json")
    assert won.json()["amount_base"] == "110.00"


def test_invalid_input_lists_each_field(sales):
    response = sales.post("/api/deals/", {"amount": "-1", "stage": 999999}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "stage", "contact", "amount"}
    assert all(isinstance(messages, list) for messages in response.json().values())


def test_a_stale_version_answers_409_in_the_body_or_if_match(sales, deal):
    first = sales.patch(f"/api/deals/{deal.pk}/", {"title": "One", "version": 1}, format="json")
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = sales.patch(f"/api/deals/{deal.pk}/", {"title": "Two", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert "detail" in stale.json()
    assert sales.patch(f"/api/deals/{deal.pk}/", {"title": "Two"}, format="json", HTTP_IF_MATCH='"1"').status_code \
        == 409
    assert sales.post(f"/api/deals/{deal.pk}/win/", {}, format="json", HTTP_IF_MATCH="1").status_code == 409
    current = sales.patch(f"/api/deals/{deal.pk}/", {"title": "Two"}, format="json", HTTP_IF_MATCH='"2"')
    assert current.status_code == 200
    assert Deal.objects.get(pk=deal.pk).title == "Two"
    garbage = sales.patch(f"/api/deals/{deal.pk}/", {"title": "Three"}, format="json", HTTP_IF_MATCH="yesterday")
    assert garbage.status_code == 400
    assert list(garbage.json()) == ["If-Match"]


def test_delete_own_deal(sales, deal):
    assert sales.delete(f"/api/deals/{deal.pk}/").status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert sales.get(f"/api/deals/{deal.pk}/").status_code == 404


def test_board_counts_and_sums_open_deals_per_stage(sales, stages, contact, sales_user):
    for amount in ("100.00", "250.50"):
        DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, amount=Decimal(amount))
    moved = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, amount=Decimal("40.00"))
    sales.post(f"/api/deals/{moved.pk}/move/", {"stage": stages[2].pk}, format="json")
    closed = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user)
    sales.post(f"/api/deals/{closed.pk}/lose/", {}, format="json")
    board = sales.get(f"/api/deals/board/?pipeline={stages[0].pipeline_id}")
    assert board.status_code == 200
    assert [(row["name"], row["count"], row["amount_base"]) for row in board.json()] == [
        ("Lead", 2, "350.50"), ("Proposal", 0, "0.00"), ("Negotiation", 1, "40.00")]
    assert sales.get("/api/deals/board/").json() == {"pipeline": ["This field is required."]}
    assert list(sales.get("/api/deals/board/?pipeline=99999").json()) == ["pipeline"]


def test_lists_filter_search_order_and_paginate(sales, stages, contact, sales_user):
    for n in range(5):
        DealFactory(title=f"Deal {n}", pipeline_stage=stages[0], contact=contact, owner=sales_user,
                    amount=Decimal(100 * (n + 1)))
    page = sales.get("/api/deals/?page_size=2&ordering=-amount_base").json()
    assert page["count"] == 5
    assert [deal["title"] for deal in page["results"]] == ["Deal 4", "Deal 3"]
    assert page["next"] is not None
    assert sales.get("/api/deals/?search=Deal 2").json()["count"] == 1
    assert sales.get("/api/deals/?amount_min=300").json()["count"] == 3
    assert sales.get(f"/api/deals/?owner={sales_user.pk}&status=open").json()["count"] == 5
    bad = sales.get("/api/deals/?status=sideways")
    assert bad.status_code == 400
    assert list(bad.json()) == ["status"]
    assert sales.get("/api/deals/?page=99").status_code == 404
