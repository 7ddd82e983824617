"""Admin for surveys, invitations and responses.

Invitations and responses are added through `surveys.services` (which checks each answer against
its survey's scale and marks the KPI days) and are never edited afterwards: an answer is a record
of what a customer said. Deletions mark the survey days they change.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ServiceAdmin, adopt_saved
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey, SurveyKind
from surveys.services import (
    SURVEY_EDITABLE_FIELDS,
    invitation_create,
    invitation_delete,
    response_delete,
    response_record,
    survey_create,
    survey_delete,
    survey_update,
    validate_answer,
)

SERVQUAL_FIELDS = tuple(f"{dimension}_{side}" for dimension in SERVQUAL_DIMENSIONS
                        for side in ("expectation", "perception"))


@admin.register(Survey)
class SurveyAdmin(ServiceAdmin):
    """The kind fixes the scale of every answer, so it cannot change once the survey exists."""

    list_display = ("name", "kind", "active", "send_after_ticket_resolved", "send_to_active_customers",
                    "external_id")
    list_filter = ("kind", "active")
    search_fields = ("name", "=external_id")

    def get_readonly_fields(self, request: HttpRequest, obj: Survey | None = None) -> Any:
        return ("kind",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Survey, form: ModelForm, change: bool) -> None:
        """Through `survey_create` and `survey_update`, which refuse what the API and pages refuse (an NPS
        survey sent after every resolved ticket, a CSAT survey sent to all active customers)."""
        fields = {name: getattr(obj, name) for name in SURVEY_EDITABLE_FIELDS}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            if changed:
                adopt_saved(obj, survey_update(survey=obj, **changed))
            return
        adopt_saved(obj, survey_create(kind=obj.kind, **fields))

    def delete_model(self, request: HttpRequest, obj: Survey) -> None:
        survey_delete(surveys=Survey.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        survey_delete(surveys=queryset)


class ServiceWrittenAdmin(ReadOnlyAdmin):
    """Added and deleted through a service (which marks the survey days the rows counted on), never changed."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_records(self, queryset: QuerySet) -> int:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_records(type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_records(queryset)


@admin.register(Invitation)
class InvitationAdmin(ServiceWrittenAdmin):
    list_display = ("survey", "contact", "ticket", "sent_at")
    list_filter = ("survey", "sent_at")
    search_fields = ("=external_id", "contact__email")
    list_select_related = ("survey", "contact", "ticket")
    autocomplete_fields = ("survey", "contact", "ticket")
    fields = ("survey", "contact", "ticket", "sent_at", "external_id")
    show_full_result_count = False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"sent_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def delete_records(self, queryset: QuerySet[Invitation]) -> int:
        return invitation_delete(invitations=queryset)

    def save_model(self, request: HttpRequest, obj: Invitation, form: ModelForm, change: bool) -> None:
        adopt_saved(obj, invitation_create(survey=obj.survey, contact=obj.contact, ticket=obj.ticket,
                                           sent_at=obj.sent_at, external_id=obj.external_id))


class ResponseAddForm(forms.ModelForm):
    """Checks the answer against the survey's scale, so a bad score is a form error, not a crash."""

    class Meta:
        model = Response
        fields = ("survey", "invitation", "contact", "ticket", "answered_at", "score", *SERVQUAL_FIELDS,
                  "comment", "external_id")

    def servqual(self) -> dict[str, dict[str, int | None]]:
        """The SERVQUAL dimensions answered on the form, as the service takes them."""
        data = self.cleaned_data
        return {
            dimension: {side: data.get(f"{dimension}_{side}") for side in ("expectation", "perception")}
            for dimension in SERVQUAL_DIMENSIONS
            if any(data.get(f"{dimension}_{side}") is not None for side in ("expectation", "perception"))
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        survey = data.get("survey")
        if survey is None:
            return data
        servqual = self.servqual()
        if survey.kind != SurveyKind.SERVQUAL and servqual:
            raise ValidationError(_("Only a SERVQUAL survey has SERVQUAL answers."))
        invitation, contact = data.get("invitation"), data.get("contact")
        if invitation is not None and (invitation.survey_id != survey.pk
                                       or (contact is not None and invitation.contact_id != contact.pk)):
            raise ValidationError({"invitation": _("This invitation is for another survey or contact.")})
        if survey.kind == SurveyKind.SERVQUAL and data.get("score") is not None:
            raise ValidationError({"score": _("A SERVQUAL survey has no single score.")})
        try:
            validate_answer(kind=survey.kind, score=data.get("score"), servqual=servqual or None)
        except ValidationError as exc:
            errors = exc.message_dict  # "servqual" is no form field: its errors go to the whole form
            raise ValidationError({"score": errors["score"]} if "score" in errors else exc.messages) from exc
        return data


@admin.register(Response)
class ResponseAdmin(ServiceWrittenAdmin):
    list_display = ("survey", "contact", "score", "answered_at", "ticket")
    list_filter = ("survey__kind", "survey", "answered_at")
    search_fields = ("=external_id", "contact__email", "comment")
    list_select_related = ("survey", "contact", "ticket")
    autocomplete_fields = ("survey", "contact", "ticket")
    raw_id_fields = ("invitation",)
    show_full_result_count = False
    form = ResponseAddForm

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"answered_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def delete_records(self, queryset: QuerySet[Response]) -> int:
        return response_delete(responses=queryset)

    def save_model(self, request: HttpRequest, obj: Response, form: ModelForm, change: bool) -> None:
        servqual = form.servqual() if obj.survey.kind == SurveyKind.SERVQUAL else None
        adopt_saved(obj, response_record(
            survey=obj.survey, contact=obj.contact, score=obj.score, servqual=servqual,
            invitation=obj.invitation, ticket=obj.ticket, comment=obj.comment, answered_at=obj.answered_at,
            external_id=obj.external_id,
        ))
