"""The emails support sends its customers, composed: a public agent reply and the support form's confirmation.

Nothing here sends or writes. Each email comes from the support address (`CRM_SUPPORT_EMAIL`), in the
contact's language, with `Reply-To` set to the ticket's own address (`<local part>+<token>@<domain>`), so an
answer finds its ticket even when the customer's mail client drops the threading headers. A reply carries
its stored Message-ID and `In-Reply-To`/`References` to the earlier mails of the ticket, so the customer's
mail client shows one conversation.
"""

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from support.attachments import UNKNOWN_TYPE
from support.models import Ticket, TicketMessage

# Header lines are folded by the mail library; a long thread keeps its first mail and the latest ones.
MAX_REFERENCES = 20


def support_mailbox() -> tuple[str, str]:
    """The support address's local part and domain (lower case): "support", "example.com"."""
    _name, address = parseaddr(settings.CRM_SUPPORT_EMAIL)
    local, _at, domain = address.rpartition("@")
    return local, domain.lower()


def new_message_id() -> str:
    """A fresh, unique Message-ID on the support address's domain, with its angle brackets."""
    return make_msgid(domain=support_mailbox()[1])


def ticket_reply_address(token: str) -> str:
    """Where the customer's answers to a ticket go: the support mailbox's subaddress for the ticket's token."""
    local, domain = support_mailbox()
    return f"{local}+{token}@{domain}"


def email_subject(ticket: Ticket) -> str:
    """`[#<number>] <subject>`, as the subject was typed (never HTML-escaped: it is not HTML)."""
    return f"[#{ticket.pk}] {' '.join(ticket.subject.split())}"


def contact_language(ticket: Ticket) -> str:
    return ticket.contact.language or settings.LANGUAGE_CODE


def _references(earlier_message_ids: list[str]) -> list[str]:
    if len(earlier_message_ids) <= MAX_REFERENCES:
        return earlier_message_ids
    return [earlier_message_ids[0], *earlier_message_ids[-(MAX_REFERENCES - 1):]]


def reply_email(*, message: TicketMessage, token: str, earlier_message_ids: list[str]) -> EmailMultiAlternatives:
    """The email of a public agent reply: text and HTML in the contact's language, threaded onto
    `earlier_message_ids` (the ticket's earlier mails, oldest first), with the reply's attachments."""
    ticket = message.ticket
    language = contact_language(ticket)
    agent = message.user
    context = {
        "ticket": ticket, "message": message, "contact": ticket.contact, "language": language,
        "agent_name": (agent.full_name or agent.get_username()) if agent is not None else "",
        "rtl": translation.get_language_info(language)["bidi"],
    }
    with translation.override(language):
        text = render_to_string("emails/support/reply.txt", context)
        html = render_to_string("emails/support/reply.html", context)
    headers = {"Message-ID": message.message_id}
    if earlier_message_ids:
        headers["In-Reply-To"] = earlier_message_ids[-1]
        headers["References"] = " ".join(_references(earlier_message_ids))
    email = EmailMultiAlternatives(subject=email_subject(ticket), body=text, from_email=settings.CRM_SUPPORT_EMAIL,
                                   to=[ticket.contact.email], reply_to=[ticket_reply_address(token)],
                                   headers=headers)
    email.attach_alternative(html, "text/html")
    for attachment in message.attachments.all():
        if attachment.kept:
            with attachment.file.open("rb") as content:
                email.attach(attachment.filename, content.read(), attachment.content_type or UNKNOWN_TYPE)
    return email


def confirmation_email(*, ticket: Ticket, token: str) -> EmailMultiAlternatives:
    """The support form's confirmation: text in the contact's language, answers going to the ticket."""
    context = {"ticket": ticket, "contact": ticket.contact}
    with translation.override(contact_language(ticket)):
        subject = render_to_string("emails/support/ticket_confirmation_subject.txt", context)
        body = render_to_string("emails/support/ticket_confirmation.txt", context)
    return EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, from_email=settings.CRM_SUPPORT_EMAIL,
                                  to=[ticket.contact.email], reply_to=[ticket_reply_address(token)],
                                  headers={"Message-ID": new_message_id(), "Auto-Submitted": "auto-replied"})
