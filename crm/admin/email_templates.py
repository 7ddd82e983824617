"""Email templates, through the same service as the CRM's own page."""

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from core.admin import ServiceAdmin, adopt_saved
from crm.forms import EmailTemplateForm
from crm.models import EmailTemplate
from crm.services import email_template_save


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ServiceAdmin):
    form = EmailTemplateForm
    list_display = ("name", "language", "subject", "active")
    list_filter = ("language", "active")
    search_fields = ("name", "subject")

    def save_model(self, request: HttpRequest, obj: EmailTemplate, form: ModelForm, change: bool) -> None:
        saved = email_template_save(template=obj if change else None, name=obj.name, language=obj.language,
                                    subject=obj.subject, body=obj.body, active=obj.active)
        adopt_saved(obj, saved)
