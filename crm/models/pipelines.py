"""Pipelines, their stages and the reasons a deal is lost."""

from decimal import Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.names import NamedInPersianToo


class Pipeline(NamedInPersianToo):
    """An ordered list of stages a deal moves through."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.display_name


# Rotting is on by default: a deal two weeks in one stage without moving is flagged on the board (managers
# change it per stage on the pipeline settings page; empty turns the flag off for that stage).
DEFAULT_IDLE_DAYS = 14
MAX_IDLE_DAYS = 3650  # ten years: more is a typo (and past what a date can add)


class Stage(NamedInPersianToo):
    """A step of a pipeline with the probability that a deal in it is won."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE,
                                 related_name="stages")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.DecimalField(_("win probability"), max_digits=5, decimal_places=4, default=Decimal("0"))
    idle_days = models.PositiveIntegerField(
        _("idle after days"), null=True, blank=True, default=DEFAULT_IDLE_DAYS,
        validators=[MaxValueValidator(MAX_IDLE_DAYS)],
        help_text=_("Deals longer than this in the stage are flagged on the board."),
    )

    class Meta:
        ordering = ["pipeline_id", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(condition=Q(probability__gte=0) & Q(probability__lte=1),
                                   name="crm_stage_probability_0_1",
                                   violation_error_message=_("Probability must be between 0 and 1.")),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.display_name} / {self.display_name}" if self.pipeline_id else self.display_name


class LostReason(NamedInPersianToo):
    """A reason a deal was lost, from a list staff can edit."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.display_name
