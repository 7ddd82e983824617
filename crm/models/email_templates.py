"""Email templates a rep may start an email to a contact from."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.email_placeholders import PlaceholderError, check_placeholders
from crm.models.people import Language, business_language


class EmailTemplate(models.Model):
    """A subject and a text, in one language, that managers write and reps start emails from; placeholders
    such as `{first_name}` are filled for the contact (`crm.email_placeholders`). Inactive ones are kept but
    no longer offered."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices,
                                default=business_language)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), max_length=20000)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for field in ("subject", "body"):
            try:
                check_placeholders(getattr(self, field))
            except PlaceholderError as error:
                errors[field] = str(error)
        if errors:
            raise ValidationError(errors)
