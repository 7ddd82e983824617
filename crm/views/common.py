"""Helpers the sales pages share: permission checks, pagination, CSV export and safe redirects."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.csv import csv_response

PAGE_SIZE = 50


def require(allowed: bool, message: str | None = None) -> None:
    """Answer 403 unless the permission function said yes."""
    if not allowed:
        raise PermissionDenied(message or _("Your role does not allow this."))


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for page links and the export link."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()


def back_to(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the posted `next` page when it is on this site, else to `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def columns_csv_response(filename: str, columns: list[tuple[str, Callable[[Any], object]]],
                         rows: Iterable[Any]) -> StreamingHttpResponse:
    """Stream rows as CSV through the one writer: a header of column titles, then one line per row."""
    header = [title for title, _getter in columns]
    return csv_response(filename, header, ([getter(row) for _title, getter in columns] for row in rows))


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("export") == "csv"


def tag_names(record: Any) -> str:
    """A record's tags as one cell, "partner, vip", from the list's prefetched tags."""
    return ", ".join(sorted(tag.name for tag in record.tags.all()))
