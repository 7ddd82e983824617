import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from crm import selectors
from crm.models import Deal, DealStageEntry, DealStatus, LostReason, Role
from crm.services import deal_close, deal_update
from kpis.models import DirtyDay
from tests.factories import DealFactory, PipelineFactory, UserFactory

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def board_url(pipeline_id):
    return reverse("crm:deal_board", args=[pipeline_id])


def move(client, deal, stage, version=None):
    return client.post(reverse("crm:deal_move", args=[deal.pk]), {
        "stage": stage.pk, "version": deal.version if version is None else version,
        "next": board_url(deal.pipeline_id)})


def test_support_sees_no_deal_pages(client, support_user, deal):
    client.force_login(support_user)
    for url in [reverse("crm:deal_list"), board_url(deal.pipeline_id), reverse("crm:deal_detail", args=[deal.pk]),
                reverse("crm:deal_create")]:
        assert client.get(url).status_code == 403, url
    assert move(client, deal, deal.pipeline.stages.last()).status_code == 403


def test_sales_cannot_move_or_edit_someone_elses_deal(client, deal, stages):
    client.force_login(UserFactory(role=Role.SALES))
    assert client.get(reverse("crm:deal_detail", args=[deal.pk])).status_code == 200
    assert move(client, deal, stages[1]).status_code == 403
    assert client.get(reverse("crm:deal_edit", args=[deal.pk])).status_code == 403
    assert client.post(reverse("crm:deal_close", args=[deal.pk]), {"outcome": "won"}).status_code == 403
    deal.refresh_from_db()
    assert deal.stage == stages[0]
    assert deal.status == DealStatus.OPEN


def test_board_columns_show_count_and_base_currency_total(client, sales_user, stages, contact):
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, amount=Decimal("100.00"))
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, amount=Decimal("200.00"),
                currency="EUR", exchange_rate=Decimal("1.5"))
    DealFactory(pipeline_stage=stages[1], contact=contact, owner=sales_user, amount=Decimal("50.00"))
    client.force_login(sales_user)
    columns = client.get(board_url(stages[0].pipeline_id)).context["columns"]
    assert [(c.stage.name, c.count, c.total_base) for c in columns] == [
        ("Lead", 2, Decimal("400.00")), ("Proposal", 1, Decimal("50.00")), ("Negotiation", 0, Decimal("0"))]


def test_board_flags_deals_idle_longer_than_the_stage_allows(client, sales_user, stages, contact):
    stages[0].idle_days = 7
    stages[0].save()
    idle = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user,
                       created_at=timezone.now() - timedelta(days=8))
    fresh = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user,
                        created_at=timezone.now() - timedelta(days=6))
    client.force_login(sales_user)
    response = client.get(board_url(stages[0].pipeline_id))
    flags = {card.pk: card.is_idle for card in response.context["columns"][0].cards}
    assert flags == {idle.pk: True, fresh.pk: False}
    assert "Idle for" in response.content.decode()


def test_board_query_count_does_not_grow_with_deals(client, sales_user, stages, contact,
                                                    django_assert_max_num_queries):
    client.force_login(sales_user)
    client.get(board_url(stages[0].pipeline_id), {"scope": "all"})  # the first visit remembers the choice
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user)
    with django_assert_max_num_queries(9):
        client.get(board_url(stages[0].pipeline_id))
    for n in range(30):
        DealFactory(pipeline_stage=stages[n % 3], contact=contact, owner=UserFactory())
    with django_assert_max_num_queries(9):
        response = client.get(board_url(stages[0].pipeline_id))
    assert sum(column.count for column in response.context["columns"]) == 31


def test_board_shows_at_most_the_card_limit_and_counts_the_rest(client, sales_user, stages, contact, settings):
    for _ in range(3):
        DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user)
    columns = selectors.deal_board(pipeline=stages[0].pipeline, user=sales_user, cards_per_stage=2)
    assert (columns[0].count, len(columns[0].cards), columns[0].hidden) == (3, 2, 1)


def test_deal_list_query_count_does_not_grow_with_deals(client, sales_user, stages, contact,
                                                        django_assert_max_num_queries):
    client.force_login(sales_user)
    for n in range(30):
        DealFactory(pipeline_stage=stages[n % 3], contact=contact, owner=UserFactory())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("crm:deal_list"))
    assert len(response.context["page_obj"]) == 30


def test_moving_a_card_records_stage_history_and_dirty_days(client, deal, stages):
    client.force_login(deal.owner)
    DirtyDay.objects.all().delete()
    response = move(client, deal, stages[1])
    assert response.status_code == 302
    assert response["Location"] == board_url(deal.pipeline_id)
    deal.refresh_from_db()
    assert deal.stage == stages[1]
    entries = list(DealStageEntry.objects.filter(deal=deal).order_by("entered_at", "id")
                   .values_list("stage__name", "exited_at"))
    assert [name for name, _ in entries] == ["Lead", "Proposal"]
    assert entries[0][1] is not None
    assert entries[1][1] is None
    assert DirtyDay.objects.filter(family="stages", day=timezone.localdate()).exists()
    assert any("moved to Proposal" in message for message in messages_of(response))


def test_moving_to_a_stage_of_another_pipeline_is_refused_with_a_message(client, deal):
    client.force_login(deal.owner)
    foreign_stage = PipelineFactory().stages.first()
    response = move(client, deal, foreign_stage)
    assert response.status_code == 302
    assert "That stage belongs to another pipeline." in messages_of(response)
    deal.refresh_from_db()
    assert deal.stage.pipeline == deal.pipeline
    assert deal.stage_entries.count() == 1


def test_moving_a_closed_deal_is_refused_with_a_message(client, deal, stages):
    deal = deal_close(deal=deal, won=True)
    client.force_login(deal.owner)
    response = move(client, deal, stages[2])
    assert "A closed deal cannot move; reopen it first." in messages_of(response)
    deal.refresh_from_db()
    assert deal.stage == stages[0]


def test_a_move_from_a_stale_board_is_refused(client, deal, stages):
    client.force_login(deal.owner)
    seen_version = deal.version
    deal_update(deal=deal, title="Renamed by a colleague")
    response = move(client, deal, stages[2], version=seen_version)
    assert any("Someone else changed this record" in message for message in messages_of(response))
    deal.refresh_from_db()
    assert deal.stage == stages[0]


def test_a_move_without_a_stage_is_refused_with_a_message(client, deal):
    client.force_login(deal.owner)
    response = client.post(reverse("crm:deal_move", args=[deal.pk]), {"stage": "", "version": deal.version})
    assert response.status_code == 302
    assert messages_of(response) == [f"Choose a stage to move “{deal.title}” to."]


def test_mark_won_closes_the_stage_entry_and_marks_days(client, deal):
    client.force_login(deal.owner)
    DirtyDay.objects.all().delete()
    response = client.post(reverse("crm:deal_close", args=[deal.pk]), {"outcome": "won", "version": deal.version})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON
    assert deal.stage_entries.get().exited_at == deal.closed_at
    assert set(DirtyDay.objects.values_list("family", flat=True)) >= {"deals", "customers", "stages"}


def test_winning_a_foreign_deal_needs_its_exchange_rate(client, sales_user, stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, currency="EUR")
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_close", args=[deal.pk]), {"outcome": "won", "version": deal.version})
    assert response.status_code == 200
    assert "exchange_rate" in response.context["close_form"].errors
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN
    client.post(reverse("crm:deal_close", args=[deal.pk]),
                {"outcome": "won", "exchange_rate": "1.10", "version": deal.version})
    deal.refresh_from_db()
    assert (deal.status, deal.amount_base) == (DealStatus.WON, Decimal("1100.00"))


def test_mark_lost_needs_a_reason_and_records_it(client, deal):
    reason = LostReason.objects.create(name="Too expensive")
    client.force_login(deal.owner)
    response = client.post(reverse("crm:deal_close", args=[deal.pk]), {"outcome": "lost", "version": deal.version})
    assert "lost_reason" in response.context["close_form"].errors
    client.post(reverse("crm:deal_close", args=[deal.pk]),
                {"outcome": "lost", "lost_reason": reason.pk, "lost_note": "Budget cut", "version": deal.version})
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason, deal.lost_note) == (DealStatus.LOST, reason, "Budget cut")


def test_reopen_a_closed_deal(client, deal):
    deal = deal_close(deal=deal, won=True)
    client.force_login(deal.owner)
    client.post(reverse("crm:deal_reopen", args=[deal.pk]), {"version": deal.version})
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN
    assert deal.stage_entries.get().exited_at is None


def test_create_deal_from_the_form(client, sales_user, stages, contact, company):
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Big one", "pipeline_stage": stages[1].pk, "contact": contact.pk, "company": company.pk,
        "amount": "2500", "currency": "usd", "kind": "new"})
    deal = Deal.objects.get(title="Big one")
    assert response["Location"] == reverse("crm:deal_detail", args=[deal.pk])
    assert (deal.stage, deal.owner, deal.currency, deal.amount_base) == (stages[1], sales_user, "USD",
                                                                          Decimal("2500.00"))
    assert deal.stage_entries.get().stage == stages[1]


def test_expected_close_date_from_the_form_shows_on_the_deal_page_and_the_card(client, sales_user, stages,
                                                                               contact):
    client.force_login(sales_user)
    client.post(reverse("crm:deal_create"), {
        "title": "Dated", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "100",
        "currency": "usd", "kind": "new", "expected_close_date": "2026-06-30"})
    deal = Deal.objects.get(title="Dated")
    assert deal.expected_close_date.isoformat() == "2026-06-30"
    assert '<time datetime="2026-06-30">' in client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert '<time datetime="2026-06-30">' in client.get(board_url(stages[0].pipeline_id)).content.decode()


def test_a_bad_expected_close_date_is_a_field_error(client, sales_user, stages, contact):
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Dated", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "100",
        "currency": "usd", "kind": "new", "expected_close_date": "2026-02-30"})
    assert response.status_code == 200
    assert "expected_close_date" in response.context["form"].errors
    assert not Deal.objects.exists()


def test_bad_deal_input_shows_field_errors(client, sales_user, stages, contact):
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_create"), {
        "title": "", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "-5", "currency": "dollars",
        "kind": "new"})
    assert response.status_code == 200
    assert {"title", "amount", "currency"} <= set(response.context["form"].errors)
    assert not Deal.objects.exists()


def test_stale_deal_edit_is_refused_and_nothing_is_overwritten(client, deal):
    client.force_login(deal.owner)
    seen_version = deal.version
    deal_update(deal=deal, amount=Decimal("5000"))
    response = client.post(reverse("crm:deal_edit", args=[deal.pk]), {
        "title": "My title", "contact": deal.contact_id, "amount": "1200", "currency": "USD", "kind": "new",
        "version": seen_version})
    assert response.status_code == 200
    assert "Someone else changed this record" in " ".join(response.context["form"].non_field_errors())
    assert response.context["form"]["title"].value() == "My title"
    deal.refresh_from_db()
    assert (deal.title, deal.amount) != ("My title", Decimal("1200"))
    assert deal.amount == Decimal("5000")


def test_managers_reassign_deals_sales_cannot(client, deal, manager_user):
    other = UserFactory(role=Role.SALES)
    client.force_login(deal.owner)
    assert "owner" not in client.get(reverse("crm:deal_edit", args=[deal.pk])).context["form"].fields
    client.force_login(manager_user)
    client.post(reverse("crm:deal_edit", args=[deal.pk]), {
        "title": deal.title, "contact": deal.contact_id, "owner": other.pk, "amount": "1000", "currency": "USD",
        "kind": "new", "version": deal.version})
    deal.refresh_from_db()
    assert deal.owner == other


def test_deal_page_shows_field_history(client, deal, manager_user):
    client.force_login(manager_user)
    client.post(reverse("crm:deal_edit", args=[deal.pk]), {
        "title": "Renamed", "contact": deal.contact_id, "owner": deal.owner_id, "amount": "1000",
        "currency": "USD", "kind": "upsell", "version": deal.version})
    response = client.get(reverse("crm:deal_detail", args=[deal.pk]))
    changes = {c.label: (c.old, c.new) for c in response.context["history"][0].changes}
    assert changes["title"] == (deal.title, "Renamed")
    assert changes["kind"] == ("New business", "Upsell")
    assert response.context["history"][0].user == manager_user


def test_deal_csv_export_follows_the_filters(client, sales_user, stages, contact):
    DealFactory(title="Alpha", pipeline_stage=stages[0], contact=contact, owner=sales_user)
    DealFactory(title="Beta", pipeline_stage=stages[1], contact=contact, owner=sales_user)
    client.force_login(sales_user)
    response = client.get(reverse("crm:deal_list"), {"stage": stages[1].pk, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Beta"]
    assert rows[1][3:6] == ["Proposal", "open", "1000.00"]
