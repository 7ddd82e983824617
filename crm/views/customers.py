"""Contacts and companies: lists, detail pages with their timeline and history, forms, churn."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.concurrency import StaleEditError
from core.ids import parse_record_id
from core.permissions import can_read_area
from crm import selectors, services
from crm.filters import CompanyFilter, ContactFilter
from crm.forms import (
    ActivityForm,
    BulkChangeForm,
    ChurnForm,
    CompanyEmailForm,
    CompanyForm,
    ContactEmailForm,
    ContactForm,
    add_service_error,
)
from crm.models import Company, Contact
from crm.permissions import (
    can_create_deal,
    can_edit_customers,
    can_email_contacts,
    can_merge_customers,
    can_read_customers,
    can_read_deals,
    can_reassign,
)
from crm.views.common import (
    columns_csv_response,
    error_messages,
    paginate,
    query_without_page,
    require,
    tag_names,
    wants_csv,
)

CONTACT_CSV_COLUMNS = [
    ("id", lambda c: c.pk), ("first_name", lambda c: c.first_name), ("last_name", lambda c: c.last_name),
    ("email", lambda c: c.email), ("phone", lambda c: c.phone), ("company", lambda c: c.company),
    ("source_campaign", lambda c: c.source_campaign), ("owner", lambda c: c.owner),
    ("language", lambda c: c.language), ("created_at", lambda c: c.created_at),
    ("churned_at", lambda c: c.churned_at), ("churn_reason", lambda c: c.churn_reason),
    ("external_id", lambda c: c.external_id), ("job_title", lambda c: c.job_title),
    ("tags", tag_names),
]
COMPANY_CSV_COLUMNS = [
    ("id", lambda c: c.pk), ("name", lambda c: c.name), ("owner", lambda c: c.owner),
    ("contacts", lambda c: c.contact_count), ("created_at", lambda c: c.created_at),
    ("churned_at", lambda c: c.churned_at), ("churn_reason", lambda c: c.churn_reason),
    ("external_id", lambda c: c.external_id), ("domain", lambda c: c.domain), ("industry", lambda c: c.industry),
    ("size", lambda c: c.size), ("address", lambda c: c.address), ("tags", tag_names),
]


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    require(can_read_customers(request.user))
    filterset = ContactFilter(request.GET, queryset=selectors.contact_list(), request=request)
    contacts = filterset.qs
    if wants_csv(request):
        return columns_csv_response("contacts.csv", CONTACT_CSV_COLUMNS, contacts.iterator(chunk_size=500))
    return render(request, "crm/contact_list.html", {
        "filter": filterset, "page_obj": paginate(request, contacts), "query": query_without_page(request),
        "can_edit": can_edit_customers(request.user), "can_merge": can_merge_customers(request.user),
        "bulk_form": BulkChangeForm(), "can_reassign": can_reassign(request.user),
        "nav_current": "contacts",
    })


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    require(can_read_customers(request.user))
    filterset = CompanyFilter(request.GET, queryset=selectors.company_list())
    companies = filterset.qs
    if wants_csv(request):
        return columns_csv_response("companies.csv", COMPANY_CSV_COLUMNS, companies.iterator(chunk_size=500))
    return render(request, "crm/company_list.html", {
        "filter": filterset, "page_obj": paginate(request, companies), "query": query_without_page(request),
        "can_edit": can_edit_customers(request.user), "can_merge": can_merge_customers(request.user),
        "bulk_form": BulkChangeForm(), "can_reassign": can_reassign(request.user),
        "nav_current": "companies",
    })


def _customer_page(request: HttpRequest, record: Contact | Company, *, activity_form: ActivityForm | None = None,
                   churn_form: ChurnForm | None = None,
                   email_form: ContactEmailForm | CompanyEmailForm | None = None) -> HttpResponse:
    user = request.user
    is_contact = isinstance(record, Contact)
    context = {
        "record": record, "is_contact": is_contact,
        "timeline": selectors.record_timeline(record, user=user, kind=request.GET.get("kind", ""),
                                              limit=selectors.timeline_limit(request.GET.get("shown"))),
        "deals": selectors.record_deals(record, user=user) if can_read_deals(user) else None,
        "history": selectors.record_history(record),
        "can_edit": can_edit_customers(user), "can_create_deal": can_create_deal(user),
        "activity_form": activity_form or ActivityForm(),
        "churn_form": churn_form or ChurnForm(initial={"churned_at": timezone.localtime().replace(second=0,
                                                                                                  microsecond=0),
                                                        "version": record.version}),
        "new_deal_query": f"{'contact' if is_contact else 'company'}={record.pk}",
        "nav_current": "contacts" if is_contact else "companies",
    }
    if is_contact:
        context["tickets"] = selectors.contact_tickets(record)[:50]
        context["can_open_tickets"] = can_read_area(user, "support")
        # Offered when the contact has an address; a refused email comes back on its form regardless.
        context["can_email"] = can_email_contacts(user) and (bool(record.email) or email_form is not None)
        context["email_form"] = email_form or ContactEmailForm(contact=record, rep=user)
        return render(request, "crm/contact_detail.html", context)
    context["contacts"] = record.contacts.select_related("owner")[:100]
    if can_email_contacts(user):
        company_email_form = email_form or CompanyEmailForm(company=record, rep=user)
        # Offered when one of its contacts has an address; a refused email comes back on its form regardless.
        context["can_email"] = email_form is not None or company_email_form.fields["contact"].queryset.exists()
        context["email_form"] = company_email_form
    return render(request, "crm/company_detail.html", context)


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read_customers(request.user))
    contact = get_object_or_404(Contact.objects.select_related("company", "owner", "source_campaign"), pk=pk)
    return _customer_page(request, contact)


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read_customers(request.user))
    company = get_object_or_404(Company.objects.select_related("owner"), pk=pk)
    return _customer_page(request, company)


def _edit_page(request: HttpRequest, form: ContactForm | CompanyForm, record: Contact | Company | None,
               kind: str, duplicates: list[selectors.Duplicate] | None = None) -> HttpResponse:
    return render(request, "crm/record_form.html", {
        "form": form, "record": record, "kind": kind, "nav_current": kind + "s", "duplicates": duplicates or [],
        "can_merge": can_merge_customers(request.user)})


def _unconfirmed_duplicates(form: ContactForm | CompanyForm, record: Contact | Company | None
                            ) -> list[selectors.Duplicate]:
    """The likely duplicates of what the valid form would save, unless the user confirmed it ("Save anyway")."""
    if form.cleaned_data.get("confirm_duplicate"):
        return []
    data = form.cleaned_data
    exclude_pk = record.pk if record is not None else None
    if isinstance(form, CompanyForm):
        found = selectors.company_duplicates(name=data["name"], exclude_pk=exclude_pk)
    else:
        found = selectors.contact_duplicates(email=data["email"], phone=data["phone"], first_name=data["first_name"],
                                             last_name=data["last_name"], company=data["company"],
                                             exclude_pk=exclude_pk)
    if found:
        form.ask_to_confirm()
    return found


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    require(can_edit_customers(request.user))
    form = ContactForm(request.POST or None, can_reassign=can_reassign(request.user),
                       initial={"company": request.GET.get("company")})
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and form.is_valid() and not (duplicates := _unconfirmed_duplicates(form, None)):
        values = form.changes()
        values.setdefault("owner", request.user)
        try:
            contact = services.contact_create(**values)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact %s created.") % contact)
            return redirect("crm:contact_detail", pk=contact.pk)
    return _edit_page(request, form, None, "contact", duplicates)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_edit_customers(request.user))
    contact = get_object_or_404(Contact, pk=pk)
    form = ContactForm(request.POST or None, instance=contact, can_reassign=can_reassign(request.user))
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and form.is_valid() and not (duplicates := _unconfirmed_duplicates(form, contact)):
        try:
            services.contact_update(contact=contact, expected_version=form.cleaned_data["version"],
                                    **form.changes())
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("crm:contact_detail", pk=pk)
    return _edit_page(request, form, contact, "contact", duplicates)


@login_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    require(can_edit_customers(request.user))
    form = CompanyForm(request.POST or None, can_reassign=can_reassign(request.user))
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and form.is_valid() and not (duplicates := _unconfirmed_duplicates(form, None)):
        values = form.changes()
        values.setdefault("owner", request.user)
        try:
            company = services.company_create(**values)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Company %s created.") % company)
            return redirect("crm:company_detail", pk=company.pk)
    return _edit_page(request, form, None, "company", duplicates)


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_edit_customers(request.user))
    company = get_object_or_404(Company, pk=pk)
    form = CompanyForm(request.POST or None, instance=company, can_reassign=can_reassign(request.user))
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and form.is_valid() and not (duplicates := _unconfirmed_duplicates(form, company)):
        try:
            services.company_update(company=company, expected_version=form.cleaned_data["version"],
                                    **form.changes())
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Company saved."))
            return redirect("crm:company_detail", pk=pk)
    return _edit_page(request, form, company, "company", duplicates)


def _set_churn(request: HttpRequest, record: Contact | Company) -> HttpResponse:
    require(can_edit_customers(request.user))
    detail = reverse("crm:contact_detail" if isinstance(record, Contact) else "crm:company_detail", args=[record.pk])
    clearing = request.POST.get("action") == "clear"
    form = ChurnForm(request.POST)
    if clearing:
        version = request.POST.get("version")
        try:
            services.customer_set_churn(customer=record, churned_at=None,
                                        expected_version=parse_record_id(version))
        except StaleEditError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("No longer marked as churned."))
        return redirect(detail)
    if not form.is_valid():
        return _customer_page(request, record, churn_form=form)
    try:
        services.customer_set_churn(customer=record, churned_at=form.cleaned_data["churned_at"],
                                    reason=form.cleaned_data["reason"],
                                    expected_version=form.cleaned_data["version"])
    except StaleEditError as error:
        form.add_error(None, str(error))
        return _customer_page(request, record, churn_form=form)
    except ValidationError as error:
        error_messages(request, error)
        return redirect(detail)
    messages.success(request, _("Marked as churned."))
    return redirect(detail)


@login_required
@require_POST
def contact_churn(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_churn(request, get_object_or_404(Contact, pk=pk))


@login_required
@require_POST
def company_churn(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_churn(request, get_object_or_404(Company, pk=pk))

