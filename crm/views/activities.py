"""Logging calls, emails, meetings, notes and tasks on a record, and the signed-in user's task list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm import selectors, services
from crm.forms import ActivityForm, CompanyEmailForm, ContactEmailForm, TaskForm, add_service_error
from crm.models import Activity, ActivityKind, Company, Contact, Deal
from crm.permissions import can_edit_customers, can_edit_deal, can_email_contacts, can_reassign
from crm.views.common import back_to, paginate, require
from crm.views.customers import _customer_page
from crm.views.deals import _deal_page, _get_deal

TARGETS = {"contact": Contact, "company": Company, "deal": Deal}


@login_required
@require_POST
def activity_log(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    """Add an activity to a contact's, company's or deal's timeline; a bad form re-renders that page."""
    if target not in TARGETS:
        raise Http404
    if target == "deal":
        record: Contact | Company | Deal = _get_deal(pk)
        require(can_edit_deal(request.user, record))
    else:
        record = get_object_or_404(TARGETS[target], pk=pk)
        require(can_edit_customers(request.user))
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_create(owner=request.user, **{target: record}, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            kind = ActivityKind(form.cleaned_data["kind"]).label
            messages.success(request, _("%(kind)s logged: %(subject)s")
                             % {"kind": kind, "subject": form.cleaned_data["subject"]})
            return redirect(f"crm:{target}_detail", pk=pk)
    if target == "deal":
        return _deal_page(request, record, activity_form=form)
    return _customer_page(request, record, activity_form=form)


@login_required
@require_POST
def contact_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the contact an email written on its page; it goes on the timeline and out after commit."""
    require(can_email_contacts(request.user))
    contact = get_object_or_404(Contact.objects.select_related("company", "owner", "source_campaign"), pk=pk)
    form = ContactEmailForm(request.POST, contact=contact, rep=request.user)
    if form.is_valid():
        try:
            services.contact_email_send(contact=contact, owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Email to %(email)s queued: %(subject)s")
                             % {"email": contact.email, "subject": form.cleaned_data["subject"]})
            return redirect("crm:contact_detail", pk=pk)
    return _customer_page(request, contact, email_form=form)


@login_required
@require_POST
def deal_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the deal's contact from the deal's page; the email and the answer show on the deal and the contact."""
    require(can_email_contacts(request.user))
    deal = _get_deal(pk)
    form = ContactEmailForm(request.POST, contact=deal.contact, rep=request.user)
    if form.is_valid():
        try:
            services.contact_email_send(contact=deal.contact, owner=request.user, deal=deal, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Email to %(email)s queued: %(subject)s")
                             % {"email": deal.contact.email, "subject": form.cleaned_data["subject"]})
            return redirect("crm:deal_detail", pk=pk)
    return _deal_page(request, deal, email_form=form)


@login_required
@require_POST
def company_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Email one of the company's contacts from its page; the email and the answer show on both pages."""
    require(can_email_contacts(request.user))
    company = get_object_or_404(Company.objects.select_related("owner"), pk=pk)
    form = CompanyEmailForm(request.POST, company=company, rep=request.user)
    if form.is_valid():
        contact = form.cleaned_data.pop("contact")
        try:
            services.contact_email_send(contact=contact, owner=request.user, company=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Email to %(email)s queued: %(subject)s")
                             % {"email": contact.email, "subject": form.cleaned_data["subject"]})
            return redirect("crm:company_detail", pk=pk)
    return _customer_page(request, company, email_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def task_list(request: HttpRequest) -> HttpResponse:
    """My tasks: open ones by due date, or (?done=1) the ones ticked off; a POST adds one in a single step."""
    form = TaskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_create(kind=ActivityKind.TASK, owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Task added: %(subject)s") % {"subject": form.cleaned_data["subject"]})
            return redirect("crm:task_list")
    show_done = request.GET.get("done") == "1"
    tasks = selectors.my_tasks(user=request.user, done=show_done)
    return render(request, "crm/task_list.html", {"page_obj": paginate(request, tasks), "show_done": show_done,
                                                   "task_form": form, "nav_current": "tasks"},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def task_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick a task done or back to open; only its owner (or a manager or admin) may."""
    task = get_object_or_404(Activity, pk=pk, kind=ActivityKind.TASK)
    require(task.owner_id == request.user.pk or can_reassign(request.user))
    done = request.POST.get("done") == "1"
    services.task_set_done(task=task, done=done)
    messages.success(request, (_("Task done: %s") if done else _("Task reopened: %s")) % task.subject)
    return back_to(request, "crm:task_list")
