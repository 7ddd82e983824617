"""What every app's admin shares: saving through a service, running a service per selected row, and
read-only admins for rows only services write."""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest


def adopt_saved(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's form instance stand for the row a service saved.

    The admin logs, redirects and saves inlines against the instance it passed to `save_model`,
    so it must carry the saved row's primary key and state.
    """
    obj.__dict__.update(saved.__dict__)


def run_for_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    records: Iterable[models.Model],
    call: Callable[[Any], object],
    done_message: Callable[[int], str],
) -> None:
    """Call a service once per selected record; a refusal is reported on its record and the others go on."""
    done = 0
    for record in records:
        try:
            call(record)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{record}: {' '.join(exc.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


def posted_choice(request: HttpRequest, name: str, queryset: QuerySet) -> Any:
    """The record chosen in an extra field of the changelist's action bar, or None."""
    try:
        return forms.ModelChoiceField(queryset=queryset, required=False).clean(request.POST.get(name))
    except ValidationError:
        return None


def deletable_with_parent(
    deleted: tuple[list, dict, set, list], *children: type[models.Model]
) -> tuple[list, dict, set, list]:
    """Drop the children from the permissions a deletion needs: rows nobody deletes on their own
    (stage history, ticket threads) go with their parent, whose service owns them."""
    objects, counts, perms_needed, protected = deleted
    names = {str(child._meta.verbose_name) for child in children}
    return objects, counts, {perm for perm in perms_needed if str(perm) not in names}, protected


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose saves call services: a service's refusal shows on the form, with the service's own
    message on the field it names, and nothing of the save is kept.

    The admin validates its form before `save_model` and has no way back from an error raised there (it
    would be a 500). So the save runs in a transaction; when a service raises ValidationError it is rolled
    back and the form is shown again, this time carrying the refusal as its errors.
    """

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> Any:
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            request.service_refusal = refusal  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal: ValidationError | None = getattr(request, "service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                errors = refusal.message_dict if hasattr(refusal, "error_dict") else {None: refusal.messages}
                for field, field_messages in errors.items():
                    self.add_error(field if field in self.fields else None, field_messages)
                return data

        return RefusedForm


class ReadOnlyAdmin(ServiceAdmin):
    """For rows only services (or the roll-up) write: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
