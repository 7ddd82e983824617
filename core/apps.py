from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses and that uses no app: concurrency, the permission registry, API base classes,
    admin helpers, the CSV writer, the events hub, ids, dates and amounts."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import ids  # noqa: F401  registers the `<id:...>` path converter before any URLconf loads
