"""Trigram indexes on the search keys, on PostgreSQL: a contains-search (`LIKE '%word%'`) of a million
rows reads the index instead of every row. Other databases search the keys without one."""

from django.db import migrations

TABLES = ("crm_company", "crm_contact", "crm_deal")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} "
                              "USING gin (search_key gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("crm", "0018_fill_search_keys")]

    operations = [migrations.RunPython(create, drop)]
