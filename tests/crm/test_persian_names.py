"""Pipelines, stages, lost reasons and teams carry a Persian name that Persian pages show, falling back to
the English name when none was given."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from crm.models import LostReason, Pipeline, Role, Stage, Team
from dataset.management.commands.setup_demo import name_in_persian
from kpis.selectors import _labels
from tests.crm.test_board import board_url, settings_data
from tests.crm.test_jalali_forms import persian_client
from tests.factories import DealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(stages):
    pipeline = stages[0].pipeline
    pipeline.name, pipeline.name_fa = "New business", "فروش جدید"
    pipeline.save()
    stages[1].name_fa = "پیشنهاد"
    stages[1].save()
    return pipeline, stages


def test_the_persian_board_shows_persian_names_and_the_english_one_english(client, named, contact):
    pipeline, stages = named
    DealFactory(pipeline_stage=stages[1], contact=contact, amount=Decimal("10"))
    persian_client(client)
    page = client.get(board_url(pipeline.pk)).content.decode()
    assert "فروش جدید" in page
    assert "پیشنهاد" in page
    assert ">Proposal<" not in page
    assert stages[0].name in page  # no Persian name: the English one

    client.force_login(UserFactory(role=Role.SALES))
    client.cookies["django_language"] = "en"
    english = client.get(board_url(pipeline.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "پیشنهاد" not in english
    assert "Proposal" in english


def test_display_name_follows_the_language_and_falls_back_to_the_name(named):
    _, stages = named
    with translation.override("fa"):
        assert stages[1].display_name == "پیشنهاد"
        assert str(stages[1]) == "فروش جدید / پیشنهاد"
        assert stages[0].display_name == stages[0].name
    with translation.override("en"):
        assert str(stages[1]) == "New business / Proposal"


def test_a_manager_gives_a_stage_its_persian_name_on_the_pipeline_settings_page(client, manager_user, stages):
    client.force_login(manager_user)
    url = reverse("crm:pipeline_settings", args=[stages[0].pipeline_id])
    response = client.post(url, settings_data(stages, **{"2-name_fa": " مذاکره "}))
    assert response.status_code == 302
    stages[2].refresh_from_db()
    assert (stages[2].name, stages[2].name_fa) == ("Negotiation", "مذاکره")


def test_a_persian_deal_page_offers_lost_reasons_and_stages_in_persian(client, deal):
    LostReason.objects.create(name="price", name_fa="قیمت")
    persian_client(client, role=Role.MANAGER)
    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert ">قیمت<" in page


def test_kpi_breakdowns_label_stages_pipelines_and_teams_in_the_page_language(named):
    pipeline, stages = named
    Team.objects.create(name="North", name_fa="شمال")
    with translation.override("fa"):
        assert _labels("stage", [str(stages[1].pk)])[str(stages[1].pk)][1] == "پیشنهاد"
        assert _labels("pipeline", [str(pipeline.pk)])[str(pipeline.pk)][1] == "فروش جدید"
        assert _labels("team", ["North", "Gone"]) == {"North": ("North", "شمال"), "Gone": ("Gone", "Gone")}
    with translation.override("en"):
        assert _labels("team", ["North"]) == {"North": ("North", "North")}


def test_the_api_gives_both_names(named):
    pipeline, _stages = named
    api = APIClient()
    api.force_authenticate(UserFactory(role=Role.MANAGER))
    body = api.get(f"/api/pipelines/{pipeline.pk}/").json()
    assert (body["name"], body["name_fa"]) == ("New business", "فروش جدید")
    assert [stage["name_fa"] for stage in body["stages"]] == ["", "پیشنهاد", ""]


def test_the_demo_business_names_its_lists_in_persian_without_overwriting_a_managers_name():
    pipeline = Pipeline.objects.create(name="New business")
    Stage.objects.create(pipeline=pipeline, name="Proposal", name_fa="پروپوزال")
    LostReason.objects.create(name="price")
    Team.objects.create(name="Care")
    name_in_persian()
    assert Pipeline.objects.get().name_fa == "فروش جدید"
    assert Stage.objects.get().name_fa == "پروپوزال"
    assert LostReason.objects.get().name_fa == "قیمت"
    assert Team.objects.get().name_fa == "پشتیبانی"


def test_the_deal_a_rep_moved_is_announced_with_the_persian_stage_name(client, named, contact):
    _, stages = named
    rep = UserFactory(role=Role.SALES, language="fa")
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, owner=rep,
                       created_at=timezone.now() - timedelta(days=1))
    client.force_login(rep)
    client.cookies["django_language"] = "fa"
    response = client.post(reverse("crm:deal_move", args=[deal.pk]),
                           {"stage": stages[1].pk, "version": deal.version}, follow=True)
    assert "پیشنهاد" in response.content.decode()
