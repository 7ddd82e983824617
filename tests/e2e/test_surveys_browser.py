"""The public survey page in a real browser, as a customer on a phone meets it: from the email's link
to the thanks, in English and in Persian (right to left), and the SERVQUAL form; plus a staff page."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from crm.models import Language, Role, User
from surveys.models import Response, SurveyKind
from surveys.services import invitation_send, response_record, survey_create
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")


@pytest.fixture
def customer_browser(chromium, live_server):
    """customer_browser(language, viewport) → a page with no login; fails the test on any console error."""
    cache.clear()
    contexts, errors = [], []

    def open_page(*, language: str = "en", viewport: dict[str, int] = PHONE, error_status_expected: bool = False):
        context = chromium.new_context(viewport=viewport, locale="fa-IR" if language == "fa" else "en-GB",
                                       reduced_motion="reduce", is_mobile=viewport["width"] < 600,
                                       has_touch=viewport["width"] < 600)
        contexts.append(context)
        page = context.new_page()
        def on_console(message) -> None:
            # An error page's own status is reported as a failed load; only that is forgiven, when expected.
            if message.type == "error" and not (error_status_expected
                                                and message.text.startswith("Failed to load resource")):
                errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], f"console errors: {errors}"


def email_link(live_server, score: int | None = None) -> str:
    """The link of the last email sent, as the customer would tap it, pointed at the test server."""
    body = mail.outbox[-1].body
    links = re.findall(r"https?://\S+/s/[\w-]+/(?:\?score=\d+)?", body)
    link = next(u for u in links if (score is None or u.endswith(f"?score={score}")))
    return re.sub(r"^https?://[^/]+", live_server.url, link)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_customer_answers_from_the_email_link_on_a_phone(customer_browser, live_server):
    survey = survey_create(name="NPS", kind=SurveyKind.NPS)
    invitation_send(survey=survey, contact=ContactFactory(first_name="Sara"))
    page = customer_browser()
    page.goto(email_link(live_server, score=9))
    expect(page.locator("h1")).to_have_text("How likely are you to recommend us to a friend or colleague?")
    expect(page.locator('input[name="score"][value="9"]')).to_be_checked()
    assert Response.objects.count() == 0  # opening the link recorded nothing
    shot(page, "survey-nps-phone-opened")
    # Changing one's mind is one tap on another score.
    page.locator('label.scale-point:has(input[value="10"])').click()
    expect(page.locator('input[name="score"][value="10"]')).to_be_checked()
    page.get_by_label("Anything you would like to add? (optional)").fill("Quick and friendly")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    shot(page, "survey-nps-phone-thanks")
    response = Response.objects.get()
    assert (response.score, response.comment) == (10, "Quick and friendly")
    tap_target = page.evaluate("() => document.querySelector('.scale-point span')?.getBoundingClientRect().height")
    assert tap_target is None or tap_target >= 44  # the form is folded away after thanks


def test_the_scale_buttons_are_big_enough_to_tap_on_a_phone(customer_browser, live_server):
    survey = survey_create(name="NPS", kind=SurveyKind.NPS)
    invitation_send(survey=survey, contact=ContactFactory())
    page = customer_browser()
    page.goto(email_link(live_server))
    sizes = page.evaluate("""() => [...document.querySelectorAll('.scale-point span')]
        .map((el) => { const r = el.getBoundingClientRect(); return [r.width, r.height, r.right]; })""")
    assert len(sizes) == 11
    assert all(height >= 44 and width >= 44 for width, height, _right in sizes), sizes
    assert all(right <= PHONE["width"] for _width, _height, right in sizes)  # nothing runs off the screen


def test_a_persian_customer_gets_a_right_to_left_page(customer_browser, live_server):
    survey = survey_create(name="CSAT", kind=SurveyKind.CSAT)
    invitation_send(survey=survey, contact=ContactFactory(language=Language.PERSIAN))
    page = customer_browser(language="fa")
    page.goto(email_link(live_server))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("h1")).to_have_text(survey.question_fa)
    # In a right-to-left page the scale starts at the right edge.
    first_x, last_x = page.evaluate("""() => { const s = [...document.querySelectorAll('.scale-point span')];
        return [s[0].getBoundingClientRect().x, s[s.length - 1].getBoundingClientRect().x]; }""")
    assert first_x > last_x
    page.locator('label.scale-point:has(input[value="4"])').click()
    page.locator("textarea").fill("پاسخ سریع بود")
    shot(page, "survey-csat-fa-phone-filled")
    page.get_by_role("button", name="ارسال پاسخ من").click()
    expect(page.get_by_role("heading", name="سپاسگزاریم!")).to_be_visible()
    shot(page, "survey-csat-fa-phone-thanks")
    assert (Response.objects.get().score, Response.objects.get().comment) == (4, "پاسخ سریع بود")


def test_a_servqual_form_of_five_pairs(customer_browser, live_server):
    survey = survey_create(name="Service quality", kind=SurveyKind.SERVQUAL)
    invitation_send(survey=survey, contact=ContactFactory())
    page = customer_browser()
    page.goto(email_link(live_server))
    expect(page.locator("fieldset.dimension")).to_have_count(5)
    page.get_by_role("button", name="Send my answer").click()  # nothing chosen: errors, nothing stored
    expect(page.locator(".error").first).to_contain_text("Please choose a value.")
    assert Response.objects.count() == 0
    for index, dimension in enumerate(SERVQUAL_DIMENSIONS):
        page.locator(f'label.scale-point:has(input[name="{dimension}_expectation"][value="7"])').click()
        page.locator(f'label.scale-point:has(input[name="{dimension}_perception"][value="{index + 2}"])').click()
    expect(page.locator(".error:visible")).to_have_count(0)  # each choice clears its own message
    shot(page, "survey-servqual-phone-filled")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    response = Response.objects.get()
    assert [getattr(response, f"{d}_perception") for d in SERVQUAL_DIMENSIONS] == [2, 3, 4, 5, 6]
    assert response.tangibles_expectation == 7


def test_an_unknown_link_is_a_plain_page(customer_browser, live_server):
    page = customer_browser(error_status_expected=True)
    answer = page.goto(live_server.url + "/s/not-a-real-token-at-all/?score=3")
    assert answer.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    assert page.locator("form").count() == 0


def test_staff_see_the_survey_page_with_its_numbers(open_browser):
    survey = survey_create(name="Relationship NPS", kind=SurveyKind.NPS)
    for score in (10, 9, 9, 7, 3):
        invitation = invitation_send(survey=survey, contact=ContactFactory())
        response_record(survey=survey, contact=invitation.contact, score=score, invitation=invitation,
                        comment=f"Said {score}")
    invitation_send(survey=survey, contact=ContactFactory())
    manager = User.objects.create(username="maryam", full_name="Maryam Manager", role=Role.MANAGER)
    session = open_browser(manager)
    session.goto(f"/surveys/{survey.pk}/")
    expect(session.page.locator('[data-stat="response-rate"]')).to_have_text("83 %")
    expect(session.page.locator('tr[data-score="9"] td.num')).to_have_text("2")
    session.screenshot("survey-staff-detail")
    session.goto("/surveys/")
    expect(session.page.get_by_role("link", name="Relationship NPS")).to_be_visible()
    session.screenshot("survey-staff-list")


def test_from_the_email_one_tap_on_a_score_and_one_on_send(customer_browser, live_server, settings):
    settings.SURVEY_PUBLIC_BASE_URL = live_server.url
    survey = survey_create(name="NPS", kind=SurveyKind.NPS)
    invitation_send(survey=survey, contact=ContactFactory(first_name="Reza", language=Language.PERSIAN))
    page = customer_browser(language="fa", viewport={"width": 1280, "height": 800})
    page.set_content(mail.outbox[-1].alternatives[0][0])
    expect(page.locator("a[data-score]")).to_have_count(11)
    shot(page, "survey-email-fa-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # the links wrap
    shot(page, "survey-email-fa-phone")
    page.locator('a[data-score="7"]').click()
    page.wait_for_url(re.compile(r"/s/[\w-]+/\?score=7$"))
    expect(page.locator('input[name="score"][value="7"]')).to_be_checked()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "survey-nps-fa-desktop-opened")
    page.get_by_role("button", name="ارسال پاسخ من").click()
    expect(page.get_by_role("heading", name="سپاسگزاریم!")).to_be_visible()
    assert Response.objects.get().score == 7
