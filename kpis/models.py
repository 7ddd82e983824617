"""KPI snapshot tables written by the roll-up, and the dirty days that tell it what to recompute."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DirtyDay(models.Model):
    """A local day whose measures of one family must be recomputed.

    Written in the same transaction as the change that dirties it, so no broker or worker
    failure can lose a recompute. Rows are append-only; the roll-up deletes the ids it read.
    """

    day = models.DateField(_("day"))
    family = models.CharField(_("family"), max_length=20)

    class Meta:
        verbose_name = _("dirty day")
        verbose_name_plural = _("dirty days")

    def __str__(self) -> str:
        return f"{self.family} {self.day}"


class DailyMeasure(models.Model):
    """One additive daily component of the KPIs, for the whole business (dimension "") or one group.

    Flow measures are summed over a range; `*_delta` measures are daily changes of a state, summed
    from the beginning of time; `*_level` measures are a day's value, read at the range's end.
    """

    day = models.DateField(_("day"))
    measure = models.CharField(_("measure"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=30, blank=True)
    member = models.CharField(_("member"), max_length=100, blank=True)
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("daily measure")
        verbose_name_plural = _("daily measures")
        constraints = [
            models.UniqueConstraint(fields=["measure", "dimension", "day", "member"], name="kpis_measure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.dimension}={self.member}: {self.value}"


class RollupRun(models.Model):
    """A finished roll-up: when it ran, how many days it recomputed and how long it took."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    days = models.PositiveIntegerField(_("days recomputed"))
    rows = models.PositiveIntegerField(_("rows written"))
    full = models.BooleanField(_("full"), default=False)

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.days} days)"
