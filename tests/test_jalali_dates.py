from datetime import UTC, date, datetime

import jdatetime
import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.jalali import JalaliDateField, parse_jalali_date


class RangeInJalali(forms.Form):
    start = JalaliDateField()


@pytest.mark.parametrize(("text", "expected"), [
    ("۱۴۰۳/۱۲/۳۰", date(2025, 3, 20)),  # Esfand 30 exists in the leap year 1403
    ("1403-12-30", date(2025, 3, 20)),
    ("١٤٠٤/٠١/٠١", date(2025, 3, 21)),  # Arabic-Indic digits, as some keyboards type them
    (" 1399/12/30 ", date(2021, 3, 20)),
    ("1404/1/1", date(2025, 3, 21)),
])
def test_field_reads_jalali_dates_in_persian_or_latin_digits(text, expected):
    form = RangeInJalali(data={"start": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == expected


@pytest.mark.parametrize(("text", "message"), [
    ("1404/12/30", "Esfand 1404 has 29 days: there is no day 30."),
    ("۱۴۰۴/۱۲/۳۰", "Esfand 1404 has 29 days: there is no day 30."),
    ("1404/13/01", "There is no month 13: Jalali months run from 1 (Farvardin) to 12 (Esfand)."),
    ("1404/01/32", "Farvardin 1404 has 31 days: there is no day 32."),
    ("1404/07/31", "Mehr 1404 has 30 days: there is no day 31."),
    ("1404/00/10", "There is no month 0: Jalali months run from 1 (Farvardin) to 12 (Esfand)."),
    ("0000/01/01", "There is no year 0 here: type a Jalali year from 1300 to 1500 "
                   "(or a Gregorian one from 1900 to 2100)."),
        ("1299/12/29", "There is no year 1299 here: type a Jalali year from 1300 to 1500 "
                   "(or a Gregorian one from 1900 to 2100)."),
    ("yesterday", "Enter a Jalali date as YYYY/MM/DD, such as 1403/12/30."),
    ("1404.01.01", "Enter a Jalali date as YYYY/MM/DD, such as 1403/12/30."),
])
def test_field_refuses_dates_that_do_not_exist_and_says_why(text, message):
    form = RangeInJalali(data={"start": text})
    assert not form.is_valid()
    assert form.errors["start"] == [message]


def test_every_day_of_several_jalali_years_reads_as_the_librarys_gregorian_date():
    for year in range(1399, 1406):
        for month in range(1, 13):
            length = 30 if month == 12 and jdatetime.date(year, 1, 1).isleap() else jdatetime.j_days_in_month[month - 1]
            for day in range(1, length + 1):
                assert parse_jalali_date(f"{year}/{month}/{day}") == jdatetime.date(year, month, day).togregorian()
            with pytest.raises(ValueError, match="there is no day"):
                parse_jalali_date(f"{year}/{month}/{length + 1}")


def test_field_widget_shows_its_date_in_jalali():
    form = RangeInJalali(initial={"start": date(2025, 3, 20)})
    assert 'value="1403/12/30"' in str(form["start"])


def render(text: str, **context: object) -> str:
    return Template("{% load jalali %}" + text).render(Context(context))


def test_jdate_filter_writes_persian_digits_and_month_names_on_persian_pages(settings):
    settings.CRM_LATIN_DIGITS = False
    day = date(2025, 3, 21)
    assert render("{{ d|jdate }}", d=day) == "1404/01/01"
    assert render('{{ d|jdate:"%d %B %Y" }}', d=day) == "01 Farvardin 1404"
    with translation.override("fa"):
        assert render("{{ d|jdate }}", d=day) == "۱۴۰۴/۰۱/۰۱"
        assert render('{{ d|jdate:"%d %B %Y" }}', d=day) == "۰۱ فروردین ۱۴۰۴"
        assert render("{{ n|jdigits }}", n=1250) == "۱۲۵۰"


def test_latin_digits_setting_keeps_latin_digits_on_persian_pages(settings):
    settings.CRM_LATIN_DIGITS = True
    with translation.override("fa"):
        assert render("{{ d|jdate }}", d=date(2025, 3, 21)) == "1404/01/01"


def test_jdate_shows_a_datetime_on_its_local_day(settings):
    settings.TIME_ZONE = "Asia/Tehran"
    with translation.override("en"):
        # 21:00 UTC on 20 March is already 21 March (1 Farvardin) in Tehran.
        assert render("{{ t|jdate }}", t=datetime(2025, 3, 20, 21, 0, tzinfo=UTC)) == "1404/01/01"
        assert render("{{ t|jdate }}", t=None) == ""
