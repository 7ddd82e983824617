"""Forms of the sales pages. They validate input only: the views hand the cleaned data to `crm.services`."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import LocalInputForm, LocalInputModelForm, TypeaheadSelect
from core.ids import parse_record_id
from crm.email_placeholders import PLACEHOLDERS, fill_placeholders
from crm.mail import placeholder_values
from crm.models import (
    ActivityKind,
    Company,
    Contact,
    Deal,
    EmailTemplate,
    LostReason,
    Role,
    Stage,
    User,
)
from crm.normalize import normalize_domain
from crm.permissions import can_edit_customers, can_edit_deal, deals_visible_to
from crm.selectors import email_templates_offered

OWNER_ROLES = (Role.SALES, Role.MANAGER, Role.ADMIN)


def assignable_owners() -> QuerySet[User]:
    """Who can own a contact, company or deal: active staff of the selling roles."""
    return User.objects.filter(is_active=True, role__in=OWNER_ROLES).order_by("full_name", "username")


def typeahead_url(kind: str, *, roles: tuple[str, ...] = ()) -> object:
    """The search endpoint of a record kind (`crm:typeahead`), users narrowed to `roles` when given."""
    url = reverse_lazy("crm:typeahead", args=[kind])
    if not roles:
        return url
    return format_lazy("{}?{}", url, urlencode([("role", role) for role in roles]))


def picker(kind: str, *, roles: tuple[str, ...] = ()) -> TypeaheadSelect:
    """The type-ahead widget of a field that picks a record of `kind`."""
    return TypeaheadSelect(url=typeahead_url(kind, roles=roles))


class TypeaheadQueryForm(LocalInputForm):
    """What a type-ahead asks: the text typed and, for users, the roles wanted."""

    q = forms.CharField(required=False, max_length=100,
                        error_messages={"max_length": _("Type at most %(limit_value)d characters to search.")})
    role = forms.MultipleChoiceField(choices=Role.choices, required=False)

    def clean_q(self) -> str:
        query = self.cleaned_data["q"]
        if query and not any(character.isalnum() for character in query):
            raise ValidationError(_("Type letters or digits to search."))
        return query


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the named field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, field_errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas ("vip, partner"); the service matches them by name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [name.strip() for name in (super().to_python(value) or "").split(",") if name.strip()]


class VersionedForm(LocalInputModelForm):
    """Carries the version of the record the editor loaded, so a concurrent edit is refused, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, can_reassign: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            if can_reassign:
                self.fields["owner"].queryset = assignable_owners()
            else:
                del self.fields["owner"]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
            if "tags" in self.fields:
                self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())

    def changes(self) -> dict[str, Any]:
        """The model fields of this form with their cleaned values, for the update service."""
        return {name: self.cleaned_data[name] for name in self.fields if name not in NOT_CHANGES}


NOT_CHANGES = frozenset({"version", "confirm_duplicate"})


class DuplicateConfirmingForm(VersionedForm):
    """A contact or company form: a save that looks like a duplicate comes back with a warning, and the form
    then carries `confirm_duplicate` so that pressing "Save anyway" saves it."""

    confirm_duplicate = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def ask_to_confirm(self) -> None:
        """Show the form again with the confirmation set, for the "Save anyway" button."""
        self.data = self.data.copy()
        self.data["confirm_duplicate"] = "1"


class ContactForm(DuplicateConfirmingForm):
    tags = TagsField()

    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "job_title", "email", "phone", "company", "source_campaign", "owner",
                  "language"]
        widgets = {"company": picker("companies"), "source_campaign": picker("campaigns"),
                   "owner": picker("users", roles=OWNER_ROLES)}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("email")):
            raise ValidationError(_("Give a name or an email address."))
        return cleaned


class CompanyForm(DuplicateConfirmingForm):
    tags = TagsField()

    class Meta:
        model = Company
        fields = ["name", "domain", "industry", "size", "address", "owner"]
        widgets = {"owner": picker("users", roles=OWNER_ROLES), "address": forms.Textarea(attrs={"rows": 3})}

    def clean_domain(self) -> str:
        """Store the host of whatever was pasted (a full web address is fine); the model checks what is left."""
        return normalize_domain(self.cleaned_data["domain"])


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline.display_name} / {obj.display_name}"


class DealForm(VersionedForm):
    """Creates a deal (with its starting stage) or edits one (stage and status change on the board)."""

    tags = TagsField()
    pipeline_stage = StageChoiceField(queryset=Stage.objects.select_related("pipeline")
                                      .order_by("pipeline__name", "position", "id"), label=_("Stage"))

    class Meta:
        model = Deal
        fields = ["title", "pipeline_stage", "contact", "company", "owner", "amount", "currency", "exchange_rate",
                  "kind", "campaign", "expected_close_date"]
        widgets = {"expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "contact": picker("contacts"), "company": picker("companies"), "campaign": picker("campaigns"),
                   "owner": picker("users", roles=OWNER_ROLES)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["pipeline_stage"]
        else:
            self.initial.setdefault("currency", settings.CRM_CURRENCY)
        self.fields["contact"].queryset = Contact.objects.order_by("last_name", "first_name", "id")
        # static/crm/deal-form.js shows the rate only while the currency differs from the base currency.
        self.fields["currency"].widget.attrs.update({"size": 3, "autocapitalize": "characters",
                                                     "data-base-currency": settings.CRM_CURRENCY})
        self.fields["exchange_rate"].help_text = _("Only for a currency other than %(base)s.") % {
            "base": settings.CRM_CURRENCY}

    def clean_amount(self) -> Any:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise ValidationError(_("Amount cannot be negative."))
        return amount

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationError(_("Use a three-letter currency code such as USD."))
        return currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("currency") == settings.CRM_CURRENCY:
            cleaned["exchange_rate"] = None  # the base currency is its own rate: 1
        return cleaned


class DealMoveForm(LocalInputForm):
    """One card's move: the stage it goes to and the version of the deal the board showed."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), label=_("Move to stage"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DealWinForm(LocalInputForm):
    """Marking a deal won (the "Won" button): its exchange rate when it is in another currency, nothing else."""

    exchange_rate = forms.DecimalField(label=_("Exchange rate"), required=False, min_value=0, max_digits=24,
                                       decimal_places=10,
                                       help_text=_("Base currency per unit of the deal's currency."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, needs_rate: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_rate:  # a deal in the base currency has no rate to ask for
            del self.fields["exchange_rate"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.data.get("lost_reason") or self.data.get("lost_note", "").strip():
            raise ValidationError(_("A won deal has no lost reason: press Lost to record why a deal was lost."))
        return cleaned


class DealLoseForm(LocalInputForm):
    """Marking a deal lost (the "Lost" button): why, which is required, and a note."""

    lost_reason = forms.ModelChoiceField(queryset=LostReason.objects.all(), label=_("Lost reason"),
                                         error_messages={"required": _("Choose why the deal was lost.")})
    lost_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own element ids: the Won form beside it on the deal page has a version field too.
        kwargs.setdefault("auto_id", "id_lost_%s")
        super().__init__(*args, **kwargs)


class ChurnForm(LocalInputForm):
    churned_at = forms.DateTimeField(label=_("Churned at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ContactEmailForm(LocalInputForm):
    """An email a rep writes a contact: plain text, sent as typed. A chosen template fills an empty subject
    or text for the contact (in the browser by `crm/email-templates.js`, else here on submit)."""

    template = forms.ModelChoiceField(label=_("Template"), queryset=EmailTemplate.objects.none(), required=False,
                                      empty_label=_("No template"),
                                      help_text=_("Fills the subject and the message for the contact."))
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Message"), max_length=20000, required=False,
                           widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, contact: Contact | None = None, rep: User | None = None, **kwargs: Any) -> None:
        # Its own element ids: the activity form beside it on the record's page has a subject and a body too.
        kwargs.setdefault("auto_id", "id_email_%s")
        super().__init__(*args, **kwargs)
        self.contact, self.rep = contact, rep
        # A rep who never chose a language reads the page in the browser's: their templates come first.
        language = contact.language if contact is not None else (getattr(rep, "language", "")
                                                                 or translation.get_language()
                                                                 or settings.LANGUAGE_CODE)
        self.fields["template"].queryset = email_templates_offered(language=language)
        self.fields["template"].widget.attrs["data-email-template"] = "1"

    def placeholder_values(self) -> dict[str, dict[str, str]]:
        """Each contact the form may write to (by id; "" for the one of a contact's or deal's page) with its
        placeholders' values, for the browser to fill a chosen template."""
        contact = self.contact
        return {"": placeholder_values(contact=contact, rep=self.rep)} if contact is not None else {}

    def templates_data(self) -> dict[str, object]:
        """What the browser needs to fill a chosen template: the templates' texts and the placeholders' values."""
        templates = {str(template.pk): {"subject": template.subject, "body": template.body}
                     for template in self.fields["template"].queryset}
        return {"templates": templates, "contacts": self.placeholder_values()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        template: EmailTemplate | None = cleaned.pop("template", None)  # the service takes the texts only
        if cleaned.get("body"):  # browsers post a textarea's lines with CRLF; the timeline and mail keep LF
            cleaned["body"] = cleaned["body"].replace("\r\n", "\n")
        contact = cleaned.get("contact") or self.contact
        if template is not None and contact is not None:
            values = placeholder_values(contact=contact, rep=self.rep)
            for name in ("subject", "body"):
                if not cleaned.get(name) and name not in self.errors:
                    cleaned[name] = fill_placeholders(getattr(template, name), values)[:200 if name == "subject"
                                                                                      else 20000]
        for name in ("subject", "body"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, forms.Field.default_error_messages["required"])
        return cleaned


# The company page's "to" menu lists at most this many contacts (those with an address, by name).
COMPANY_EMAIL_CONTACTS_MAX = 200


class CompanyEmailForm(ContactEmailForm):
    """An email a rep writes from a company's page to one of its contacts that has an address; its templates
    come in the rep's language first, as the contact is not chosen yet."""

    contact = forms.ModelChoiceField(label=_("To"), queryset=Contact.objects.none(), empty_label=None)
    field_order = ("contact", "template", "subject", "body")

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        contacts = company.contacts.exclude(email="").order_by("last_name", "first_name", "id")
        pks = list(contacts.values_list("pk", flat=True)[:COMPANY_EMAIL_CONTACTS_MAX])
        field = self.fields["contact"]
        field.queryset = Contact.objects.filter(pk__in=pks).select_related("company").order_by(
            "last_name", "first_name", "id")
        field.label_from_instance = lambda contact: f"{contact} <{contact.email}>"

    def placeholder_values(self) -> dict[str, dict[str, str]]:
        return {str(contact.pk): placeholder_values(contact=contact, rep=self.rep)
                for contact in self.fields["contact"].queryset}


class EmailTemplateForm(LocalInputModelForm):
    """A manager's email template; the placeholders reps' emails can fill are listed on the form."""

    class Meta:
        model = EmailTemplate
        fields = ("name", "language", "subject", "body", "active")
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())
        self.fields["body"].help_text = format_lazy(_("Placeholders: {known}."), known=known)


class ActivityForm(LocalInputForm):
    kind = forms.ChoiceField(choices=ActivityKind.choices, label=_("Kind"), initial=ActivityKind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(label=_("Due at"), required=False, help_text=_("Tasks only."),
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("due_at") and cleaned.get("kind") != ActivityKind.TASK:
            self.add_error("due_at", _("Only tasks have a due date."))
        return cleaned


class TaskForm(LocalInputForm):
    """A task for oneself in one step from the task list, optionally on a contact or a deal."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due at"), required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"))
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False,
                                     widget=picker("contacts"))
    deal = forms.ModelChoiceField(label=_("Deal"), queryset=Deal.objects.none(), required=False,
                                  widget=picker("deals"))

    def __init__(self, *args: Any, user: object, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["contact"].queryset = Contact.objects.all()
        self.fields["deal"].queryset = deals_visible_to(user)

    def clean(self) -> dict[str, Any]:
        """The same rule as logging on the record's page: only those who may edit it put a task on it."""
        cleaned = super().clean()
        if cleaned.get("contact") is not None and not can_edit_customers(self.user):
            self.add_error("contact", _("You may not add tasks to contacts."))
        deal = cleaned.get("deal")
        if deal is not None and not can_edit_deal(self.user, deal):
            self.add_error("deal", _("You may not add tasks to this deal."))
        if not self.errors and cleaned.get("contact") is None and deal is None:
            # every activity is on a record's timeline (the crm_activity_has_subject_record constraint)
            self.add_error("contact", _("Choose the contact or the deal the task is about."))
        return cleaned


class CsvImportForm(LocalInputForm):
    file = forms.FileField(label=_("CSV file"), required=False)
    content = forms.CharField(widget=forms.HiddenInput, required=False)
    allow_duplicates = forms.BooleanField(
        label=_("Import duplicates anyway"), required=False,
        help_text=_("Rows that look like an existing record, or like another row, are imported instead of refused."))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                cleaned["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not UTF-8 text."))
        elif not cleaned.get("content"):
            self.add_error("file", _("Choose a CSV file."))
        return cleaned


def _bulk_record_id(value: str) -> int:
    """A ticked row's id, read by the one id parser (core.ids): other scripts' digits, signs and ids past the
    database's range name no record."""
    number = parse_record_id(value)
    if number is None:
        raise ValueError(value)
    return number


BULK_MAX_RECORDS = 200  # a page of a list is at most 100 rows; a bulk change is one transaction


class BulkChangeForm(LocalInputForm):
    """What a list's bulk action does to the ticked rows: a new owner, one more tag, or both."""

    ids = forms.TypedMultipleChoiceField(coerce=_bulk_record_id, choices=(), label=_("Records"),
                                         error_messages={"required": _("Select at least one row."),
                                                         "invalid_choice": _("%(value)s is not a record id.")})
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("New owner"),
                                   empty_label=_("Keep the owner"))
    add_tag = forms.CharField(max_length=50, required=False, label=_("Add tag"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners()
        # Any ids may be posted; the view reads only the ones that exist.
        posted = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(value, value) for value in posted]

    def clean_ids(self) -> list[int]:
        ids = self.cleaned_data["ids"]
        if len(ids) > BULK_MAX_RECORDS:
            raise ValidationError(_("Select at most %(count)d rows at a time.") % {"count": BULK_MAX_RECORDS})
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("owner") and not (cleaned.get("add_tag") or "").strip():
            raise ValidationError(_("Choose a new owner or a tag to add."))
        return cleaned


class StageSettingsForm(LocalInputModelForm):
    """One stage's row on the pipeline settings page."""

    class Meta:
        model = Stage
        fields = ["name", "name_fa", "position", "probability", "idle_days"]

    def clean_probability(self) -> Any:
        probability = self.cleaned_data["probability"]
        if probability is not None and not 0 <= probability <= 1:
            raise ValidationError(_("Probability must be between 0 and 1."))
        return probability

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


StageSettingsFormSet = forms.modelformset_factory(Stage, form=StageSettingsForm, extra=0, can_delete=False,
                                                 edit_only=True)


class QuickDealForm(LocalInputForm):
    """The quick-add card at the head of a board column: a title, a contact and an amount, in that stage."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), label=_("Contact"), widget=picker("contacts"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=16, decimal_places=2)
