"""Names staff give to shared lists (pipelines, stages, lost reasons, teams) in English and Persian.

A Persian page shows a stage as «پیشنهاد», an English one as "Proposal": the record keeps both, and
`display_name` picks the one for the active language, falling back to the English name when no Persian
one was given (so a business that never fills `name_fa` sees what it typed).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jalali import persian_active


class NamedInPersianToo(models.Model):
    """An abstract model with a Persian name beside its `name`."""

    name_fa = models.CharField(_("Persian name"), max_length=200, blank=True,
                               help_text=_("Shown on Persian pages and in Persian emails; the name when empty."))

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return self.name_fa if self.name_fa and persian_active() else self.name  # type: ignore[attr-defined]


def display_name_of(name: str, name_fa: str) -> str:
    """`display_name` for values read without the model (a values_list, a KPI label)."""
    return name_fa if name_fa and persian_active() else name
