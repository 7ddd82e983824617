from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from core.forms import LocalInputForm
from core.jalali import (
    JalaliDateField,
    JalaliDateTimeField,
    parse_jalali_date,
    parse_jalali_datetime,
)
from crm.forms import ActivityForm, ChurnForm
from crm.models import Activity, ActivityKind, Role
from kpis.forms import RangeForm, TargetForm
from kpis.models import Target
from tests.factories import UserFactory

PICKER_SCRIPT = "crm/jalali-picker.js"


def persian_client(client, role=Role.SALES, **extra):
    """A signed-in member of staff whose pages are in Persian (their saved language, and the browser's)."""
    client.force_login(UserFactory(role=role, language="fa", **extra))
    client.cookies["django_language"] = "fa"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fa"
    return client


def message_for(text: str) -> str:
    """What a Persian page says about an impossible date (the same words the field error shows)."""
    with translation.override("fa"):
        try:
            parse_jalali_datetime(text)
        except ValueError as refused:
            return str(refused)
    raise AssertionError(f"{text} was read as a date")


class Moment(forms.Form):
    at = JalaliDateTimeField()


class Appointment(LocalInputForm):
    on = forms.DateField(label="On", required=False, help_text="The day.", initial=date(2025, 3, 20))
    at = forms.DateTimeField(label="At", disabled=True)
    note = forms.CharField(required=False)


# --- the fields ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1404/12/29 14:30", datetime(2026, 3, 20, 14, 30, tzinfo=UTC)),  # last day of the common year 1404
    ("۱۴۰۳/۱۲/۳۰ ۰۹:۱۵", datetime(2025, 3, 20, 9, 15, tzinfo=UTC)),  # leap Esfand 30, Persian digits
    ("١٤٠٤/٠٩/٠٢ ١٤:٣٠", datetime(2025, 11, 23, 14, 30, tzinfo=UTC)),  # Arabic-Indic digits
    ("1404/9/2 8:05:30", datetime(2025, 11, 23, 8, 5, 30, tzinfo=UTC)),
    ("1404-01-01", datetime(2025, 3, 21, 0, 0, tzinfo=UTC)),  # no time: the day's midnight
])
def test_persian_churn_form_reads_jalali_date_and_time_as_the_utc_instant(text, expected):
    with translation.override("fa"):
        form = ChurnForm(data={"churned_at": text, "reason": "price"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["churned_at"] == expected


@pytest.mark.parametrize(("text", "message"), [
    ("1404/12/30 10:00", "Esfand 1404 has 29 days: there is no day 30."),
    ("1404/13/01 10:00", "There is no month 13: Jalali months run from 1 (Farvardin) to 12 (Esfand)."),
    ("1404/07/31", "Mehr 1404 has 30 days: there is no day 31."),
    ("1404/01/01 24:00", "There is no hour 24: hours run from 0 to 23."),
    ("1404/01/01 10:60", "There is no minute 60: minutes run from 0 to 59."),
    ("1404/01/01 10", "Enter the time as HH:MM, such as 14:30."),
    ("tomorrow 10:00", "Enter a Jalali date and time as YYYY/MM/DD HH:MM, such as 1403/12/30 14:30."),
    ("2025-03-04T10:60", "There is no minute 60: minutes run from 0 to 59."),
    ("2025-02-30 10:00", "2025 is a Gregorian year, and it has no date 2/30."),
    ("2648/02/24 10:00", "There is no year 2648 here: type a Jalali year from 1300 to 1500 "
                         "(or a Gregorian one from 1900 to 2100)."),
])
def test_impossible_jalali_moments_are_field_errors_naming_the_part(text, message):
    form = Moment(data={"at": text})
    assert not form.is_valid()
    assert form.errors["at"] == [message]


def test_the_wall_time_is_read_in_the_current_time_zone_like_the_english_field(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    with timezone.override(ZoneInfo("Asia/Tehran")):  # UTC+03:30
        with translation.override("fa"):
            persian = ChurnForm(data={"churned_at": "1404/09/02 14:30", "reason": "x"})
            assert persian.is_valid(), persian.errors
        english = ChurnForm(data={"churned_at": "2025-11-23T14:30", "reason": "x"})
        assert english.is_valid(), english.errors
    assert persian.cleaned_data["churned_at"] == english.cleaned_data["churned_at"] == datetime(
        2025, 11, 23, 11, 0, tzinfo=UTC)


def test_swapped_fields_keep_label_required_help_text_initial_and_disabled():
    with translation.override("fa"):
        form = Appointment()
    on, at, note = form.fields["on"], form.fields["at"], form.fields["note"]
    assert isinstance(on, JalaliDateField)
    assert isinstance(at, JalaliDateTimeField)
    assert (on.label, on.required, on.help_text, on.initial) == ("On", False, "The day.", date(2025, 3, 20))
    assert (at.label, at.required, at.disabled) == ("At", True, True)
    assert isinstance(note, forms.CharField)
    assert list(form.fields) == ["on", "at", "note"]


def test_persian_staff_forms_use_the_jalali_fields_with_their_own_labels():
    with translation.override("fa"):
        due_at = ActivityForm().fields["due_at"]
        period_start = TargetForm().fields["period_start"]
        range_form = RangeForm()
    assert isinstance(due_at, JalaliDateTimeField)
    assert (str(due_at.label), due_at.required, str(due_at.help_text)) == ("Due at", False, "Tasks only.")
    assert isinstance(period_start, JalaliDateField)
    assert period_start.required
    assert isinstance(range_form.fields["start"], JalaliDateField)
    assert isinstance(range_form.fields["end"], JalaliDateField)
    assert "calendar" in range_form.fields


def test_widgets_show_the_value_in_jalali_with_the_picker_attributes(settings):
    with translation.override("fa"):
        churn = str(ChurnForm(initial={"churned_at": datetime(2025, 3, 20, 14, 30, tzinfo=UTC)})["churned_at"])
        target = str(TargetForm(initial={"period_start": date(2026, 1, 1)})["period_start"])
        settings.CRM_LATIN_DIGITS = True
        latin = str(ChurnForm()["churned_at"])
    # Latin digits in the value, as everywhere in the HTML: the Persian font draws them as Persian ones.
    assert 'value="1403/12/30 14:30"' in churn
    assert "data-jdp " in churn
    assert 'data-jdp-digits="fa"' in churn
    assert "data-jdp-only-date" not in churn
    assert 'value="1404/10/11"' in target
    assert "data-jdp-only-date" in target
    assert 'data-jdp-digits="latin"' in latin


def test_the_date_time_widget_shows_the_moment_in_the_current_time_zone():
    with translation.override("fa"), timezone.override(ZoneInfo("Asia/Tehran")):
        churn = str(ChurnForm(initial={"churned_at": datetime(2025, 11, 23, 11, 0, tzinfo=UTC)})["churned_at"])
    assert 'value="1404/09/02 14:30"' in churn


def test_a_bound_form_shows_back_what_was_typed():
    with translation.override("fa"):
        form = ChurnForm(data={"churned_at": "1404/12/30 10:00", "reason": "x"})
        assert 'value="1404/12/30 10:00"' in str(form["churned_at"])


def test_english_forms_keep_the_native_date_inputs():
    with translation.override("en"):
        churn, activity, target, range_form = ChurnForm(), ActivityForm(), TargetForm(), RangeForm()
        english = ChurnForm(data={"churned_at": "2025-03-04T10:00", "reason": "x"})
        assert english.is_valid(), english.errors
    assert type(churn.fields["churned_at"]) is forms.DateTimeField
    assert 'type="datetime-local"' in str(churn["churned_at"])
    assert 'type="datetime-local"' in str(activity["due_at"])
    assert 'type="date"' in str(target["period_start"])
    assert 'type="date"' in str(range_form["start"])
    assert "calendar" not in range_form.fields
    assert "data-jdp" not in str(churn["churned_at"]) + str(target["period_start"])
    assert english.cleaned_data["churned_at"] == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_parse_jalali_datetime_matches_jalali_dates_at_midnight():
    assert parse_jalali_datetime("1403/12/30").date() == parse_jalali_date("1403/12/30") == date(2025, 3, 20)


# --- through the pages --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_persian_staff_mark_a_company_churned_with_a_jalali_date(client, company):
    persian_client(client)
    response = client.post(reverse("crm:company_churn", args=[company.pk]), {
        "churned_at": "۱۴۰۴/۱۲/۲۹ ۱۴:۳۰", "reason": "Went to a competitor", "version": company.version})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.churned_at == datetime(2026, 3, 20, 14, 30, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1404/12/30 10:00", "1404/13/01 10:00"])
def test_an_impossible_churn_date_is_a_field_error_and_nothing_is_saved(client, company, typed):
    persian_client(client)
    response = client.post(reverse("crm:company_churn", args=[company.pk]), {
        "churned_at": typed, "reason": "price", "version": company.version})
    assert response.status_code == 200
    assert response.context["churn_form"].errors["churned_at"] == [message_for(typed)]
    assert message_for(typed) in response.content.decode()
    company.refresh_from_db()
    assert company.churned_at is None


@pytest.mark.django_db
def test_persian_staff_give_a_task_a_jalali_due_date(client, contact):
    persian_client(client)
    response = client.post(reverse("crm:activity_log", args=["contact", contact.pk]),
                           {"kind": "task", "subject": "Call back", "due_at": "1403/12/30 09:00"})
    assert response.status_code == 302
    task = Activity.objects.get()
    assert (task.kind, task.due_at) == (ActivityKind.TASK, datetime(2025, 3, 20, 9, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_a_due_date_in_month_13_is_a_field_error_and_no_task_is_logged(client, contact):
    persian_client(client)
    response = client.post(reverse("crm:activity_log", args=["contact", contact.pk]),
                           {"kind": "task", "subject": "Call back", "due_at": "1404/13/01 09:00"})
    assert response.status_code == 200
    assert response.context["activity_form"].errors["due_at"] == [message_for("1404/13/01 09:00")]
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_persian_managers_set_a_target_from_a_jalali_date(client):
    persian_client(client, role=Role.MANAGER, is_staff=True)
    response = client.post(reverse("kpi-targets"), {"kpi_key": "revenue", "period_kind": "month",
                                                    "period_start": "۱۴۰۴/۱۰/۱۱", "value": "1000"})
    assert response.status_code == 302
    assert Target.objects.get().period_start == date(2026, 1, 1)  # 11 Dey 1404


@pytest.mark.django_db
def test_an_impossible_target_start_is_a_field_error_and_no_target_is_saved(client):
    persian_client(client, role=Role.MANAGER, is_staff=True)
    response = client.post(reverse("kpi-targets"), {"kpi_key": "revenue", "period_kind": "month",
                                                    "period_start": "1404/12/30", "value": "1000"})
    assert response.status_code == 200
    assert response.context["form"].errors["period_start"] == [message_for("1404/12/30")]
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_persian_pages_load_the_picker_and_english_pages_do_not(client, company):
    persian_client(client)
    persian = client.get(reverse("crm:company_detail", args=[company.pk])).content.decode()
    assert "vendor/jalalidatepicker/jalalidatepicker.min.js" in persian
    assert "vendor/jalalidatepicker/jalalidatepicker.min.css" in persian
    assert PICKER_SCRIPT in persian
    assert 'name="churned_at"' in persian
    assert "data-jdp" in persian
    assert "datetime-local" not in persian

    client.force_login(UserFactory(role=Role.SALES, language="en"))
    client.cookies["django_language"] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = client.get(reverse("crm:company_detail", args=[company.pk])).content.decode()
    assert "jalalidatepicker" not in english
    assert PICKER_SCRIPT not in english
    assert 'type="datetime-local"' in english
    assert "data-jdp" not in english
