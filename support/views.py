"""Support pages. Thin: each view checks the role (crm.permissions), reads through support.selectors,
writes through support.services, and renders. Refused pages answer 403; anonymous visitors go to login."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.business_time import business_zone
from core.concurrency import StaleEditError
from core.csv import csv_response
from core.ratelimit import RateLimit
from support import services
from support.attachments import attachment_response
from support.filters import TicketFilter
from support.forms import (
    PublicTicketForm,
    ReplyForm,
    TicketAssignForm,
    TicketCreateForm,
    TicketEditForm,
    TicketStatusForm,
)
from support.models import MessageAuthor, Ticket
from support.permissions import can_assign_tickets_to_others, can_download_attachment, can_work_tickets
from support.selectors import (
    DEFAULT_QUEUE,
    QUEUE_LABELS,
    attachment_for_download,
    queue_counts,
    ticket_for_page,
    ticket_history,
    ticket_queue,
    ticket_sla_targets,
    ticket_thread,
)

TICKETS_PER_PAGE = 25


def _require_ticket_worker(request: HttpRequest) -> None:
    if not can_work_tickets(request.user):
        raise PermissionDenied(_("Tickets are worked by support staff, managers and admins."))


def _filtered_queue(request: HttpRequest, now: datetime) -> tuple[str, TicketFilter]:
    queue = request.GET.get("queue") or DEFAULT_QUEUE
    if queue not in QUEUE_LABELS:
        queue = DEFAULT_QUEUE
    filterset = TicketFilter(request.GET, queryset=ticket_queue(user=request.user, queue=queue, now=now))
    return queue, filterset


def _ordered(filterset: TicketFilter) -> object:
    """The filtered tickets with the ticket number as the last sort key, so pages never overlap."""
    tickets = filterset.qs
    return tickets.order_by(*tickets.query.order_by, "-id")


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """A queue (mine, unassigned, open, breaching SLA, all), filtered, searched, sorted and paginated."""
    _require_ticket_worker(request)
    now = timezone.now()
    queue, filterset = _filtered_queue(request, now)
    page = Paginator(_ordered(filterset), TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(ticket, next(iter(t for t in ticket_sla_targets(ticket=ticket, now=now) if t.done_at is None), None))
            for ticket in page.object_list]
    counts = queue_counts(user=request.user, now=now)
    queues = [(key, label, counts[key]) for key, label in QUEUE_LABELS.items()]
    return render(request, "support/ticket_list.html", {
        "queue": queue, "queue_label": QUEUE_LABELS[queue], "queues": queues, "filter": filterset,
        "page_obj": page, "rows": rows, "nav_current": "tickets", "business_zone": str(business_zone()),
    })


CSV_COLUMNS = ("id", "subject", "status", "priority", "channel", "contact", "contact_email", "assignee",
               "created_at", "first_response_due_at", "first_response_at", "resolution_due_at", "resolved_at")


def _csv_row(ticket: Ticket) -> list[object]:
    contact = ticket.contact
    return [ticket.pk, ticket.subject, ticket.status, ticket.priority, ticket.channel,
            f"{contact.first_name} {contact.last_name}".strip(), contact.email,
            ticket.assignee, ticket.created_at, ticket.first_response_due_at,
            ticket.first_response_at, ticket.resolution_due_at, ticket.resolved_at]


@login_required
@require_GET
def ticket_export(request: HttpRequest) -> StreamingHttpResponse:
    """The list as filtered on the page (every page of it) as CSV, streamed."""
    _require_ticket_worker(request)
    now = timezone.now()
    queue, filterset = _filtered_queue(request, now)
    tickets = _ordered(filterset)

    return csv_response(f"tickets-{queue}-{now:%Y%m%d-%H%M}.csv", CSV_COLUMNS,
                        (_csv_row(ticket) for ticket in tickets.iterator(chunk_size=2000)))


def _version_data(ticket: Ticket) -> dict[str, object]:
    return {"version": ticket.version}


def _detail(request: HttpRequest, ticket: Ticket, *, status: int = 200, **bound_forms: Form) -> HttpResponse:
    """The ticket page; a form that failed comes back bound, with its errors, in place of the blank one
    (answered 200 like any re-rendered form, or 409 when the edit was stale)."""
    user = request.user
    forms = {
        "reply_form": ReplyForm(),
        "status_form": TicketStatusForm(initial={"status": ticket.status, **_version_data(ticket)}, ticket=ticket),
        "assign_form": TicketAssignForm(initial={"assignee": ticket.assignee_id, **_version_data(ticket)},
                                        user=user),
        "edit_form": TicketEditForm(initial={"subject": ticket.subject, "priority": ticket.priority,
                                             "channel": ticket.channel, **_version_data(ticket)}),
    }
    forms.update(bound_forms)
    return render(request, "support/ticket_detail.html", {
        "ticket": ticket, "thread": ticket_thread(ticket=ticket), "history": ticket_history(ticket=ticket),
        "sla_targets": ticket_sla_targets(ticket=ticket), "can_assign_others": can_assign_tickets_to_others(user),
        "assigned_to_me": ticket.assignee_id == user.pk, "nav_current": "tickets",
        "business_zone": str(business_zone()), **forms,
    }, status=status)


def _add_service_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal shown on the form: on the field it names when the form has one, else on top."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


@login_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_ticket_worker(request)
    return _detail(request, ticket_for_page(pk=pk))


@login_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """A public reply (which may be the ticket's first response) or an internal note, with any attachments."""
    _require_ticket_worker(request)
    ticket = ticket_for_page(pk=pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        public = form.cleaned_data["kind"] == ReplyForm.REPLY
        try:
            services.ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body=form.cleaned_data["body"],
                                        public=public, user=request.user,
                                        attachments=form.cleaned_data["attachments"])
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Reply sent.") if public else _("Internal note added."))
            return redirect("support:ticket_detail", pk=ticket.pk)
    return _detail(request, ticket, reply_form=form)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, to those who may read its ticket: always as a download (never shown in the page's
    origin), with the type sniffed when it was stored and `nosniff`."""
    attachment = attachment_for_download(pk=pk)
    if not can_download_attachment(request.user, attachment.message.ticket):
        raise PermissionDenied(_("Tickets are worked by support staff, managers and admins."))
    return attachment_response(attachment)


def _versioned_edit(request: HttpRequest, ticket: Ticket, form: Form, form_name: str, change: object,
                    done: str) -> HttpResponse:
    """Run `change(expected_version)` for a valid form; a stale version or a refused change re-renders the
    page with the error on the form and nothing written."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except StaleEditError as error:
            form.add_error(None, str(error))
            return _detail(request, ticket_for_page(pk=ticket.pk), status=409, **{form_name: form})
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("support:ticket_detail", pk=ticket.pk)
    return _detail(request, ticket, **{form_name: form})


@login_required
@require_POST
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the status; resolving and reopening go through their services (first response and resolution
    times are recorded there, never here)."""
    _require_ticket_worker(request)
    ticket = ticket_for_page(pk=pk)
    form = TicketStatusForm(request.POST, ticket=ticket)
    return _versioned_edit(
        request, ticket, form, "status_form",
        lambda data: services.ticket_change_status(ticket=ticket, status=data["status"],
                                                   expected_version=data["version"]),
        _("Status changed."),
    )


@login_required
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the ticket: to oneself (support), to anyone who works tickets or nobody (managers, admins)."""
    _require_ticket_worker(request)
    ticket = ticket_for_page(pk=pk)
    form = TicketAssignForm(request.POST, user=request.user)
    return _versioned_edit(
        request, ticket, form, "assign_form",
        lambda data: services.ticket_assign(ticket=ticket, assignee=data["assignee"],
                                            expected_version=data["version"]),
        _("Assignee changed."),
    )


@login_required
@require_POST
def ticket_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Subject, priority and channel (the SLA due times stay those fixed when the ticket was opened)."""
    _require_ticket_worker(request)
    ticket = ticket_for_page(pk=pk)
    form = TicketEditForm(request.POST)
    return _versioned_edit(
        request, ticket, form, "edit_form",
        lambda data: services.ticket_update(ticket=ticket, expected_version=data["version"],
                                            subject=data["subject"], priority=data["priority"],
                                            channel=data["channel"]),
        _("Ticket saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Open a ticket for a customer who called or chatted; their contact is found by email or created."""
    _require_ticket_worker(request)
    form = TicketCreateForm(request.POST or None, user=request.user,
                            initial={"email": request.GET.get("email", "")[:254]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_open_for_email(
                email=data["email"], name=data["name"], subject=data["subject"], body=data["body"],
                channel=data["channel"], priority=data["priority"], assignee=data["assignee"])
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Ticket #%(number)s opened.") % {"number": ticket.pk})
            return redirect("support:ticket_detail", pk=ticket.pk)
    return render(request, "support/ticket_new.html", {"form": form, "nav_current": "tickets"})


def _public_form_limit() -> RateLimit:
    return RateLimit(scope="support-form", limit=settings.SUPPORT_FORM_RATE_LIMIT,
                     window_seconds=settings.SUPPORT_FORM_RATE_WINDOW_SECONDS)


@require_http_methods(["GET", "POST"])
def public_ticket_new(request: HttpRequest) -> HttpResponse:
    """The customers' support form: no login, CSRF-protected, a limited number of submissions per client
    address (see core.ratelimit), and a hidden field that only bots fill in."""
    if request.method == "GET":
        return render(request, "support/public_ticket_form.html", {"form": PublicTicketForm()})
    limit = _public_form_limit()
    if not limit.hit(request):
        minutes = max(1, limit.window_seconds // 60)
        response = render(request, "support/public_rate_limited.html",
                          {"limit": limit.limit, "minutes": minutes}, status=429)
        response["Retry-After"] = str(limit.window_seconds)
        return response
    form = PublicTicketForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "support/public_ticket_form.html", {"form": form})
    if not form.is_bot:
        data = form.cleaned_data
        try:
            services.ticket_submit_from_web(email=data["email"], name=data["name"], subject=data["subject"],
                                            body=data["body"], language=translation.get_language() or "en",
                                            attachments=data["attachments"])
        except ValidationError as error:
            _add_service_errors(form, error)
            return render(request, "support/public_ticket_form.html", {"form": form})
    return redirect("support:public_ticket_done")


@require_GET
def public_ticket_done(request: HttpRequest) -> HttpResponse:
    return render(request, "support/public_ticket_done.html")
