from django.apps import AppConfig


class DatasetConfig(AppConfig):
    """Import and export of the JSON Lines dataset format and the demo business generator.

    It reads and writes every app's records, so it sits above them all (and above kpis, whose roll-up
    an import queues)."""

    name = "dataset"
    verbose_name = "Dataset"
