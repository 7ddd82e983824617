"""Tags: one vocabulary shared by contacts, companies and deals, so a list can be cut by the same word."""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    """A label people put on records; "VIP" and "vip" are one tag (the first spelling is kept)."""

    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(Lower("name"), name="crm_tag_name_unique_ci",
                                               violation_error_message=_("A tag with this name exists."))]

    def __str__(self) -> str:
        return self.name
