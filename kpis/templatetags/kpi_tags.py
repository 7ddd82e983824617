"""Template helpers of the KPI pages: formatted values, sparklines and the Chart.js script tag."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kpis.dashboards.cards import Change
from kpis.formatting import format_change, format_value

register = template.Library()

SPARK_WIDTH, SPARK_HEIGHT = 120, 28


@register.filter
def kpi_value(value: float | int | None, unit: str) -> str:
    return format_value(value, unit)


@register.filter
def kpi_compact(value: float | int | None, unit: str) -> str:
    return format_value(value, unit, compact=True)


@register.filter
def kpi_change(change: Change | None, unit: str | None = None) -> str:
    return format_change(change, unit)


@register.filter
def percent_width(share: float | None) -> str:
    """A progress bar's width, 0–100, for an inline style."""
    if share is None:
        return "0"
    return f"{max(0.0, min(share, 1.0)) * 100:.1f}"


@register.simple_tag
def sparkline(values: list[float | int | None]) -> SafeString:
    """An SVG path of the values (gaps where a value is empty); decorative, the card states the value."""
    numbers = [float(v) for v in values if v is not None]
    if not numbers:
        return format_html('<svg class="sparkline" viewBox="0 0 {} {}" aria-hidden="true"></svg>', SPARK_WIDTH,
                           SPARK_HEIGHT)
    low, high = min(numbers), max(numbers)
    spread = (high - low) or 1.0
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    commands, pen_down = [], False
    for index, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        x = index * step if len(values) > 1 else SPARK_WIDTH / 2
        y = SPARK_HEIGHT - 2 - (float(value) - low) / spread * (SPARK_HEIGHT - 4)
        commands.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    path = " ".join(commands)
    dots = "" if len(numbers) > 1 else path.replace("M", "")
    if dots:
        cx, cy = dots.split()
        return format_html('<svg class="sparkline" viewBox="0 0 {} {}" aria-hidden="true"><circle cx="{}" cy="{}" '
                           'r="2"/></svg>', SPARK_WIDTH, SPARK_HEIGHT, cx, cy)
    return format_html('<svg class="sparkline" viewBox="0 0 {} {}" aria-hidden="true" preserveAspectRatio="none">'
                       '<path d="{}" vector-effect="non-scaling-stroke"/></svg>', SPARK_WIDTH, SPARK_HEIGHT, path)


@register.simple_tag
def chartjs_script() -> SafeString:
    """Chart.js from the CDN with its Subresource Integrity hash, or the self-hosted copy of the same file."""
    if settings.CHARTJS_SELF_HOSTED:
        return format_html('<script src="{}" defer></script>', static("vendor/chart.umd.min.js"))
    return format_html('<script src="{}" integrity="{}" crossorigin="anonymous" defer></script>',
                       settings.CHARTJS_CDN_URL, settings.CHARTJS_SRI)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **overrides: object) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in overrides.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
