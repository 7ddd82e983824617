"""Surveys, the invitations sent to contacts and the responses they give."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    NPS = "nps", _("Net Promoter Score")
    CSAT = "csat", _("Customer satisfaction")
    CES = "ces", _("Customer effort")
    SERVQUAL = "servqual", _("SERVQUAL")


SCORE_RANGES = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5), SurveyKind.CES: (1, 5)}
SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
SERVQUAL_RANGE = (1, 7)


# The wording customers see when a survey states none: (English, Persian). Stored on the survey when
# it is created through `surveys.services.survey_create`, so a later change of these defaults does not
# change what earlier customers were asked.
DEFAULT_QUESTIONS: dict[str, tuple[str, str]] = {
    SurveyKind.NPS: ("How likely are you to recommend us to a friend or colleague?",
                     "چقدر احتمال دارد ما را به یک دوست یا همکار توصیه کنید؟"),
    SurveyKind.CSAT: ("How satisfied are you with the help you received?",
                      "چقدر از کمکی که دریافت کردید راضی هستید؟"),
    SurveyKind.CES: ("How easy was it to get your issue resolved?",
                     "حل شدن مشکل شما چقدر آسان بود؟"),
    SurveyKind.SERVQUAL: ("For each area, tell us what you expect from an excellent company and how we did, "
                          "from 1 (strongly disagree) to 7 (strongly agree).",
                          "برای هر بخش بگویید از یک شرکت عالی چه انتظاری دارید و ما چگونه عمل کردیم، "
                          "از ۱ (کاملاً مخالفم) تا ۷ (کاملاً موافقم)."),
}


class Survey(models.Model):
    """A questionnaire of one kind; the kind fixes the scale of its answers.

    The question is stored in both languages customers answer in: `question` (English) and
    `question_fa` (Persian); a contact whose language is Persian sees `question_fa`, falling back to
    `question` when it is empty (and a survey with neither shows the kind's standard wording). Only
    these two languages are offered, so two fields are simpler than a translation table.
    `send_after_ticket_resolved` (CSAT, CES) invites a ticket's contact
    `ticket_delay_hours` after the ticket is resolved; `send_to_active_customers` (NPS) invites every
    active customer on the relationship schedule. An inactive survey sends nothing.
    """

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind.choices)
    question = models.TextField(_("question"), blank=True)
    question_fa = models.TextField(_("question in Persian"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    send_after_ticket_resolved = models.BooleanField(_("send after a ticket is resolved"), default=False)
    ticket_delay_hours = models.PositiveIntegerField(_("hours after resolution"), default=24)
    send_to_active_customers = models.BooleanField(_("send to active customers on the schedule"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name

    def question_in(self, language: str) -> str:
        """The question as a contact speaking `language` reads it."""
        english, persian = DEFAULT_QUESTIONS[self.kind]
        if language == "fa":
            # A question written only in English is shown as written rather than a standard one that may differ.
            return self.question_fa or self.question or persian
        return self.question or english

    @property
    def score_range(self) -> tuple[int, int]:
        return SERVQUAL_RANGE if self.kind == SurveyKind.SERVQUAL else SCORE_RANGES[self.kind]


def new_invitation_token() -> str:
    """256 random bits, URL-safe: unguessable and carrying no ids."""
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A survey sent to a contact (about a ticket, optionally); its token opens the public answer page."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey("crm.Contact", verbose_name=_("contact"), on_delete=models.CASCADE,
                                related_name="survey_invitations")
    ticket = models.ForeignKey("support.Ticket", verbose_name=_("ticket"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="survey_invitations")
    sent_at = models.DateTimeField(_("sent at"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_invitation_token, editable=False)
    # Set by the email task once the message is handed to the mail server, so a retried task sends once.
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["sent_at"], name="surveys_invitation_sent"),
                   models.Index(fields=["contact", "sent_at"], name="surveys_invitation_contact")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.contact}"

    @property
    def expires_at(self) -> datetime:
        """The link answers until then (SURVEY_LINK_DAYS after sending)."""
        return self.sent_at + timedelta(days=settings.SURVEY_LINK_DAYS)


def _score_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class Response(models.Model):
    """One answer to a survey: a score, or SERVQUAL's expectation and perception for each dimension."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(Invitation, verbose_name=_("invitation"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="response")
    contact = models.ForeignKey("crm.Contact", verbose_name=_("contact"), on_delete=models.CASCADE,
                                related_name="survey_responses")
    ticket = models.ForeignKey("support.Ticket", verbose_name=_("ticket"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="survey_responses")
    answered_at = models.DateTimeField(_("answered at"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    tangibles_expectation = _score_field(_("tangibles: expectation"))
    tangibles_perception = _score_field(_("tangibles: perception"))
    reliability_expectation = _score_field(_("reliability: expectation"))
    reliability_perception = _score_field(_("reliability: perception"))
    responsiveness_expectation = _score_field(_("responsiveness: expectation"))
    responsiveness_perception = _score_field(_("responsiveness: perception"))
    assurance_expectation = _score_field(_("assurance: expectation"))
    assurance_perception = _score_field(_("assurance: perception"))
    empathy_expectation = _score_field(_("empathy: expectation"))
    empathy_perception = _score_field(_("empathy: perception"))
    comment = models.TextField(_("comment"), blank=True)
    # When the customer last changed the answer through its link (allowed for SURVEY_EDIT_HOURS).
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True, editable=False)
    # The task a detractor or unhappy answer gave its account's owner; set once, so the follow-up is made once.
    follow_up = models.OneToOneField("crm.Activity", verbose_name=_("follow-up task"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="survey_response", editable=False)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["answered_at"], name="surveys_response_answered")]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=10), name="surveys_score_0_10",
                                   violation_error_message=_("A score is between 0 and 10.")),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{dim}_{side}__isnull": True})
                    | (Q(**{f"{dim}_{side}__gte": 1}) & Q(**{f"{dim}_{side}__lte": 7})),
                    name=f"surveys_{dim}_{side}_1_7",
                    violation_error_message=_("SERVQUAL answers are between 1 and 7."),
                )
                for dim in SERVQUAL_DIMENSIONS
                for side in ("expectation", "perception")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.score if self.score is not None else 'SERVQUAL'}"
