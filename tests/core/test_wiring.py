"""What the apps register with core when Django loads them: lose one and a follow-up, an area or a KPI
day silently stops happening."""

import re
from pathlib import Path

from core import dirtying, events
from core.permissions import ADMIN_ROLE, area_roles
from crm.models import Role

ROOT = Path(__file__).resolve().parents[2]


def test_a_superuser_counts_as_crms_admin_role():
    assert ADMIN_ROLE == Role.ADMIN


def test_every_area_the_pages_and_api_name_is_declared_by_its_app():
    assert area_roles() == {
        "sales": {Role.SALES, Role.MANAGER, Role.ADMIN},
        "marketing": {Role.SALES, Role.MANAGER, Role.ADMIN},
        "customers": {Role.SALES, Role.SUPPORT, Role.MANAGER, Role.ADMIN},
        "support": {Role.SUPPORT, Role.MANAGER, Role.ADMIN},
        "surveys": {Role.SUPPORT, Role.MANAGER, Role.ADMIN},
    }


def test_each_event_has_its_listeners_in_order():
    assert events.listeners() == {
        "deal_closed": ["webhooks.events.deal_closed"],
        "ticket_resolved": ["surveys.tasks.schedule_ticket_surveys", "webhooks.events.ticket_resolved"],
        "ticket_reopened": [],
        "ticket_submitted": ["support.apps.SupportConfig.ready.<locals>.<lambda>"],
        "ticket_reply_posted": ["support.apps.SupportConfig.ready.<locals>.<lambda>"],
        "survey_response_recorded": ["surveys.apps.SurveysConfig.ready.<locals>.<lambda>",
                                     "webhooks.events.survey_response_recorded"],
        "contact_email_posted": ["crm.apps.CrmConfig.ready.<locals>.<lambda>"],
        "contact_email_replied": ["crm.apps.CrmConfig.ready.<locals>.<lambda>"],
    }


def test_every_change_the_code_names_has_a_dirty_day_rule():
    named = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        named |= set(re.findall(r"dirtying\.(?:days_of|mark)\(\s*\"(\w+)\"", path.read_text()))
    assert named, "no service names a change"
    assert named <= set(dirtying.changes())
