"""KPI snapshot tables written by the roll-up, the dirty days that tell it what to recompute, and targets."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
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


class NightlyRollup(models.Model):
    """The night a scheduled roll-up ran for: its unique date lets only the first of two beats (started by
    mistake) queue the night's roll-up."""

    night = models.DateField(_("night"), unique=True)
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("nightly roll-up")
        verbose_name_plural = _("nightly roll-ups")

    def __str__(self) -> str:
        return str(self.night)


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


class TargetPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    JALALI_MONTH = "jmonth", _("Jalali month")
    JALALI_QUARTER = "jquarter", _("Jalali quarter")


# What a period that does not start where it should is told, by kind.
PERIOD_START_ERRORS = {
    TargetPeriod.MONTH: _("A period starts on the first day of a month."),
    TargetPeriod.QUARTER: _("A quarter starts on 1 January, 1 April, 1 July or 1 October."),
    TargetPeriod.JALALI_MONTH: _("A Jalali month starts on its first day (1 Farvardin, 1 Ordibehesht …)."),
    TargetPeriod.JALALI_QUARTER: _("A Jalali quarter starts on 1 Farvardin, 1 Tir, 1 Mehr or 1 Dey."),
}


class Target(models.Model):
    """A goal for one KPI over one calendar month or quarter (Gregorian or Jalali), for the business, one
    person or one team.

    `value` is in the KPI's own unit (a rate as a fraction: 0.25 is 25 %). A target names at most one
    of `owner` and `team`; naming neither makes it the business's target. There is at most one target
    per KPI, period and scope. `kpi_key` is checked against the catalog in `clean()` rather than with
    field choices, so adding a KPI to the catalog needs no migration. How a value is judged against
    a target (pro-rating, on track / at risk / off track) is `kpis.targets.target_status`.
    """

    kpi_key = models.CharField(_("KPI"), max_length=40)
    period_kind = models.CharField(_("period"), max_length=8, choices=TargetPeriod.choices,
                                   default=TargetPeriod.MONTH)
    period_start = models.DateField(_("period start"),
                                    help_text=_("The first day of the month or quarter."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="kpi_targets")
    team = models.ForeignKey("crm.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="kpi_targets")
    value = models.DecimalField(_("target value"), max_digits=18, decimal_places=6,
                                help_text=_("In the KPI's unit; a rate as a fraction (0.25 is 25 %)."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kpi_key", "-period_start", "period_kind", "id"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        indexes = [models.Index(fields=["kpi_key", "period_start"], name="kpis_target_kpi_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(team__isnull=True), name="kpis_target_one_scope",
                violation_error_message=_("A target is for one person or one team, not both."),
            ),
            # NULLs never collide in a plain unique index, so each scope has its own partial one.
            models.UniqueConstraint(
                fields=["kpi_key", "period_kind", "period_start"], condition=Q(owner__isnull=True, team__isnull=True),
                name="kpis_target_unique_business",
                violation_error_message=_("The business already has a target for this KPI and period."),
            ),
            models.UniqueConstraint(
                fields=["kpi_key", "period_kind", "period_start", "owner"], condition=Q(owner__isnull=False),
                name="kpis_target_unique_owner",
                violation_error_message=_("This person already has a target for this KPI and period."),
            ),
            models.UniqueConstraint(
                fields=["kpi_key", "period_kind", "period_start", "team"], condition=Q(team__isnull=False),
                name="kpis_target_unique_team",
                violation_error_message=_("This team already has a target for this KPI and period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.period_kind} {self.period_start}: {self.value}"

    @property
    def period_end(self) -> date:
        """The last day of the month or quarter."""
        from kpis.periods import next_period_start

        return next_period_start(self.period_start, self.period_kind) - timedelta(days=1)

    def clean(self) -> None:
        from kpis.catalog import KPIS

        errors: dict[str, str] = {}
        if self.kpi_key and self.kpi_key not in KPIS:
            errors["kpi_key"] = _("Unknown KPI %(key)s.") % {"key": self.kpi_key}
        if self.period_start is not None and self.period_kind in PERIOD_START_ERRORS:
            from kpis.periods import period_start

            if period_start(self.period_start, self.period_kind) != self.period_start:
                errors["period_start"] = PERIOD_START_ERRORS[self.period_kind]
        if errors:
            raise ValidationError(errors)
