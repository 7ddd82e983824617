"""A Persian-speaking manager's day, page by page, in a real browser: every page is Persian, right to
left, set in Vazirmatn, fits the screen (desktop and phone) and logs no console error. Screenshots go
to tests/e2e/screenshots/ to be looked at."""

import re

import pytest

from crm.models import Campaign, Contact, Deal, Pipeline, Role, Stage, Team, User
from support.models import Ticket
from surveys.models import Survey
from tests.e2e.business import build_recent_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Latin words a Persian page may show in its navigation and headings: names of things, not sentences.
ALLOWED_LATIN = {"CRM", "NPS", "CSAT", "CES", "SERVQUAL", "SLA", "CLV", "CAC", "ROI", "CSV", "English"}
PAGE_FACTS = """() => ({
  dir: document.documentElement.dir,
  lang: document.documentElement.lang,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  font: getComputedStyle(document.body).fontFamily,
  fontLoaded: [...document.fonts].some((face) => face.family.replace(/"/g, "").startsWith("Vazirmatn")
                                                 && face.status === "loaded"),
  chrome: [...document.querySelectorAll("nav.nav a, h1, h2, th, label, button")]
            .filter((element) => element.offsetParent !== null).map((element) => element.textContent.trim()),
})"""


@pytest.fixture
def business(transactional_db):
    return build_recent_business()


@pytest.fixture
def manager(transactional_db):
    return User.objects.create(username="maryam", full_name="مریم احمدی", role=Role.MANAGER, is_staff=True,
                               language="fa")


def words(texts: list[str]) -> set[str]:
    return {word for text in texts for word in re.findall(r"[A-Za-z]{3,}", text)}


def data_words() -> set[str]:
    """The business's own names (deals, people, stages, teams, campaigns, surveys, tickets) are its data,
    written in whatever language it was typed in; only the product's own words must be Persian."""
    names = [*Deal.objects.values_list("title", flat=True), *Stage.objects.values_list("name", flat=True),
             *Pipeline.objects.values_list("name", flat=True), *Team.objects.values_list("name", flat=True),
             *User.objects.values_list("full_name", flat=True), *Campaign.objects.values_list("name", flat=True),
             *Survey.objects.values_list("name", flat=True), *Ticket.objects.values_list("subject", flat=True),
             *Contact.objects.values_list("first_name", flat=True)]
    return words(names)


def pages(business) -> list[tuple[str, str]]:
    deal = Deal.objects.order_by("pk").first()
    ticket = Ticket.objects.order_by("pk").first()
    survey = Survey.objects.order_by("pk").first()
    return [
        ("home", "/"),
        ("contacts", "/contacts/"),
        ("contact", f"/contacts/{deal.contact_id}/"),
        ("companies", "/companies/"),
        ("deals", "/deals/"),
        ("board", f"/deals/board/{deal.stage.pipeline_id}/"),
        ("deal", f"/deals/{deal.pk}/"),
        ("deal-edit", f"/deals/{deal.pk}/edit/"),
        ("tasks", "/tasks/"),
        ("tickets", "/tickets/"),
        ("ticket", f"/tickets/{ticket.pk}/"),
        ("surveys", "/surveys/"),
        ("survey", f"/surveys/{survey.pk}/"),
        ("dashboard-sales", "/dashboards/sales/"),
        ("dashboard-marketing", "/dashboards/marketing/"),
        ("dashboard-service", "/dashboards/service/"),
        ("dashboard-me", "/dashboards/me/"),
        ("kpi-win-rate", "/kpis/win_rate/"),
        ("kpi-records", "/kpis/revenue/records/"),
        ("targets", "/kpis/targets/"),
    ]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_a_persian_manager_reads_every_page_in_persian_right_to_left(business, manager, open_browser, width,
                                                                      height):
    session = open_browser(manager, language="fa", width=width, height=height)
    problems = []
    own_names = data_words()
    for name, path in pages(business):
        session.goto(path)
        session.page.evaluate("() => document.fonts.ready")
        facts = session.page.evaluate(PAGE_FACTS)
        session.screenshot(f"fa-{name}-{width}")
        if (facts["dir"], facts["lang"]) != ("rtl", "fa"):
            problems.append(f"{path}: dir={facts['dir']} lang={facts['lang']}")
        if facts["overflow"] > 1:
            problems.append(f"{path}: {facts['overflow']} px wider than the screen")
        if "Vazirmatn" not in facts["font"] or not facts["fontLoaded"]:
            problems.append(f"{path}: typeface {facts['font']} (Vazirmatn loaded: {facts['fontLoaded']})")
        untranslated = words(facts["chrome"]) - own_names - ALLOWED_LATIN
        if untranslated:
            problems.append(f"{path}: English in navigation, headings or labels: {sorted(untranslated)}")
    assert problems == [], "\n".join(problems)
