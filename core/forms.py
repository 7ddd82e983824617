"""What every form of the product shares: input read as people type it, and a record picker whose page
holds only the chosen record.

Every form is a LocalInputForm or LocalInputModelForm (tests/test_local_input.py walks them all), which
runs `localize_inputs`: numbers are typed in text boxes that take Persian and Arabic-Indic digits and
separators (core/digits.py; a browser's number box silently empties ۱۲۵۰۰, and the form then said "This
field is required"), dates on Persian pages are typed in the Jalali calendar (core/jalali.py), and a
date's year must lie in a sane window in either calendar.

A `<select>` of every contact grows with the business (1,573 options, 92 KB at 3,000 demo deals). The
type-ahead select renders only the option of the value it holds (and the empty one, when nothing is
chosen or the field may be left empty); `static/crm/typeahead.js` turns it into a Tom Select that asks
the JSON endpoint in `data-typeahead-url` for matches as the user types. Without JavaScript the form still
submits the value shown. Use it as the widget of a ModelChoiceField (or django-filter's ModelChoiceFilter):
validation stays the field's, so the submitted id must be in its queryset, which the form narrows to what
the user may choose.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext

from core.digits import number_text
from core.ids import WholeNumberFormField, parse_record_id
from core.jalali import JalaliDateField, JalaliDateTimeField, jalali_twin, persian_active, validate_gregorian_year

NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


class LocalNumberInput(forms.TextInput):
    """A number's text box: any script's digits and the usual separators are read as the number they write.

    A text box, not `type=number`: a browser's number box drops what it cannot parse (Persian digits,
    `12,500`) and submits nothing. `inputmode` still brings up a phone's number pad.
    """

    def __init__(self, attrs: dict[str, Any] | None = None, *, whole: bool = False) -> None:
        super().__init__({"inputmode": "numeric" if whole else "decimal", "dir": "ltr", "autocomplete": "off",
                          **(attrs or {})})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        return number_text(value) if isinstance(value, str) else value


def localize_inputs(form: forms.BaseForm, *, dates: bool = True) -> None:
    """Make each field of `form` read input as a Persian or English user types it (see the module docstring).

    Hidden fields are the page's own (versions) and keep their widgets, and ids (core.ids' fields) are
    machine text in ASCII digits. `dates=False` leaves dates alone: the API's query strings are ISO 8601
    in every language, within the range its filters name.
    """
    persian = persian_active()
    for name, field in list(form.fields.items()):
        if isinstance(field, JalaliDateField | JalaliDateTimeField | WholeNumberFormField):
            continue
        if isinstance(field, forms.DateField | forms.DateTimeField):
            if not dates:
                continue
            if validate_gregorian_year not in field.validators:
                field.validators.append(validate_gregorian_year)
            if persian and not field.widget.is_hidden:
                form.fields[name] = jalali_twin(field)
        elif isinstance(field, NUMBER_FIELDS) and not field.widget.is_hidden:
            kept = {key: value for key, value in field.widget.attrs.items() if key not in {"min", "max", "step"}}
            whole = isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField)
            field.widget = LocalNumberInput(kept, whole=whole)


class LocalInputForm(forms.Form):
    """A form whose inputs are read as people type them (`localize_inputs`)."""

    local_dates = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_inputs(self, dates=self.local_dates)


class ApiQueryForm(LocalInputForm):
    """The form of an API list's filters: numbers in any digits, dates in ISO 8601 whatever the language."""

    local_dates = False


class LocalInputModelForm(forms.ModelForm):
    """A model form whose inputs are read as people type them (`localize_inputs`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_inputs(self)


class TypeaheadSelect(forms.Select):
    """A select of the chosen record only, marked for the type-ahead with the URL of its search endpoint."""

    def __init__(self, url: object, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url = url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update({
            "data-typeahead-url": str(self.url),
            "data-typeahead-placeholder": gettext("Type to search…"),
            "data-typeahead-no-results": gettext("No matches"),
        })
        return context

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> list[Any]:
        chosen = [item for item in value if item not in ("", None)]
        field = getattr(self.choices, "field", None)
        options: list[tuple[object, str]] = []
        if not chosen or (field is not None and not field.required):
            options.append(("", getattr(field, "empty_label", None) or ""))
        if field is not None and chosen:
            options.extend(_chosen_options(field, chosen))
        groups = []
        for index, (option_value, label) in enumerate(options):
            selected = str(option_value) in chosen or (not chosen and option_value == "")
            groups.append((None, [self.create_option(name, option_value, label, selected, index, attrs=attrs)],
                           index))
        return groups


def _chosen_options(field: forms.ModelChoiceField, chosen: Iterable[str]) -> list[tuple[object, str]]:
    """The (value, label) of each chosen record that exists in the field's queryset; an id that names no
    record (tampered, or out of the database's range) is left out, and validation names the error."""
    model = field.queryset.model
    key = field.to_field_name or model._meta.pk.name
    if key == model._meta.pk.name:
        ids: list[object] = [record_id for record_id in map(parse_record_id, chosen) if record_id is not None]
    else:
        ids = list(chosen)
    records = field.queryset.filter(**{f"{key}__in": ids}) if ids else field.queryset.none()
    return [(field.prepare_value(record), field.label_from_instance(record)) for record in records]
