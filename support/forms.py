"""Forms of the ticket pages and the public support form.

Edit forms carry the `version` the page showed; the services compare it with the stored one and
refuse a stale edit (`core.concurrency.StaleEditError`), which the page shows as a form error.
"""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.forms import LocalInputForm, TypeaheadSelect
from crm.forms import typeahead_url
from crm.models import Role, User
from support.attachments import IncomingFile, clean_filename, limit_bytes
from support.models import Channel, Priority, Ticket, TicketStatus
from support.permissions import can_assign_ticket, can_assign_tickets_to_others
from support.selectors import ticket_assignees

ASSIGNEE_ROLES = (Role.SUPPORT, Role.MANAGER, Role.ADMIN)  # ticket_assignees(), superusers as admins


def _pick_assignee(field: forms.ModelChoiceField) -> None:
    """Anyone who works tickets is picked with the type-ahead (a select of all of them grows with the staff)."""
    field.widget = TypeaheadSelect(url=typeahead_url("users", roles=ASSIGNEE_ROLES))
    field.widget.choices = field.choices


class VersionedForm(LocalInputForm):
    # The ticket page shows several of these forms: each names its elements' ids after itself (id_status_…),
    # so their hidden version fields do not share one.
    element_prefix = ""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": _("This form is out of date: reload the page and make your change again."),
        "invalid": _("This form is out of date: reload the page and make your change again."),
        "min_value": _("This form is out of date: reload the page and make your change again."),
    })

    def __init__(self, *args: object, **kwargs: object) -> None:
        if self.element_prefix:
            kwargs.setdefault("auto_id", f"id_{self.element_prefix}_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, object]:
        """The version is a hidden field: its problem is shown at the top of the form."""
        cleaned = super().clean()
        if "version" in self.errors:
            self.add_error(None, self.errors.pop("version"))
        return cleaned


MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (at most MAX_FILES), each at most CRM_ATTACHMENT_MAX_MB; cleans to IncomingFiles."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list[IncomingFile]:
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(count)s files.") % {"count": MAX_FILES})
        files = []
        for upload in uploads:
            if not isinstance(upload, UploadedFile):
                raise forms.ValidationError(_("No file was submitted."))
            if upload.size > limit_bytes():
                raise forms.ValidationError(
                    _("%(name)s is larger than %(limit)s.") % {"name": upload.name,
                                                                "limit": filesizeformat(limit_bytes())})
            files.append(IncomingFile(filename=clean_filename(upload.name), size_bytes=upload.size, content=upload))
        return files


class ReplyForm(LocalInputForm):
    """A public reply to the customer or an internal note; the button pressed says which."""

    REPLY, NOTE = "reply", "note"

    body = forms.CharField(label=_("Message"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(choices=[(REPLY, _("Send reply")), (NOTE, _("Add internal note"))],
                             widget=forms.HiddenInput, initial=REPLY)
    attachments = AttachmentsField()


class TicketStatusForm(VersionedForm):
    element_prefix = "status"
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)

    def __init__(self, *args: object, ticket: Ticket, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # "New" means nobody has worked on it yet: offered only while that is so.
        if ticket.status != TicketStatus.NEW:
            self.fields["status"].choices = [(value, label) for value, label in TicketStatus.choices
                                             if value != TicketStatus.NEW]


class TicketAssignForm(VersionedForm):
    """Managers and admins choose anyone who works tickets (or nobody); support staff only themselves."""

    element_prefix = "assign"

    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False,
                                      empty_label=_("Nobody"))

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if can_assign_tickets_to_others(user):
            self.fields["assignee"].queryset = ticket_assignees()
            _pick_assignee(self.fields["assignee"])
        else:
            self.fields["assignee"].queryset = User.objects.filter(pk=user.pk)
            self.fields["assignee"].required = True

    def clean_assignee(self) -> User | None:
        assignee = self.cleaned_data.get("assignee")
        if not can_assign_ticket(self.user, assignee):
            raise forms.ValidationError(_("You may assign tickets only to yourself."))
        return assignee


class TicketEditForm(VersionedForm):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)


class TicketCreateForm(LocalInputForm):
    """A ticket opened by staff for a customer (a call, a chat): the contact is found by email or created."""

    email = forms.EmailField(label=_("Customer's email"), max_length=254)
    name = forms.CharField(label=_("Customer's name"), max_length=200, required=False,
                           help_text=_("Used only when no contact has this email yet."))
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Customer's message"), max_length=20000, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False,
                                      empty_label=_("Nobody"))

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if can_assign_tickets_to_others(user):
            self.fields["assignee"].queryset = ticket_assignees()
            _pick_assignee(self.fields["assignee"])
        else:
            self.fields["assignee"].queryset = User.objects.filter(pk=user.pk)

    def clean_assignee(self) -> User | None:
        assignee = self.cleaned_data.get("assignee")
        if assignee is not None and not can_assign_ticket(self.user, assignee):
            raise forms.ValidationError(_("You may assign tickets only to yourself."))
        return assignee


class PublicTicketForm(LocalInputForm):
    """The customer-facing form. `website` is a trap for bots: people never see it, so it stays empty."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("How can we help?"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = AttachmentsField()
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
