import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.csv import csv_cell, csv_lines, csv_response


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-1 Beta", "'-1 Beta"),
    ("-", "'-"),
    ("+1 (202) x555", "'+1 (202) x555"),
    ("-5", "-5"),
    ("-12.5", "-12.5"),
    ("+1 202 555 0136", "+1 202 555 0136"),
    ("+98 (21) 8888-1234", "+98 (21) 8888-1234"),
    ("-(21) 8888.1234", "-(21) 8888.1234"),
    ("+3.25", "+3.25"),
    ("-0.5e3", "-0.5e3"),
    ("Acme", "Acme"),
    ("", ""),
])
def test_text_that_would_run_as_a_formula_is_quoted_and_plain_numbers_are_not(value, written):
    assert csv_cell(value) == written


def test_numbers_stay_numbers_and_nothing_is_empty():
    assert (csv_cell(-5), csv_cell(-0.5), csv_cell(Decimal("-12.50")), csv_cell(None)) == (-5, -0.5,
                                                                                          Decimal("-12.50"), "")


def test_times_are_written_in_the_business_time_zone(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    assert csv_cell(datetime(2025, 3, 20, 20, 30, tzinfo=UTC)) == "2025-03-21T00:00:00+03:30"


def test_a_download_is_the_header_then_one_line_per_row():
    text = "".join(csv_lines(["name", "amount"], [["=cmd", -5], ["Acme, Inc.", Decimal("10.00")]]))
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["name", "amount"], ["'=cmd", "-5"], ["Acme, Inc.", "10.00"]]


def test_a_download_is_utf8_with_a_byte_order_mark_so_excel_reads_persian_and_dials_phones():
    response = csv_response("people.csv", ["name", "phone", "note"],
                            [["رضا کریمی", "+1 202 555 0136", "=1+1"], ["Ann", "-12.5", "@x"]], stream=False)
    assert response.content == (
        b"\xef\xbb\xbfname,phone,note\r\n"
        b"\xd8\xb1\xd8\xb6\xd8\xa7 \xda\xa9\xd8\xb1\xdb\x8c\xd9\x85\xdb\x8c,+1 202 555 0136,'=1+1\r\n"
        b"Ann,-12.5,'@x\r\n"
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_a_streamed_download_has_the_byte_order_mark_once():
    response = csv_response("a.csv", ["a"], [["1"], ["2"]])
    assert b"".join(response.streaming_content) == b"\xef\xbb\xbfa\r\n1\r\n2\r\n"
