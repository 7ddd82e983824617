"""The default SLA targets of KPI_SPEC.md (calendar hours: first response / resolution)."""

from django.db import migrations

DEFAULTS = {"urgent": (1, 8), "high": (4, 24), "normal": (8, 72), "low": (24, 168)}


def create_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("support", "SlaPolicy")
    for priority, (first_response, resolution) in DEFAULTS.items():
        SlaPolicy.objects.get_or_create(
            priority=priority, defaults={"first_response_hours": first_response, "resolution_hours": resolution}
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
