"""CSV import of contacts and companies: upload, preview with row errors, then confirm to write all rows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.csv_import import COLUMNS, plan_import, run_import
from crm.forms import CsvImportForm
from crm.permissions import can_edit_customers
from crm.views.common import require

PREVIEW_ROWS = 20


@login_required
@require_http_methods(["GET", "POST"])
def csv_import(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the upload form. POST a file: check it and show a preview or its errors (nothing written).
    POST `confirm` with the checked content: check again and write every row, or none."""
    if kind not in COLUMNS:
        raise Http404
    require(can_edit_customers(request.user))
    form = CsvImportForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        plan = plan_import(kind=kind, content=form.cleaned_data["content"],
                           allow_duplicates=form.cleaned_data["allow_duplicates"])
        if plan.ok and "confirm" in request.POST:
            count = run_import(plan=plan)
            messages.success(request, _("%(count)d %(kind)s imported.") % {"count": count, "kind": kind})
            return redirect("crm:contact_list" if kind == "contacts" else "crm:company_list")
    return render(request, "crm/csv_import.html", {
        "form": form, "kind": kind, "columns": COLUMNS[kind], "plan": plan,
        "content": form.cleaned_data.get("content", "") if plan else "",
        "allow_duplicates": form.cleaned_data.get("allow_duplicates", False) if plan else False,
        "preview": [[row.get(column) for column in COLUMNS[kind]] for row in plan.rows[:PREVIEW_ROWS]] if plan else [],
        "nav_current": "contacts" if kind == "contacts" else "companies",
    })
