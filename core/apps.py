from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses and that uses no app: concurrency, the permission registry, API base classes,
    admin helpers, the CSV writer, the events hub, ids, dates and amounts."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core import ids  # noqa: F401  registers the `<id:...>` path converter before any URLconf loads

        connection_created.connect(_add_sqlite_functions)


def _add_sqlite_functions(sender: object, connection: object, **kwargs: object) -> None:
    """SQLite has no TRANSLATE; searches of small tables fold text with it (core/search_text.py)."""
    if connection.vendor == "sqlite":
        from core.search_text import sqlite_translate

        connection.connection.create_function("TRANSLATE", 3, sqlite_translate, deterministic=True)
