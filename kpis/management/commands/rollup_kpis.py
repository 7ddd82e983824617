"""`manage.py rollup_kpis`: recompute the KPI snapshot rows of every dirty day."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpis.rollup import run_rollup


class Command(BaseCommand):
    help = "Recompute the daily KPI measures of every changed day (or of all history with --full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Recompute every family over all of history.")
        parser.add_argument("--since", help="Also recompute every day from this date (YYYY-MM-DD) to today.")

    def handle(self, *args: object, **options: object) -> None:
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(str(options["since"]))
            except ValueError as exc:
                raise CommandError(f"--since: {options['since']!r} is not a date of the form YYYY-MM-DD.") from exc
        result = run_rollup(full=bool(options["full"]), since=since)
        self.stdout.write(f"Rolled up {result['days']} days of {result['families']} families: {result['rows']} rows.")
