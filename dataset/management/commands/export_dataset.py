"""`manage.py export_dataset FILE.jsonl` (or `-` for standard output)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dataset.exporter import export_dataset
from dataset.importer import ORDER


class Command(BaseCommand):
    help = _("Export every record as a JSON Lines dataset that import_dataset reads back.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("the .jsonl file to write, or - for standard output"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        started = time.monotonic()
        if path == "-":
            export_dataset(self.stdout)
            return  # the summary would corrupt the data on standard output
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                counts = export_dataset(out)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from exc
        per_type = ", ".join(f"{name} {counts[name]}" for name in ORDER if counts[name])
        self.stdout.write(
            _("Exported %(total)d records in %(seconds).2f s: %(per_type)s.")
            % {
                "total": sum(counts.values()),
                "seconds": time.monotonic() - started,
                "per_type": per_type or "-",
            }
        )
