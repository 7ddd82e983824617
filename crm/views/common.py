"""Helpers the sales pages share: permission checks, pagination, CSV export and safe redirects."""

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

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


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if value is None:
        return ""
    text = str(value)
    # A cell starting with a formula character would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, columns: list[tuple[str, Callable[[Any], object]]],
                 rows: Iterable[Any]) -> StreamingHttpResponse:
    """Stream rows as CSV: a header of column titles, then one line per row."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow([title for title, _getter in columns])
        for row in rows:
            yield writer.writerow([_cell(getter(row)) for _title, getter in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("export") == "csv"
