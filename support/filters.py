"""The ticket list's filters, search and sort order (django-filter), applied within a queue."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import SortFilter
from core.forms import LocalInputForm
from core.ids import parse_record_id
from core.search_text import search_words
from support.models import Channel, Priority, Ticket, TicketStatus
from support.selectors import ticket_matches


class TicketFilter(django_filters.FilterSet):
    """Filters of the queue pages and their CSV export. A value the form refuses is left out (the page
    says so next to the field) rather than emptying the list."""

    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=200)
    priority = django_filters.ChoiceFilter(choices=Priority.choices, empty_label=_("Any priority"),
                                           label=_("Priority"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label=_("Any channel"), label=_("Channel"))
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices, empty_label=_("Any status"),
                                         label=_("Status"))
    sort = SortFilter(
        fields=(
            ("created_at", "created"),
            ("priority_rank", "priority"),
            ("first_response_due_at", "first_response_due"),
            ("resolution_due_at", "resolution_due"),
            ("updated_at", "updated"),
            ("subject", "subject"),
        ),
        field_labels={
            "created_at": _("Created"),
            "priority_rank": _("Priority"),
            "first_response_due_at": _("First response due"),
            "resolution_due_at": _("Resolution due"),
            "updated_at": _("Last change"),
            "subject": _("Subject"),
        },
        label=_("Sort by"),
        empty_label=_("Newest first"),
    )

    class Meta:
        model = Ticket
        form = LocalInputForm
        fields = ["q", "priority", "channel", "status"]

    def search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        """Subject, the contact's name or email, or a ticket number (with or without #)."""
        words = search_words(value)
        if not words:
            return queryset
        condition = ticket_matches(words)
        number = parse_record_id(value.strip().removeprefix("#"))
        if number is not None:
            condition |= Q(pk=number)
        return queryset.filter(condition)
