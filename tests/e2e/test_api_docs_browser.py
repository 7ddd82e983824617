"""The interactive API documentation works offline and under the content security policy."""

import pytest

from crm.models import Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_draw_every_operation_with_no_console_error(open_browser):
    session = open_browser(UserFactory(role=Role.ADMIN, username="docs-admin"))
    session.goto("/api/docs/")
    session.page.wait_for_selector(".opblock", timeout=20_000)
    assert session.page.locator(".opblock").count() > 50
    assert "Content-Security-Policy" not in " ".join(session.errors)
    session.screenshot("api-docs")
