import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.csv import csv_cell, csv_lines


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-1 Beta", "'-1 Beta"),
    ("-5", "-5"),
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
    assert list(csv.reader(io.StringIO(text))) == [["name", "amount"], ["'=cmd", "-5"], ["Acme, Inc.", "10.00"]]
