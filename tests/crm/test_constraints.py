from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from crm.models import CampaignSpend, Deal, DealStageEntry, DealStatus, Stage
from support.models import MessageAuthor, SlaPolicy, Ticket, TicketMessage, TicketStatus
from surveys.models import Response
from tests.conftest import T0
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


# Deals


def test_negative_deal_amount(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(amount=Decimal("-1"))


def test_won_deal_without_closed_at(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON)


def test_lost_deal_without_closed_at(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(status=DealStatus.LOST)


def test_open_deal_with_closed_at(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(closed_at=T0 + timedelta(days=1))


def test_deal_closed_before_it_was_created(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON, closed_at=T0 - timedelta(days=1))


def test_zero_exchange_rate(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(exchange_rate=Decimal("0"))


def test_deal_created_directly_with_bad_status(stages, contact):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.create(title="raw", pipeline=stages[0].pipeline, stage=stages[0], contact=contact,
                            amount=Decimal("1"), currency="USD", status=DealStatus.WON, created_at=T0)


def test_the_constraints_accept_a_consistent_close(deal):
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON, closed_at=T0 + timedelta(days=1))


def test_stage_probability_above_one(pipeline):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.create(pipeline=pipeline, name="Sure thing", probability=Decimal("1.5"))


def test_stage_probability_below_zero(stages):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.filter(pk=stages[0].pk).update(probability=Decimal("-0.1"))


def test_stage_left_before_it_was_entered(deal):
    with pytest.raises(IntegrityError), transaction.atomic():
        DealStageEntry.objects.filter(deal=deal).update(exited_at=T0 - timedelta(seconds=1))


def test_negative_spend(campaign):
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignSpend.objects.create(campaign=campaign, date=T0.date(), amount=Decimal("-5"))


# Tickets


def test_resolved_ticket_without_resolved_at(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.RESOLVED)


def test_closed_ticket_without_resolved_at(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)


def test_open_ticket_with_resolved_at(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(resolved_at=T0 + timedelta(hours=1))


def test_ticket_resolved_before_it_was_created(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.RESOLVED,
                                                   resolved_at=T0 - timedelta(hours=1))


def test_customer_internal_note(ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketMessage.objects.create(ticket=ticket, at=T0, author=MessageAuthor.CUSTOMER, public=False)


def test_agent_internal_note_is_accepted(ticket):
    TicketMessage.objects.create(ticket=ticket, at=T0, author=MessageAuthor.AGENT, public=False, body="x")


def test_sla_target_of_zero_hours():
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaPolicy.objects.filter(priority="urgent").update(first_response_hours=0)


# Survey responses


def test_survey_score_above_ten(survey, contact):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, contact=contact, answered_at=T0, score=11)


def test_survey_score_of_ten_is_accepted(survey, contact):
    Response.objects.create(survey=survey, contact=contact, answered_at=T0, score=10)


@pytest.mark.parametrize("value", [0, 8])
def test_servqual_answer_out_of_1_to_7(survey, contact, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, contact=contact, answered_at=T0, tangibles_expectation=value)


def test_servqual_perception_out_of_range_by_update(survey, contact):
    response = Response.objects.create(survey=survey, contact=contact, answered_at=T0, empathy_perception=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.filter(pk=response.pk).update(empathy_perception=8)


def test_one_response_per_invitation_in_the_database(survey, contact):
    invitation = InvitationFactory(survey=survey, contact=contact, sent_at=T0)
    Response.objects.create(survey=survey, contact=contact, invitation=invitation, answered_at=T0, score=5)

    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, contact=contact, invitation=invitation, answered_at=T0,
                                score=6)
