"""`manage.py setup_demo`: a demo business for `make run`, loaded once, plus one login per role."""

import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from crm.models import Deal, LostReason, Pipeline, Stage, Team
from dataset.generator.reference import PERSIAN_NAMES

NAMED_MODELS = {"pipeline": Pipeline, "stage": Stage, "lost_reason": LostReason, "team": Team}


class Command(BaseCommand):
    help = "Load a generated demo business (only into an empty database), roll up KPIs, print demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deals", type=int, default=3000, help="Size of the generated business.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: object, **options: object) -> None:
        if Deal.objects.exists():
            self.stdout.write("Data already present: the demo business is not loaded again.")
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "demo.jsonl"
                call_command("generate_dataset", "--deals", str(options["deals"]), "--seed", str(options["seed"]),
                             "--output", str(path))
                call_command("import_dataset", str(path), "--no-rollup")
            name_in_persian()
        call_command("rollup_kpis")
        call_command("seed_demo_users")


def name_in_persian() -> None:
    """Give the demo's pipelines, stages, lost reasons and teams their Persian names, where none is set."""
    for kind, names in PERSIAN_NAMES.items():
        for name, name_fa in names.items():
            NAMED_MODELS[kind].objects.filter(name=name, name_fa="").update(name_fa=name_fa)
