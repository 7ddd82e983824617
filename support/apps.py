from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")

    def ready(self) -> None:
        from anymail.signals import inbound

        from core import events, search, timeline
        from support import permissions  # noqa: F401  (declares the support area)
        from support.mail_providers import provider_email_received
        from support.selectors import search_tickets, ticket_timeline
        from support.tasks import send_ticket_confirmation, send_ticket_reply

        search.register("tickets", search_tickets)
        timeline.register("ticket", ticket_timeline, label=_("Tickets"))
        events.listen("ticket_submitted", lambda ticket_id: send_ticket_confirmation.delay(ticket_id))
        events.listen("ticket_reply_posted", lambda message_id: send_ticket_reply.delay(message_id))
        # Anymail announces an email that came by a provider's webhook only through its signal.
        inbound.connect(provider_email_received, dispatch_uid="support.provider_email_received")
