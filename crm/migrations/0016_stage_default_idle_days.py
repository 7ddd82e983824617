"""Rotting is on by default: new stages flag idle deals after 14 days in the stage, and stages that flag none
yet do so too."""

import django.core.validators
from django.db import migrations, models

DEFAULT_IDLE_DAYS = 14


def set_default_idle_days(apps, schema_editor) -> None:
    apps.get_model("crm", "Stage").objects.filter(idle_days__isnull=True).update(idle_days=DEFAULT_IDLE_DAYS)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0015_deal_expected_close_date_board_preference"),
    ]

    # Going back leaves the days: a stage set to 14 on purpose cannot be told from one set here.
    operations = [
        migrations.AlterField(
            model_name="stage", name="idle_days",
            field=models.PositiveIntegerField(
                blank=True, default=DEFAULT_IDLE_DAYS, null=True, verbose_name="idle after days",
                validators=[django.core.validators.MaxValueValidator(3650)],
                help_text="Deals longer than this in the stage are flagged on the board."),
        ),
        migrations.RunPython(set_default_idle_days, migrations.RunPython.noop),
    ]
