from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        # The rules of which KPI days a change dirties, which every service and the importer call
        # through core.dirtying; importing the module registers them.
        from kpis import dirty_rules  # noqa: F401
