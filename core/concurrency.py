"""Optimistic concurrency: a record's `version` goes up on every save, and an edit made from an older
version is refused instead of silently overwriting someone else's change.

Pages put the version they showed in a hidden field, the API in the body (or an If-Match header);
the services compare it with the locked row's and raise `StaleEditError`, which pages show as a
message on the form and the API answers with 409.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext as _


class StaleEditError(Exception):
    """Someone else saved the record after the editor loaded it."""

    def __init__(self, *, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            _("Someone else changed this record while you were editing it. Reload it to see their change, "
              "then make yours again.")
        )


class VersionedModel(models.Model):
    """Adds `version`, raised by one on each save (bulk writes of the importer raise it themselves)."""

    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


def check_version(record: VersionedModel, expected_version: int | None) -> None:
    """Refuse the edit when the editor's version is not the stored one; None skips the check."""
    if expected_version is not None and int(expected_version) != record.version:
        raise StaleEditError(current_version=record.version)
