"""Forms of the survey pages: the customer's answer, and staff creating and sending surveys."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import LocalInputForm
from crm.forms import picker
from crm.models import Company, Language, User
from surveys.models import SERVQUAL_DIMENSIONS, SERVQUAL_RANGE, Survey, SurveyKind

SERVQUAL_LABELS = {
    "tangibles": (_("Tangibles"), _("Modern equipment, clear materials, well-presented staff.")),
    "reliability": (_("Reliability"), _("Doing what was promised, dependably and accurately.")),
    "responsiveness": (_("Responsiveness"), _("Willingness to help and prompt service.")),
    "assurance": (_("Assurance"), _("Knowledgeable, courteous staff you can trust.")),
    "empathy": (_("Empathy"), _("Caring, individual attention.")),
}

SCALE_ENDS = {
    SurveyKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    SurveyKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    # The CES KPI reads 1 as the least effort, so the easy end comes first.
    SurveyKind.CES: (_("Very easy"), _("Very difficult")),
    SurveyKind.SERVQUAL: (_("Strongly disagree"), _("Strongly agree")),
}


def _scale(low: int, high: int) -> list[tuple[int, str]]:
    return [(value, str(value)) for value in range(low, high + 1)]


class AnswerForm(LocalInputForm):
    """A customer's answer: one score (NPS, CSAT, CES) or SERVQUAL's five pairs, and a comment.

    Scores come as radio choices; anything off the scale is a field error and nothing is stored.
    """

    comment = forms.CharField(label=_("Anything you would like to add? (optional)"), required=False,
                              max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        if survey.kind == SurveyKind.SERVQUAL:
            choices = _scale(*SERVQUAL_RANGE)
            for dimension in SERVQUAL_DIMENSIONS:
                self.fields[f"{dimension}_expectation"] = forms.TypedChoiceField(
                    label=_("What an excellent company would offer"), choices=choices, coerce=int,
                    widget=forms.RadioSelect, error_messages={"required": _("Please choose a value.")})
                self.fields[f"{dimension}_perception"] = forms.TypedChoiceField(
                    label=_("What we offered you"), choices=choices, coerce=int, widget=forms.RadioSelect,
                    error_messages={"required": _("Please choose a value.")})
        else:
            self.fields["score"] = forms.TypedChoiceField(
                label=_("Your answer"), choices=_scale(*survey.score_range),
                coerce=int, widget=forms.RadioSelect,
                error_messages={"required": _("Please choose a score."),
                                "invalid_choice": _("Please choose a score on the scale.")})
        self.order_fields([*(f for f in self.fields if f != "comment"), "comment"])

    def servqual(self) -> dict[str, dict[str, int]] | None:
        if self.survey.kind != SurveyKind.SERVQUAL:
            return None
        return {dimension: {side: self.cleaned_data[f"{dimension}_{side}"] for side in ("expectation", "perception")}
                for dimension in SERVQUAL_DIMENSIONS}

    def score(self) -> int | None:
        return self.cleaned_data.get("score")

    def servqual_rows(self) -> list[dict[str, object]]:
        """The five dimensions with their two bound fields, as the template lays them out."""
        return [{"dimension": dimension, "name": SERVQUAL_LABELS[dimension][0],
                 "description": SERVQUAL_LABELS[dimension][1],
                 "expectation": self[f"{dimension}_expectation"], "perception": self[f"{dimension}_perception"]}
                for dimension in SERVQUAL_DIMENSIONS]


class SurveyForm(LocalInputForm):
    """A new survey; empty questions take the kind's default wording in each language."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyKind.choices)
    question = forms.CharField(label=_("Question (English)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Leave both questions empty for the standard question of the kind."))
    question_fa = forms.CharField(label=_("Question (Persian)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2, "dir": "rtl", "lang": "fa"}),
                                  help_text=_("Persian-speaking contacts see the English question when this is "
                                              "empty."))
    send_after_ticket_resolved = forms.BooleanField(label=_("Send after a ticket is resolved (CSAT, CES)"),
                                                    required=False)
    ticket_delay_hours = forms.IntegerField(label=_("Hours after resolution"), min_value=0, max_value=24 * 30,
                                            initial=24)
    send_to_active_customers = forms.BooleanField(
        label=_("Send to active customers every quarter (NPS)"), required=False)


class SendForm(LocalInputForm):
    """Which contacts to invite by hand: the filters, then a preview of the count, then send."""

    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.order_by("name"), required=False,
                                     widget=picker("companies"))
    owner = forms.ModelChoiceField(label=_("Owner"), required=False,
                                   queryset=User.objects.filter(is_active=True).order_by("username"),
                                   widget=picker("users"))
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Any")), *Language.choices], required=False)
    customers_only = forms.BooleanField(label=_("Active customers only"), required=False)

    def filters(self) -> dict[str, object]:
        data = self.cleaned_data
        return {"company": data.get("company"), "owner": data.get("owner"), "language": data.get("language") or None,
                "customers_only": bool(data.get("customers_only"))}
