"""The deal board a rep works from: whose deals it shows (remembered per user with the pipeline), the weighted
totals per stage, and each card's expected close date and next open task."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, ActivityKind, Deal, Role
from tests.factories import DealFactory, PipelineFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def board_url(pipeline_id: int) -> str:
    return reverse("crm:deal_board", args=[pipeline_id])


def test_weighted_totals_are_each_stage_total_times_its_probability(client, manager_user, stages, contact):
    # Lead 0.1, Proposal 0.5, Negotiation 0.8 (the pipeline fixture).
    DealFactory(pipeline_stage=stages[0], contact=contact, amount=Decimal("100.00"))
    DealFactory(pipeline_stage=stages[0], contact=contact, amount=Decimal("200.00"), currency="EUR",
                exchange_rate=Decimal("1.5"))  # 300.00 in the base currency
    DealFactory(pipeline_stage=stages[1], contact=contact, amount=Decimal("50.05"))
    DealFactory(pipeline_stage=stages[2], contact=contact, amount=Decimal("1000.00"))
    client.force_login(manager_user)
    response = client.get(board_url(stages[0].pipeline_id))
    columns = response.context["columns"]
    # 400.00 × 0.1 = 40.00; 50.05 × 0.5 = 25.025 → 25.03 (half up); 1000.00 × 0.8 = 800.00
    assert [(c.count, c.total_base, c.weighted_base) for c in columns] == [
        (2, Decimal("400.00"), Decimal("40.00")), (1, Decimal("50.05"), Decimal("25.03")),
        (1, Decimal("1000.00"), Decimal("800.00"))]
    assert "25.03" in response.content.decode()


def test_sales_land_on_their_own_deals_managers_on_everyone(client, stages, contact, manager_user):
    team = TeamFactory()
    rep = UserFactory(role=Role.SALES, team=team)
    teammate = UserFactory(role=Role.SALES, team=team)
    outsider = UserFactory(role=Role.SALES)
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=rep, title="Rep deal")
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=teammate, title="Teammate deal")
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=outsider, title="Outsider deal")
    url = board_url(stages[0].pipeline_id)

    def titles(response) -> set[str]:
        return {card.title for column in response.context["columns"] for card in column.cards}

    client.force_login(rep)
    assert titles(client.get(url)) == {"Rep deal"}
    assert titles(client.get(url, {"scope": "team"})) == {"Rep deal", "Teammate deal"}
    assert titles(client.get(url, {"scope": "all"})) == {"Rep deal", "Teammate deal", "Outsider deal"}
    client.force_login(manager_user)
    assert titles(client.get(url)) == {"Rep deal", "Teammate deal", "Outsider deal"}


def test_the_board_opens_on_the_last_scope_and_pipeline(client, sales_user, stages, contact):
    other = PipelineFactory(name="Renewals")
    DealFactory(pipeline_stage=stages[0], contact=contact, owner=UserFactory(), title="Someone else's")
    client.force_login(sales_user)
    client.get(board_url(other.pk), {"scope": "all"})
    sales_user.refresh_from_db()
    assert (sales_user.board_scope, sales_user.board_pipeline) == ("all", other)

    assert client.get(reverse("crm:deal_board_default"))["Location"] == board_url(other.pk)
    response = client.get(board_url(stages[0].pipeline_id))
    assert response.context["scope"] == "all"
    assert "Someone else&#x27;s" in response.content.decode()


def test_an_unknown_scope_falls_back_to_the_remembered_one(client, sales_user, stages):
    client.force_login(sales_user)
    response = client.get(board_url(stages[0].pipeline_id), {"scope": "bogus"})
    assert response.status_code == 200
    assert response.context["scope"] == "mine"


def test_cards_show_the_next_open_task_in_one_query_whatever_the_number(client, sales_user, stages, contact,
                                                                        django_assert_max_num_queries):
    client.force_login(sales_user)
    client.get(board_url(stages[0].pipeline_id))  # the first visit remembers the pipeline
    now = timezone.now()

    def deal_with_tasks() -> None:
        deal = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user,
                           expected_close_date=date(2026, 7, 1))
        Activity.objects.create(kind=ActivityKind.TASK, subject="Later call", deal=deal, created_at=now,
                                due_at=now + timedelta(days=5))
        Activity.objects.create(kind=ActivityKind.TASK, subject="Send quote", deal=deal, created_at=now,
                                due_at=now + timedelta(days=1))
        Activity.objects.create(kind=ActivityKind.TASK, subject="Done already", deal=deal, created_at=now,
                                due_at=now - timedelta(days=1), done_at=now)

    deal_with_tasks()
    with django_assert_max_num_queries(9):
        client.get(board_url(stages[0].pipeline_id))
    for _ in range(10):
        deal_with_tasks()
    with django_assert_max_num_queries(9):
        response = client.get(board_url(stages[0].pipeline_id))
    cards = response.context["columns"][0].cards
    assert len(cards) == 11
    assert {card.next_task_subject for card in cards} == {"Send quote"}
    assert response.content.decode().count('<time datetime="2026-07-01">') == 11


def test_the_data_migration_turns_rotting_on_for_stages_without_idle_days(client, sales_user, stages, contact):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("crm.migrations.0016_stage_default_idle_days")
    stages[0].idle_days = 3
    stages[0].save()
    type(stages[1]).objects.filter(pk__in=[stages[1].pk, stages[2].pk]).update(idle_days=None)
    migration.set_default_idle_days(apps, None)
    assert [s.idle_days for s in type(stages[0]).objects.filter(pk__in=[s.pk for s in stages])
            .order_by("position")] == [3, 14, 14]

    deal = DealFactory(pipeline_stage=stages[1], contact=contact, owner=sales_user,
                       created_at=timezone.now() - timedelta(days=15))
    client.force_login(sales_user)
    cards = client.get(board_url(stages[0].pipeline_id)).context["columns"][1].cards
    assert [(card.pk, card.is_idle) for card in cards] == [(deal.pk, True)]


def test_a_new_stage_flags_idle_deals_after_two_weeks_whichever_way_it_is_made(tmp_path):
    from django.core.management import call_command

    from crm.models import Stage

    assert Stage.objects.create(pipeline=PipelineFactory(), name="Made by hand").idle_days == 14
    dataset = tmp_path / "pipeline.jsonl"
    dataset.write_text('{"type": "pipeline", "external_id": "p-9", "name": "Renewals", "stages": '
                       '[{"external_id": "st-9", "name": "Talking", "probability": 0.2}]}\n')
    call_command("import_dataset", str(dataset), "--no-rollup")
    assert Stage.objects.get(external_id="st-9").idle_days == 14


def settings_data(stages, **changes) -> dict[str, str]:
    """The settings page's POST as the browser sends it, with `changes` as {"0-name": ...} over stage rows."""
    data = {"form-TOTAL_FORMS": str(len(stages)), "form-INITIAL_FORMS": str(len(stages)),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    for index, stage in enumerate(stages):
        data.update({f"form-{index}-id": str(stage.pk), f"form-{index}-name": stage.name,
                     f"form-{index}-position": str(stage.position), f"form-{index}-probability": str(stage.probability),
                     f"form-{index}-idle_days": "" if stage.idle_days is None else str(stage.idle_days)})
    data.update({f"form-{key}": value for key, value in changes.items()})
    return data


def test_only_managers_and_admins_reach_the_pipeline_settings(client, sales_user, manager_user, stages):
    url = reverse("crm:pipeline_settings", args=[stages[0].pipeline_id])
    client.force_login(sales_user)
    assert client.get(url).status_code == 403
    assert client.post(url, settings_data(stages, **{"0-name": "Hacked"})).status_code == 403
    assert "Pipeline settings" not in client.get(board_url(stages[0].pipeline_id)).content.decode()
    client.force_login(manager_user)
    assert client.get(url).status_code == 200
    assert url in client.get(board_url(stages[0].pipeline_id)).content.decode()


def test_a_manager_renames_reorders_and_tunes_stages(client, manager_user, stages, contact):
    DealFactory(pipeline_stage=stages[1], contact=contact, amount=Decimal("100.00"))
    client.force_login(manager_user)
    url = reverse("crm:pipeline_settings", args=[stages[0].pipeline_id])
    response = client.post(url, settings_data(stages, **{"1-name": "Quote sent", "1-probability": "0.6",
                                                         "1-idle_days": "5", "2-position": "9"}))
    assert response.status_code == 302
    stages[1].refresh_from_db()
    stages[2].refresh_from_db()
    assert (stages[1].name, stages[1].probability, stages[1].idle_days) == ("Quote sent", Decimal("0.6"), 5)
    assert stages[2].position == 9
    columns = client.get(board_url(stages[0].pipeline_id)).context["columns"]
    assert columns[1].weighted_base == Decimal("60.00")


def test_bad_stage_settings_re_render_with_field_errors(client, manager_user, stages):
    client.force_login(manager_user)
    url = reverse("crm:pipeline_settings", args=[stages[0].pipeline_id])
    response = client.post(url, settings_data(stages, **{"0-probability": "1.5", "1-idle_days": "-2",
                                                         "2-name": ""}))
    assert response.status_code == 200
    errors = [form.errors for form in response.context["formset"].forms]
    assert "probability" in errors[0]
    assert "idle_days" in errors[1]
    assert "name" in errors[2]
    stages[0].refresh_from_db()
    assert stages[0].probability == Decimal("0.1")


def test_stage_settings_refuse_ten_thousand_idle_days_and_rows_of_other_pipelines_all_or_nothing(
        client, manager_user, stages):
    client.force_login(manager_user)
    url = reverse("crm:pipeline_settings", args=[stages[0].pipeline_id])
    response = client.post(url, settings_data(stages, **{"0-idle_days": "10000"}))
    assert response.status_code == 200
    assert "idle_days" in response.context["formset"].forms[0].errors

    other = PipelineFactory().stages.order_by("position").first()
    rows = settings_data(stages, **{"0-name": "Renamed", "1-id": str(other.pk), "1-name": "Taken over"})
    client.post(url, rows)  # a row naming another pipeline's stage is not this page's: it changes nothing
    other.refresh_from_db()
    assert other.name != "Taken over"

    added = settings_data(stages, **{"TOTAL_FORMS": str(len(stages) + 1), "3-name": "New", "3-position": "7",
                                     "3-probability": "0.5", "3-idle_days": "3"})
    assert client.post(url, added).status_code in (200, 302)
    assert stages[0].pipeline.stages.count() == len(stages)


def test_quick_add_creates_a_deal_in_that_column_owned_by_the_rep(client, sales_user, stages, contact):
    client.force_login(sales_user)
    board = client.get(board_url(stages[0].pipeline_id)).content.decode()
    assert f'id="quick-{stages[1].pk}-title"' in board
    response = client.post(reverse("crm:deal_quick_add"), {"stage": stages[1].pk, "title": "Quick one",
                                                           "contact": contact.pk, "amount": "750"})
    assert response["Location"] == board_url(stages[0].pipeline_id)
    deal = Deal.objects.get(title="Quick one")
    assert (deal.stage, deal.owner, deal.amount, deal.contact) == (stages[1], sales_user, Decimal("750"), contact)
    assert deal.stage_entries.get().stage == stages[1]
    page = client.get(response["Location"])
    assert [card.title for card in page.context["columns"][1].cards] == ["Quick one"]


def test_quick_add_with_bad_input_says_why_and_creates_nothing(client, sales_user, stages, contact):
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_quick_add"), {"stage": stages[0].pk, "title": "",
                                                           "contact": contact.pk, "amount": "-1"}, follow=True)
    assert response.status_code == 200
    text = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Title:") for m in text)
    assert any(m.startswith("Amount:") for m in text)
    assert not Deal.objects.exists()


def test_support_staff_cannot_quick_add(client, support_user, stages, contact):
    client.force_login(support_user)
    response = client.post(reverse("crm:deal_quick_add"), {"stage": stages[0].pk, "title": "Nope",
                                                           "contact": contact.pk, "amount": "1"})
    assert response.status_code == 403
    assert not Deal.objects.exists()


def move_json(client, deal, stage, version):
    return client.post(reverse("crm:deal_move", args=[deal.pk]), {"stage": stage.pk, "version": version},
                       HTTP_ACCEPT="application/json")


def test_a_move_asked_for_json_answers_the_new_version_and_column_numbers(client, sales_user, stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, amount=Decimal("100.00"))
    client.force_login(sales_user)
    response = move_json(client, deal, stages[2], deal.version)
    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["version"]) == (stages[2].pk, deal.version + 1)
    numbers = {column["stage"]: column for column in body["columns"]}
    assert (numbers[stages[0].pk]["count"], numbers[stages[2].pk]["count"]) == (0, 1)
    assert "80.00" in numbers[stages[2].pk]["weighted"]  # 100.00 × 0.8
    deal.refresh_from_db()
    assert deal.stage == stages[2]


def test_a_refused_json_move_says_why(client, sales_user, stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user)
    client.force_login(sales_user)
    stale = move_json(client, deal, stages[1], deal.version - 1)
    assert stale.status_code == 409
    assert stale.json()["error"]
    someone_elses = DealFactory(pipeline_stage=stages[0], contact=contact, owner=UserFactory(role=Role.SALES))
    refused = move_json(client, someone_elses, stages[1], someone_elses.version)
    assert refused.status_code == 403
    assert refused.json()["error"] == "Only the owner or a manager can move this deal."
    deal.refresh_from_db()
    assert deal.stage == stages[0]


def test_a_card_the_user_cannot_move_says_why(client, sales_user, stages, contact):
    other = DealFactory(pipeline_stage=stages[0], contact=contact, owner=UserFactory(role=Role.SALES))
    client.force_login(sales_user)
    page = client.get(board_url(stages[0].pipeline_id), {"scope": "all"}).content.decode()
    assert f'aria-describedby="locked-{other.pk}"' in page
    assert f'id="locked-{other.pk}">Only the owner or a manager can move this deal.' in page
