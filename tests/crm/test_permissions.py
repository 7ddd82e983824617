import pytest
from django.contrib.auth.models import AnonymousUser

from crm.models import Role
from crm.permissions import (
    can_create_deal,
    can_edit_customers,
    can_edit_deal,
    can_read_customers,
    can_read_deals,
    can_reassign,
    deals_visible_to,
)
from support.permissions import can_read_tickets
from tests.factories import DealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {role: UserFactory(role=role) for role in Role.values} | {
        "superuser": UserFactory(role=Role.SUPPORT, is_superuser=True)}


def test_sales_edits_only_the_deals_it_owns(users, deal):
    owner = deal.owner
    other_sales = users[Role.SALES]
    assert can_edit_deal(owner, deal)
    assert not can_edit_deal(other_sales, deal)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, "superuser"])
def test_managers_and_admins_edit_every_deal_and_reassign(users, deal, role):
    assert can_edit_deal(users[role], deal)
    assert can_reassign(users[role])


def test_support_reads_customers_but_no_deals(users, deal):
    support = users[Role.SUPPORT]
    assert can_read_customers(support)
    assert not can_edit_customers(support)
    assert not can_read_deals(support)
    assert not can_create_deal(support)
    assert not can_edit_deal(support, deal)
    assert list(deals_visible_to(support)) == []


def test_sales_sees_deals_but_not_ticket_queues_and_cannot_reassign(users, deal):
    sales = users[Role.SALES]
    assert list(deals_visible_to(sales)) == [deal]
    assert can_edit_customers(sales)
    assert not can_read_tickets(sales)
    assert not can_reassign(sales)


def test_anonymous_may_do_nothing(deal):
    anonymous = AnonymousUser()
    assert not can_read_customers(anonymous)
    assert not can_read_deals(anonymous)
    assert not can_edit_deal(anonymous, deal)
    assert list(deals_visible_to(anonymous)) == []


def test_an_unowned_deal_is_edited_by_no_sales_user(users, stages, contact):
    unowned = DealFactory(pipeline_stage=stages[0], contact=contact, owner=None)
    assert not can_edit_deal(users[Role.SALES], unowned)
    assert can_edit_deal(users[Role.MANAGER], unowned)
