"""Template context shared by every staff page."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from core.jalali import persian_active, uses_persian_digits
from core.permissions import can_read_area, role_of
from crm.permissions import can_manage_email_templates, can_read_deals
from crm.selectors import due_task_count


def navigation(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's role and the areas it opens, so the base template shows the menu that role may use."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "crm_role": role_of(user) if signed_in else None,
        "nav_deals": signed_in and can_read_deals(user),
        "nav_tickets": signed_in and can_read_area(user, "support"),
        "nav_email_templates": signed_in and can_manage_email_templates(user),
        # The on-page reminder: the user's tasks that are due, a badge on the Tasks link.
        "nav_due_tasks": due_task_count(user=user, now=timezone.now()) if signed_in else 0,
    }


def number_display(request: HttpRequest) -> dict[str, object]:
    """How the page writes digits, for <html data-digits> and <html data-number-locale>.

    `number_digits` picks the typeface (static/css/fonts.css): "persian" draws the page's Latin digits as
    Persian ones, "latin" (English pages, or Persian ones with CRM_LATIN_DIGITS) leaves them Latin.
    `number_locale` is the locale the charts give Intl, asking for Latin digits where the page keeps them.
    """
    language = get_language() or "en"
    persian_digits = uses_persian_digits()
    return {
        "number_digits": "persian" if persian_digits else "latin",
        "number_locale": f"{language}-u-nu-latn" if persian_active() and not persian_digits else language,
    }
