"""Survey pages: the public answer page customers reach from their email, and the staff pages.

Thin: each view checks access, reads through the selectors, writes through the services, renders.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.ids import parse_whole_number
from core.permissions import can_read_area
from core.ratelimit import RateLimit
from surveys.forms import SCALE_ENDS, AnswerForm, SendForm, SurveyForm
from surveys.models import DEFAULT_QUESTIONS, SERVQUAL_DIMENSIONS, Response, Survey, SurveyKind
from surveys.selectors import (
    contacts_to_invite,
    invitation_by_token,
    survey_list,
    survey_responses,
    survey_summary,
)
from surveys.services import (
    invitation_answer,
    invitation_expired,
    response_editable,
    survey_create,
    survey_send_to_contacts,
)

RESPONSES_PER_PAGE = 50
SEND_LIMIT = 5000  # contacts one hand-sent batch may reach; narrow the filters for more


# -- public pages -------------------------------------------------------------------------------------


def _rate_limited(request: HttpRequest) -> bool:
    """Count this client's requests to the public pages in the current minute (shared cache)."""
    limit = RateLimit(scope="survey-pages", limit=settings.SURVEY_PUBLIC_RATE_LIMIT, window_seconds=60)
    return not limit.hit(request)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Rate limit a public page and keep its address to itself: no Referer leaves for another site (the
    token is in the address), no cache keeps it, no search engine lists it.

    `same-origin` rather than `no-referrer`: with no-referrer browsers send `Origin: null` on the
    form's POST, which Django's CSRF check rightly refuses.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = _public_error(request, 429) if _rate_limited(request) else view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["Cache-Control"] = "no-store, private"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


ERROR_TEXTS = {
    404: (gettext_lazy("Page not found"),
          gettext_lazy("This survey link is not valid. Please check that the whole link was copied.")),
    410: (gettext_lazy("Link expired"), gettext_lazy("This survey link has expired. Thank you for your time.")),
    429: (gettext_lazy("Too many requests"), gettext_lazy("Please wait a minute and try again.")),
}


def _public_error(request: HttpRequest, status: int) -> HttpResponse:
    """A plain page that says only what went wrong, never which survey or whom a token names."""
    title, text = ERROR_TEXTS[status]
    return render(request, "surveys/public_error.html", {"title": title, "text": text}, status=status)


def _initial_answer(request: HttpRequest, survey: Survey, response: Response | None) -> dict[str, object]:
    """The form's starting point: the stored answer, else the score the email link chose (shown, not saved)."""
    if response is not None:
        initial: dict[str, object] = {"score": response.score, "comment": response.comment}
        for dimension in SERVQUAL_DIMENSIONS:
            for side in ("expectation", "perception"):
                initial[f"{dimension}_{side}"] = getattr(response, f"{dimension}_{side}")
        return initial
    low, high = survey.score_range
    raw = request.GET.get("score", "")
    score = parse_whole_number(raw, max_digits=2)
    if survey.kind != SurveyKind.SERVQUAL and score is not None and low <= score <= high:
        return {"score": score}
    return {}


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The answer page behind an invitation's link. A GET only shows (mail scanners follow links); a POST
    records the answer, or changes it within the edit window; the page speaks the contact's language."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return _public_error(request, 404)
    response = getattr(invitation, "response", None)
    if response is None and invitation_expired(invitation):
        return _public_error(request, 410)
    survey, contact = invitation.survey, invitation.contact
    language = contact.language or settings.LANGUAGE_CODE
    with translation.override(language):
        editable = response is None or response_editable(response)
        if request.method == "POST" and editable:
            form = AnswerForm(request.POST, survey=survey)
            if form.is_valid():
                try:
                    invitation_answer(invitation=invitation, score=form.score(), servqual=form.servqual(),
                                      comment=form.cleaned_data["comment"])
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    return redirect(reverse("survey-answer", args=[token]) + "?saved=1")
        else:
            form = AnswerForm(initial=_initial_answer(request, survey, response), survey=survey)
        low_label, high_label = SCALE_ENDS[survey.kind]
        return render(request, "surveys/answer.html", {
            "survey": survey,
            "question": survey.question_in(language),
            "form": form,
            "is_servqual": survey.kind == SurveyKind.SERVQUAL,
            "response": response,
            "editable": editable,
            "edit_until": response.answered_at + timedelta(hours=settings.SURVEY_EDIT_HOURS)
            if response is not None else None,
            "saved": response is not None and request.GET.get("saved") == "1",
            "refused": request.method == "POST" and not editable,
            "low_label": low_label,
            "high_label": high_label,
        }, status=409 if request.method == "POST" and not editable else 200)


# -- staff pages --------------------------------------------------------------------------------------


def _require_surveys(request: HttpRequest) -> None:
    if not can_read_area(request.user, "surveys"):
        raise PermissionDenied(_("Your role cannot open the survey pages."))


@login_required
def survey_index(request: HttpRequest) -> HttpResponse:
    _require_surveys(request)
    return render(request, "surveys/survey_list.html", {"surveys": survey_list(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    _require_surveys(request)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = survey_create(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Survey “%(name)s” created.") % {"name": survey.name})
            return redirect("surveys:detail", pk=survey.pk)
    defaults = [(kind, label, *DEFAULT_QUESTIONS[kind]) for kind, label in SurveyKind.choices]
    return render(request, "surveys/survey_form.html", {"form": form, "defaults": defaults},
                  status=400 if form.errors else 200)


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_surveys(request)
    survey = get_object_or_404(Survey, pk=pk)
    summary = survey_summary(survey=survey)
    page = Paginator(survey_responses(survey=survey), RESPONSES_PER_PAGE).get_page(request.GET.get("page"))
    peak = max((count for _score, count in summary.distribution), default=0)
    return render(request, "surveys/survey_detail.html", {
        "survey": survey, "summary": summary, "page": page, "peak": peak,
        "is_servqual": survey.kind == SurveyKind.SERVQUAL,
    })


@login_required
@require_http_methods(["GET", "POST"])
def survey_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Filters, then the count of contacts they match, then a confirmed send (POST)."""
    _require_surveys(request)
    survey = get_object_or_404(Survey, pk=pk)
    data = request.POST if request.method == "POST" else (request.GET if "preview" in request.GET else None)
    form = SendForm(data)
    matching = None
    if form.is_bound and form.is_valid():
        contacts = contacts_to_invite(**form.filters())
        matching = contacts.count()
        if request.method == "POST":
            if not survey.active:
                form.add_error(None, _("This survey is not active."))
            elif matching > SEND_LIMIT:
                form.add_error(None, _("More than %(n)d contacts match: narrow the filters.") % {"n": SEND_LIMIT})
            else:
                result = survey_send_to_contacts(survey=survey, contacts=list(contacts))
                messages.success(request, _("Sent to %(sent)d contacts; %(skipped)d skipped (asked recently or "
                                            "not reachable).") % result)
                return redirect("surveys:detail", pk=survey.pk)
    return render(request, "surveys/survey_send.html", {"survey": survey, "form": form, "matching": matching,
                                                        "throttle_days": settings.SURVEY_THROTTLE_DAYS},
                  status=400 if form.errors else 200)
