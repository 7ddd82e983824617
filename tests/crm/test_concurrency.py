"""Two people edit the same record: the second save is refused, and nothing is overwritten."""

from decimal import Decimal

import pytest

from core.concurrency import StaleEditError
from crm.models import Company, Contact, Deal
from crm.services import company_update, contact_update, customer_set_churn, deal_move_stage, deal_update
from support.models import Ticket
from support.services import ticket_update
from tests.factories import CompanyFactory, ContactFactory, DealFactory, StageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_second_editor_of_a_deal_is_refused_and_the_first_edit_stays():
    deal = DealFactory(amount=Decimal("100.00"))
    loaded_by_both = deal.version
    deal_update(deal=deal, amount=Decimal("150.00"), expected_version=loaded_by_both)
    with pytest.raises(StaleEditError) as refused:
        deal_update(deal=deal, title="Renamed", expected_version=loaded_by_both)
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.amount, stored.title) == (Decimal("150.00"), deal.title)
    assert refused.value.current_version == loaded_by_both + 1 == stored.version


def test_a_stage_move_raises_the_version_so_an_edit_from_before_it_is_refused():
    deal = DealFactory()
    loaded = deal.version
    next_stage = StageFactory(pipeline=deal.pipeline, position=deal.stage.position + 1)
    deal_move_stage(deal=deal, stage=next_stage)
    with pytest.raises(StaleEditError):
        deal_update(deal=deal, title="From an old form", expected_version=loaded)


def test_edits_without_a_version_are_not_checked():
    deal = DealFactory()
    deal_update(deal=deal, title="One")
    deal_update(deal=deal, title="Two")
    assert Deal.objects.get(pk=deal.pk).version == 3


def test_contacts_companies_and_tickets_refuse_stale_edits():
    contact, company, ticket = ContactFactory(), CompanyFactory(), TicketFactory()
    contact_update(contact=contact, phone="1", expected_version=1)
    company_update(company=company, name="New name", expected_version=1)
    ticket_update(ticket=ticket, subject="New subject", expected_version=ticket.version)
    with pytest.raises(StaleEditError):
        contact_update(contact=contact, phone="2", expected_version=1)
    with pytest.raises(StaleEditError):
        company_update(company=company, name="Other name", expected_version=1)
    with pytest.raises(StaleEditError):
        customer_set_churn(customer=company, churned_at=None, expected_version=1)
    with pytest.raises(StaleEditError):
        ticket_update(ticket=ticket, subject="Other", expected_version=ticket.version - 1)
    assert Contact.objects.get(pk=contact.pk).phone == "1"
    assert Company.objects.get(pk=company.pk).name == "New name"
    assert Ticket.objects.get(pk=ticket.pk).subject == "New subject"
