"""Staff: their roles, teams and the languages they (and contacts) speak."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES = "sales", _("Sales")
    SUPPORT = "support", _("Support")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    PERSIAN = "fa", _("Persian")


class Team(models.Model):
    """A group of staff; a user belongs to at most one. KPIs break down by a user's team now."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. The role decides what they may see and do (mirrored as a Django group)."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username
