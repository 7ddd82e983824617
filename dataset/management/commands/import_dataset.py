"""`manage.py import_dataset FILE.jsonl` (or `-` for standard input)."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dataset.importer import DatasetImportError, import_dataset


class Command(BaseCommand):
    help = _("Import a JSON Lines dataset (see docs/DATASET_FORMAT.md): all or nothing, updating by external_id.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("the .jsonl file, or - for standard input"))
        parser.add_argument(
            "--no-rollup",
            action="store_true",
            help=_("do not queue the KPI roll-up after the import (the dirty days are kept)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        rollup = not options["no_rollup"]
        try:
            if path == "-":
                # Bytes when available: json decodes them, and a bad byte fails one line, not the read.
                result = import_dataset(getattr(sys.stdin, "buffer", sys.stdin), rollup=rollup)
            else:
                with open(path, "rb") as stream:
                    result = import_dataset(stream, rollup=rollup)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from exc
        except DatasetImportError as exc:
            raise CommandError(exc.message()) from exc
        self.stdout.write(result.summary())
