"""Query-string filters of the ticket list; it also takes `search` and `ordering`."""

import django_filters as filters

from core.api.filters import IdFilter, TimeFilter
from core.forms import ApiQueryForm
from support.models import Channel, Priority, Ticket, TicketStatus


class TicketFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    assignee = IdFilter(field_name="assignee_id")
    unassigned = filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    contact = IdFilter(field_name="contact_id")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")
    resolved_after = TimeFilter(field_name="resolved_at", lookup_expr="gte")
    resolved_before = TimeFilter(field_name="resolved_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        form = ApiQueryForm
        fields = ["external_id", "status", "priority", "channel", "assignee", "contact"]
