"""Template helpers of the support pages."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_text(seconds: int | float | None) -> str:
    """A span of time as people read an SLA clock: "45 minutes", "3 h 20 min", "2 d 4 h"."""
    if seconds is None:
        return ""
    minutes = int(seconds) // 60
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
