"""Forms of the KPI pages: the dashboard range controls and targets."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.amounts import amount_style
from core.forms import LocalInputForm, LocalInputModelForm
from core.jalali import persian_active
from crm import kpi_sources as crm_sources
from kpis.catalog import CATALOG, KPIS
from kpis.dashboards.ranges import GRAIN_LABELS, PRESETS, offered_presets
from kpis.models import Target, TargetPeriod
from kpis.periods import GRAINS


class RangeForm(LocalInputForm):
    """The range controls as shown: the page reads the query string with `dashboard_query`, which never fails."""

    preset = forms.ChoiceField(label=_("Range"), choices=list(PRESETS.items()), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grain = forms.ChoiceField(label=_("Grain"), choices=[(g, GRAIN_LABELS[g]) for g in GRAINS], required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = offered_presets(str(self.initial.get("preset") or ""))
        if persian_active():
            # A Persian user types the custom range in the Jalali calendar; `calendar` tells the page so.
            self.fields["calendar"] = forms.CharField(initial="jalali", required=False, widget=forms.HiddenInput)


class TargetForm(LocalInputModelForm):
    """A target as a manager enters it: a rate as a percentage (25 for 25 %), stored as a fraction."""

    kpi_key = forms.ChoiceField(label=_("KPI"), choices=[("", "—")] + [(k.key, k.name) for k in CATALOG])
    value = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=4,
                               help_text=_("In the KPI's unit; rates as a percentage (25 for 25 %)."))

    class Meta:
        model = Target
        fields = ["kpi_key", "period_kind", "period_start", "owner", "team", "value"]
        widgets = {"period_start": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = crm_sources.users().filter(is_active=True).order_by("username")
        self.fields["owner"].help_text = _("Leave person and team empty for the whole business.")
        self.fields["team"].queryset = crm_sources.teams().order_by("name")
        # Persian managers set targets by Jalali month or quarter (offered first); others by Gregorian ones.
        kinds = dict(TargetPeriod.choices)
        order = ([TargetPeriod.JALALI_MONTH, TargetPeriod.JALALI_QUARTER, TargetPeriod.MONTH, TargetPeriod.QUARTER]
                 if persian_active() else [TargetPeriod.MONTH, TargetPeriod.QUARTER])
        self.fields["period_kind"].choices = [(kind, kinds[kind]) for kind in order]
        if persian_active() and not self.is_bound and not self.instance.pk:
            self.initial.setdefault("period_kind", TargetPeriod.JALALI_MONTH)

    def clean_value(self) -> Decimal:
        value = self.cleaned_data["value"]
        kpi = KPIS.get(self.cleaned_data.get("kpi_key") or "")
        if kpi is not None and kpi.unit == "ratio":
            return value / 100
        if kpi is not None and kpi.unit in {"currency", "currency_per_day"}:
            return value * amount_style().divisor  # typed as the pages show amounts (toman), stored in rial
        return value
