"""The emails a rep sends a contact from the CRM, and the note to the rep when the contact answers, composed.

Nothing here sends or writes. A rep's email comes from the sales address (CRM_SALES_EMAIL, else the support
address) in the rep's name, with its stored Message-ID; answers go to the support address (`Reply-To`), the
mailbox the CRM reads, where the answer is matched to the email by its In-Reply-To.
"""

from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from crm.models import Activity, Contact, User


def sales_address() -> str:
    """The bare address reps' emails come from: CRM_SALES_EMAIL's, else CRM_SUPPORT_EMAIL's."""
    return parseaddr(settings.CRM_SALES_EMAIL or settings.CRM_SUPPORT_EMAIL)[1]


def new_message_id() -> str:
    """A fresh Message-ID on the sales address's domain, with its angle brackets."""
    return make_msgid(domain=sales_address().rpartition("@")[2].lower() or "localhost")


def rep_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.get_full_name() or user.get_username()


def placeholder_values(*, contact: Contact, rep: User | None) -> dict[str, str]:
    """What an email template's placeholders (`crm.email_placeholders`) stand for in an email to `contact`."""
    return {"first_name": contact.first_name, "last_name": contact.last_name,
            "company": contact.company.name if contact.company_id else "", "rep_name": rep_name(rep)}


def contact_email(*, activity: Activity) -> EmailMessage:
    """A rep's email to a contact: the subject and text as the rep typed them (plain text, never escaped)."""
    return EmailMessage(
        subject=" ".join(activity.subject.split()), body=activity.body,
        from_email=formataddr((rep_name(activity.owner), sales_address())), to=[activity.contact.email],
        reply_to=[parseaddr(settings.CRM_SUPPORT_EMAIL)[1]], headers={"Message-ID": activity.message_id},
    )


def reply_notification(*, reply: Activity, page_url: str) -> EmailMessage:
    """Tell the rep who sent the email that the contact answered, in the rep's language, with the answer."""
    rep = reply.owner
    context = {"reply": reply, "contact": reply.contact, "rep_name": rep_name(rep), "page_url": page_url}
    with translation.override(rep.language or settings.LANGUAGE_CODE):
        subject = render_to_string("emails/crm/reply_notification_subject.txt", context)
        body = render_to_string("emails/crm/reply_notification.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[rep.email], headers={"Auto-Submitted": "auto-generated"})


def task_reminder(*, task: Activity, page_url: str) -> EmailMessage:
    """Remind a task's owner that it fell due, in the owner's language, from the sales address (else the
    default sender)."""
    owner = task.owner
    context = {"task": task, "rep_name": rep_name(owner), "page_url": page_url}
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        subject = render_to_string("emails/crm/task_reminder_subject.txt", context)
        body = render_to_string("emails/crm/task_reminder.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body,
                        from_email=settings.CRM_SALES_EMAIL or settings.DEFAULT_FROM_EMAIL,
                        to=[owner.email], headers={"Auto-Submitted": "auto-generated"})
