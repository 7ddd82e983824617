"""Staff pages read ids with the `<id:...>` converter of core.ids: a malformed id in any page's path is a 404
for a logged-in user, never a 500. The pages are found from the URL patterns, so new ones are covered too."""

import re
from urllib.parse import quote

import pytest

from core.ids import MAX_DATABASE_ID
from crm.models import Role
from tests.factories import ContactFactory, UserFactory
from tests.urlpatterns import walk

BAD_IDS = ["²", "³", "۱۲", "١٢", "+5", "-5", " 5", "5 ", "1e3", "5.0", "1" * 30, "0", "00",
           str(MAX_DATABASE_ID + 1), "ext:a/b", "ext:", "ext:5", "abc"]
RAW_IDS = ["%C2%B3", "ext:a%2Fb", "%2B5", "%205", "%DB%B1%DB%B2"]
SAMPLES = {"target": "contacts"}  # the other parameters of a page that takes an id


def _page_routes() -> list[str]:
    return sorted(route for route, _pattern in walk() if "<id:" in route)


PAGES = _page_routes()


def _url(route: str, value: str) -> str:
    def fill(match: re.Match) -> str:
        converter, name = match.groups()
        return value if converter == "id" else SAMPLES.get(name, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def test_the_pages_that_take_an_id_are_found():
    assert len(PAGES) >= 22, PAGES
    assert {"contacts/<id:pk>/", "tickets/<id:pk>/", "surveys/<id:pk>/", "kpis/targets/<id:pk>/delete/",
            "deals/board/<id:pipeline_id>/"} <= set(PAGES)


@pytest.mark.parametrize("route", PAGES)
def test_a_malformed_page_id_is_a_404_when_logged_in(db, client, route):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True))
    for value in [quote(bad, safe="/:") for bad in BAD_IDS] + RAW_IDS:
        for method in ("get", "post"):
            response = getattr(client, method)(_url(route, value))
            assert response.status_code == 404, (method, value, response.status_code)


def test_a_wellformed_page_id_is_read(db, client):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True))
    contact = ContactFactory()
    assert client.get(_url("contacts/<id:pk>/", str(contact.pk))).status_code == 200
    assert client.get(_url("contacts/<id:pk>/", str(MAX_DATABASE_ID))).status_code == 404


def test_page_filters_and_links_with_odd_digits_answer_without_a_500(db, client):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True))
    for value in ("²", "۱۲", "1" * 30):
        assert client.get("/contacts/", {"company": value}).status_code == 200
        assert client.get("/tickets/", {"q": f"#{value}"}).status_code == 200
        assert client.get("/deals/new/", {"contact": value}).status_code == 200
