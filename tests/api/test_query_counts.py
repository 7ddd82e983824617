"""Every list answers in a fixed number of queries, however many rows the page holds."""

import pytest

from crm.models import ActivityKind
from crm.services import activity_create, campaign_add_spend
from surveys.services import response_record
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    DealFactory,
    InvitationFactory,
    PipelineFactory,
    SurveyFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)

LISTS = ["/api/companies/", "/api/contacts/", "/api/users/", "/api/teams/", "/api/deals/", "/api/pipelines/",
         "/api/stages/", "/api/activities/", "/api/campaigns/", "/api/tickets/", "/api/surveys/",
         "/api/invitations/", "/api/responses/"]
# Token lookup (with its user), count, page; a pipeline's stages are one prefetch more.
MAX_QUERIES = 4


def add_rows(count: int) -> None:
    for _ in range(count):
        deal = DealFactory(pipeline_stage=PipelineFactory().stages.first(), company=CompanyFactory(),
                           owner=UserFactory(team=TeamFactory()))
        activity_create(kind=ActivityKind.TASK, subject="Follow up", owner=deal.owner, deal=deal)
        campaign = CampaignFactory()
        campaign_add_spend(campaign=campaign, spent_on=deal.created_at.date(), amount=10)
        TicketFactory(contact=deal.contact, assignee=deal.owner)
        survey = SurveyFactory()
        invitation = InvitationFactory(survey=survey, contact=deal.contact)
        response_record(survey=survey, contact=deal.contact, score=8, invitation=invitation)


@pytest.mark.parametrize("path", LISTS)
def test_list_queries_do_not_grow_with_rows(clients, django_assert_max_num_queries, path):
    client = clients["admin"]
    add_rows(2)
    with django_assert_max_num_queries(MAX_QUERIES):
        small = client.get(path)
    add_rows(8)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = client.get(path)
    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"]


def test_board_queries_do_not_grow_with_deals(clients, django_assert_max_num_queries, stages):
    for _ in range(5):
        DealFactory(pipeline_stage=stages[1])
    with django_assert_max_num_queries(5):
        response = clients["admin"].get(f"/api/deals/board/?pipeline={stages[0].pipeline_id}")
    assert response.json()[1]["count"] == 5
