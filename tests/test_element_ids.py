"""Every element id on a record page is unique. Pages carry several forms (log an activity, email the contact,
churn, close a deal, reply, status, assignee); two fields with the same id break their labels: a click or a
screen reader reaches the other form's field, hidden in a closed panel."""

import re
from collections import Counter

import pytest

from crm.models import Role
from tests.factories import CompanyFactory, ContactFactory, DealFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

ELEMENT_ID = re.compile(r'\sid="([^"]+)"')


@pytest.mark.parametrize("role", [Role.SALES, Role.MANAGER, Role.SUPPORT])
def test_record_pages_have_unique_element_ids(client, role):
    company = CompanyFactory()
    contact = ContactFactory(company=company, email="ann@example.com")
    deal = DealFactory(contact=contact, company=company)
    ticket = TicketFactory(contact=contact)
    client.force_login(UserFactory(role=role))
    pages = [f"/contacts/{contact.pk}/", f"/companies/{company.pk}/", f"/deals/{deal.pk}/",
             f"/tickets/{ticket.pk}/"]

    for page in pages:
        response = client.get(page)
        if response.status_code == 403:  # a page this role may not read
            continue
        assert response.status_code == 200, page
        repeated = [name for name, count in Counter(ELEMENT_ID.findall(response.content.decode())).items()
                    if count > 1]
        assert repeated == [], f"{page} as {role}: {repeated}"
