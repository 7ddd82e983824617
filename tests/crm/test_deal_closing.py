import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Deal, DealStatus, LostReason
from tests.factories import DealFactory, PipelineFactory

pytestmark = pytest.mark.django_db


def forms_of(html):
    return re.findall(r'<form method="post" action="[^"]*/close/".*?</form>', html, re.S)


def test_the_won_button_asks_for_no_lost_reason_and_no_rate_in_the_base_currency(client, deal):
    client.force_login(deal.owner)
    won, lost = forms_of(client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode())
    assert 'name="outcome" value="won"' in won
    assert "lost_reason" not in won
    assert "lost_note" not in won
    assert "exchange_rate" not in won
    assert 'name="outcome" value="lost"' in lost
    assert 'name="lost_reason"' in lost


def test_the_won_button_asks_for_the_rate_of_a_foreign_deal(client, sales_user, stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, currency="EUR")
    client.force_login(sales_user)
    won, lost = forms_of(client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode())
    assert 'name="exchange_rate"' in won
    assert "exchange_rate" not in lost


def test_a_win_with_a_lost_reason_is_refused(client, deal):
    reason = LostReason.objects.create(name="Too expensive")
    client.force_login(deal.owner)
    response = client.post(reverse("crm:deal_close", args=[deal.pk]),
                           {"outcome": "won", "lost_reason": reason.pk, "version": deal.version})
    assert response.status_code == 200
    assert response.context["close_form"].non_field_errors()
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == (DealStatus.OPEN, None)


def test_closing_without_won_or_lost_changes_nothing(client, deal):
    client.force_login(deal.owner)
    response = client.post(reverse("crm:deal_close", args=[deal.pk]), {"version": deal.version})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_a_lost_deal_needs_its_reason_and_the_lost_box_opens_on_the_error(client, deal):
    client.force_login(deal.owner)
    response = client.post(reverse("crm:deal_close", args=[deal.pk]), {"outcome": "lost", "version": deal.version})
    assert "lost_reason" in response.context["close_form"].errors
    assert '<details class="lost-form" open>' in response.content.decode()


def test_the_new_deal_form_starts_in_the_first_stage_with_the_rep_as_owner(client, manager_user):
    PipelineFactory(name="Zeta")
    first = PipelineFactory(name="Alpha").stages.order_by("position").first()
    client.force_login(manager_user)
    form = client.get(reverse("crm:deal_create")).context["form"]
    assert form["pipeline_stage"].value() == first.pk
    assert form["owner"].value() == manager_user.pk
    html = client.get(reverse("crm:deal_create")).content.decode()
    owner = re.search(r'<select name="owner".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)" selected', owner) == [str(manager_user.pk)]


def test_a_rate_given_for_the_base_currency_is_ignored(client, sales_user, stages, contact):
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Base seats", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "100.00",
        "currency": "usd", "exchange_rate": "2", "kind": "new"})
    assert response.status_code == 302
    deal = Deal.objects.get(title="Base seats")
    assert (deal.exchange_rate, deal.amount_base) == (None, Decimal("100.00"))
