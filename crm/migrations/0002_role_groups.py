"""Create one Django group per role with the model permissions that role needs.

The pages and the API check roles through crm.permissions; these groups make the same
policy visible and usable in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "sales": {
        "crm": {"company": "vac", "contact": "vac", "deal": "vac", "dealstageentry": "v", "activity": "vacd",
                "campaign": "v", "campaignspend": "v", "pipeline": "v", "stage": "v", "lostreason": "v",
                "team": "v", "user": "v"},
        "support": {"ticket": "v", "ticketmessage": "v"},
        "surveys": {"survey": "v", "invitation": "v", "response": "v"},
    },
    "support": {
        "crm": {"company": "v", "contact": "v", "activity": "vac", "team": "v", "user": "v"},
        "support": {"ticket": "vac", "ticketmessage": "vac", "slapolicy": "v"},
        "surveys": {"survey": "v", "invitation": "va", "response": "v"},
    },
    "manager": {
        "crm": {"company": "vac", "contact": "vac", "deal": "vac", "dealstageentry": "v", "activity": "vacd",
                "campaign": "vac", "campaignspend": "vacd", "pipeline": "vac", "stage": "vac",
                "lostreason": "vacd", "team": "vac", "user": "v"},
        "support": {"ticket": "vac", "ticketmessage": "vac", "slapolicy": "vc"},
        "surveys": {"survey": "vac", "invitation": "vac", "response": "v"},
        "kpis": {"dailymeasure": "v", "rolluprun": "v"},
    },
}
ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def create_role_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, apps_models in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [
            (app_label, f"{ACTIONS[letter]}_{model}")
            for app_label, models in apps_models.items()
            for model, letters in models.items()
            for letter in letters
        ]
        for app_label, codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    admin_group, _ = Group.objects.get_or_create(name="admin")
    admin_group.permissions.set(Permission.objects.all())


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLE_PERMISSIONS, "admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
        ("support", "0001_initial"),
        ("surveys", "0001_initial"),
        ("kpis", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
