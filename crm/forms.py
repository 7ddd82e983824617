"""Forms of the sales pages. They validate input only: the views hand the cleaned data to `crm.services`."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import TypeaheadSelect
from core.jalali import use_jalali_inputs
from crm.models import (
    ActivityKind,
    Company,
    Contact,
    Deal,
    LostReason,
    Role,
    Stage,
    User,
)

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


class TypeaheadQueryForm(forms.Form):
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


class VersionedForm(forms.ModelForm):
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
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone", "company", "source_campaign", "owner", "language"]
        widgets = {"company": picker("companies"), "source_campaign": picker("campaigns"),
                   "owner": picker("users", roles=OWNER_ROLES)}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("email")):
            raise ValidationError(_("Give a name or an email address."))
        return cleaned


class CompanyForm(DuplicateConfirmingForm):
    class Meta:
        model = Company
        fields = ["name", "owner"]
        widgets = {"owner": picker("users", roles=OWNER_ROLES)}


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline.name} / {obj.name}"


class DealForm(VersionedForm):
    """Creates a deal (with its starting stage) or edits one (stage and status change on the board)."""

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


class DealMoveForm(forms.Form):
    """One card's move: the stage it goes to and the version of the deal the board showed."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), label=_("Move to stage"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DealWinForm(forms.Form):
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


class DealLoseForm(forms.Form):
    """Marking a deal lost (the "Lost" button): why, which is required, and a note."""

    lost_reason = forms.ModelChoiceField(queryset=LostReason.objects.all(), label=_("Lost reason"),
                                         error_messages={"required": _("Choose why the deal was lost.")})
    lost_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own element ids: the Won form beside it on the deal page has a version field too.
        kwargs.setdefault("auto_id", "id_lost_%s")
        super().__init__(*args, **kwargs)


class ChurnForm(forms.Form):
    churned_at = forms.DateTimeField(label=_("Churned at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_jalali_inputs(self)


class ContactEmailForm(forms.Form):
    """An email a rep writes a contact from its page: plain text, sent as typed."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own element ids: the activity form beside it on the contact page has a subject and a body too.
        kwargs.setdefault("auto_id", "id_email_%s")
        super().__init__(*args, **kwargs)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=ActivityKind.choices, label=_("Kind"), initial=ActivityKind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(label=_("Due at"), required=False, help_text=_("Tasks only."),
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_jalali_inputs(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("due_at") and cleaned.get("kind") != ActivityKind.TASK:
            self.add_error("due_at", _("Only tasks have a due date."))
        return cleaned


class CsvImportForm(forms.Form):
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


class StageSettingsForm(forms.ModelForm):
    """One stage's row on the pipeline settings page."""

    class Meta:
        model = Stage
        fields = ["name", "position", "probability", "idle_days"]

    def clean_probability(self) -> Any:
        probability = self.cleaned_data["probability"]
        if probability is not None and not 0 <= probability <= 1:
            raise ValidationError(_("Probability must be between 0 and 1."))
        return probability

    def service_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


StageSettingsFormSet = forms.modelformset_factory(Stage, form=StageSettingsForm, extra=0, can_delete=False)


class QuickDealForm(forms.Form):
    """The quick-add card at the head of a board column: a title, a contact and an amount, in that stage."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), label=_("Contact"), widget=picker("contacts"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=16, decimal_places=2)
