from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from core import events
        from webhooks import events as webhook_events

        events.listen("deal_closed", webhook_events.deal_closed)
        events.listen("ticket_resolved", webhook_events.ticket_resolved)
        events.listen("survey_response_recorded", webhook_events.survey_response_recorded)
