"""List filters the pages share."""

from typing import Any

import django_filters
from django.utils.functional import lazy
from django.utils.translation import gettext


def _descending(label: object) -> str:
    return gettext("%(field)s (descending)") % {"field": label}


descending_label = lazy(_descending, str)


class SortFilter(django_filters.OrderingFilter):
    """The "Sort by" list, in the page's language.

    django-filter writes each descending choice as `"%s (descending)" % label` once, when the filter class
    is defined, so a Persian page showed "Created (descending)". Here both labels stay lazy.
    """

    def build_choices(self, fields: dict[str, str], labels: dict[str, Any]) -> list[tuple[str, Any]]:
        ascending = [(param, labels.get(field, param)) for field, param in fields.items()]
        descending = [(f"-{param}", descending_label(label)) for param, label in ascending]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]
