"""Email templates reps start emails from: the list and the form, for managers and admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm import selectors, services
from crm.forms import EmailTemplateForm, add_service_error
from crm.models import EmailTemplate
from crm.permissions import can_manage_email_templates
from crm.views.common import paginate, require


@login_required
def email_template_list(request: HttpRequest) -> HttpResponse:
    require(can_manage_email_templates(request.user))
    return render(request, "crm/email_template_list.html", {
        "page_obj": paginate(request, selectors.email_template_list()), "nav_current": "email_templates"})


@login_required
@require_http_methods(["GET", "POST"])
def email_template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Write a new email template, or (with `pk`) change one; a placeholder reps cannot fill is a field error."""
    require(can_manage_email_templates(request.user))
    template = get_object_or_404(EmailTemplate, pk=pk) if pk is not None else None
    form = EmailTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.email_template_save(template=template, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Email template saved: %s") % saved.name)
            return redirect("crm:email_template_list")
    return render(request, "crm/email_template_form.html", {"form": form, "record": template,
                                                            "nav_current": "email_templates"})
