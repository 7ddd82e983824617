"""Staff: their roles, teams and the languages they (and contacts) speak."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.names import NamedInPersianToo


class Role(models.TextChoices):
    SALES = "sales", _("Sales")
    SUPPORT = "support", _("Support")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    PERSIAN = "fa", _("Persian")


def business_language() -> str:
    """The business's language (CRM_LANGUAGE): what a new contact or email template is written in unless
    someone says otherwise. A callable default, so changing the setting needs no migration."""
    return settings.LANGUAGE_CODE


class Team(NamedInPersianToo):
    """A group of staff; a user belongs to at most one. KPIs break down by a user's team now."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.display_name


class BoardScope(models.TextChoices):
    """Whose open deals the deal board shows."""

    MINE = "mine", _("My deals")
    TEAM = "team", _("My team")
    EVERYONE = "all", _("Everyone")


class User(AbstractUser):
    """A member of staff. The role decides what they may see and do (mirrored as a Django group)."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # Empty means "never chose": pages follow the browser's Accept-Language, then CRM_LANGUAGE, and emails
    # to them are in CRM_LANGUAGE. The header's language button (or the admin) saves a choice that then wins.
    language = models.CharField(_("language"), max_length=2, blank=True, default="",
                                choices=[("", _("Follow the browser")), *Language.choices])
    # The deal board opens where the user left it: empty means "not chosen yet" (the role's default).
    board_scope = models.CharField(_("board shows"), max_length=4, choices=BoardScope.choices, blank=True)
    board_pipeline = models.ForeignKey("crm.Pipeline", verbose_name=_("last board pipeline"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username
