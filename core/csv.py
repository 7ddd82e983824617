"""The one CSV writer of every download (lists, queues, charts, KPI records).

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula when the
file is opened in a spreadsheet, so such text is written behind an apostrophe (OWASP's advice).
Numbers stay numbers: an int, float or Decimal, and text that is a plain number such as `-5` or
`+3.25`, are written as they are, since a spreadsheet reads them as the number and runs nothing. A phone
number such as `+1 202 555 0136` or `-(21) 8888.1234` (digits, spaces, `+ - ( ) .` only) is no formula
either and is written as typed, so people can dial it from the sheet.
Times are written in the business's time zone, ISO 8601 to the second; a record (an owner, a company) is
written as its name (`str`, a user's full name). The file starts with a UTF-8 byte order mark, which Excel
needs to read Persian and other non-Latin text as UTF-8 rather than the system's code page.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
PHONE_NUMBER = re.compile(r"[+-]?[\d ().-]*\d[\d ().-]*")
BYTE_ORDER_MARK = "\ufeff"


def csv_cell(value: object) -> object:
    """A value as one CSV cell: safe to open in a spreadsheet, with numbers kept numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(settings.CRM_TIME_ZONE)).isoformat(timespec="seconds")
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not (PLAIN_NUMBER.fullmatch(text) or PHONE_NUMBER.fullmatch(text)):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The byte order mark and the header, then one line per row, each cell through `csv_cell`."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([csv_cell(title) for title in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]], *,
                 stream: bool = True) -> HttpResponse | StreamingHttpResponse:
    """A CSV download. Record lists stream row by row, so a million-row export never sits in memory; a
    chart's few rows (`stream=False`) are sent whole, with their length."""
    lines = csv_lines(header, rows)
    content_type = "text/csv; charset=utf-8"
    response = (StreamingHttpResponse(lines, content_type=content_type) if stream
                else HttpResponse("".join(lines), content_type=content_type))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
