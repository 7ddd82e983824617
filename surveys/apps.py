from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from core import events, timeline
        from surveys import permissions  # noqa: F401  (declares the surveys area)
        from surveys.selectors import response_timeline
        from surveys.tasks import follow_up_response_task, schedule_ticket_surveys

        timeline.register("survey_response", response_timeline, label=_("Survey answers"))
        events.listen("ticket_resolved", schedule_ticket_surveys)
        events.listen("survey_response_recorded", lambda response_id: follow_up_response_task.delay(response_id))
