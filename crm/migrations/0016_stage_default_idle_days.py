"""Rotting is on by default: stages that flag no idle deals yet flag them after 14 days in the stage."""

from django.db import migrations

DEFAULT_IDLE_DAYS = 14


def set_default_idle_days(apps, schema_editor) -> None:
    apps.get_model("crm", "Stage").objects.filter(idle_days__isnull=True).update(idle_days=DEFAULT_IDLE_DAYS)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0015_deal_expected_close_date_board_preference"),
    ]

    # Going back leaves the days: a stage set to 14 on purpose cannot be told from one set here.
    operations = [migrations.RunPython(set_default_idle_days, migrations.RunPython.noop)]
