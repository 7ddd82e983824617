"""Form fields every app uses: a record picker whose page holds only the chosen record.

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

from core.ids import parse_record_id


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
