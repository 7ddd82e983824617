"""`manage.py generate_dataset`: a seeded synthetic business in the dataset format (see dataset.generator)."""

import argparse
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dataset.generator import DatasetOptions, write_dataset
from dataset.generator.options import DEFAULT_DEALS, DEFAULT_END, DEFAULT_SEED


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Write a realistic synthetic business (staff, customers, deals, tickets, surveys) as JSON Lines. "
        "The same arguments always give the same bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deals", type=int, default=DEFAULT_DEALS,
                            help=f"number of deals; everything else scales with it (default {DEFAULT_DEALS})")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument("--start", type=_date, default=None,
                            help="first day, YYYY-MM-DD (default: two years before --end)")
        parser.add_argument("--end", type=_date, default=DEFAULT_END,
                            help=f"last day, YYYY-MM-DD (default {DEFAULT_END.isoformat()})")
        parser.add_argument("--output", default="-",
                            help="file to write, or - for standard output (default -)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["deals"] < 1:
            raise CommandError("--deals must be at least 1.")
        dataset = DatasetOptions(deals=options["deals"], seed=options["seed"], start=options["start"],
                                 end=options["end"])
        output = options["output"]
        started = time.monotonic()
        try:
            if output == "-":
                counts = write_dataset(dataset, lambda text: self.stdout.write(text, ending=""))
                self.stdout.flush()
            else:
                counts = self._write_file(dataset, Path(output))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        lines = sum(counts.values())
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        report = self.stderr if output == "-" else self.stdout
        rate = lines / max(seconds, 1e-9)
        report.write(f"{lines} records ({summary}) in {seconds:.1f} s, {rate:.0f} lines/s.",
                     style_func=lambda text: text)

    @staticmethod
    def _write_file(dataset: DatasetOptions, path: Path) -> dict[str, int]:
        """Writes next to `path` and renames at the end, so a failed run leaves no half-written file."""
        partial = path.with_name(path.name + ".partial")
        try:
            with open(partial, "w", encoding="utf-8", newline="\n") as stream:
                counts = write_dataset(dataset, stream.write)
            os.replace(partial, path)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from exc
        finally:
            if partial.exists():
                partial.unlink()
        return counts
