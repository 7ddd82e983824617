from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from core import events
        from crm import permissions  # noqa: F401  (declares the sales, marketing and customers areas)
        from crm.tasks import notify_rep_of_reply, send_contact_email

        events.listen("contact_email_posted", lambda activity_id: send_contact_email.delay(activity_id))
        events.listen("contact_email_replied", lambda activity_id: notify_rep_of_reply.delay(activity_id))
