"""The language switch in the page header."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from crm.services import user_set_language
from crm.views.common import back_to


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Save the chosen language for a signed-in user (so it follows them to every device) and in the
    language cookie (so the login page and public pages use it too), then go back to the page."""
    language = request.POST.get("language", "")
    response = back_to(request, "/")
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
                        samesite="Lax", secure=request.is_secure(), httponly=True)
    return response
