"""Fill the search keys of the tickets that existed before them."""

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from core.search_text import search_key

    Ticket = apps.get_model("support", "Ticket")
    last = 0
    while batch := list(Ticket.objects.filter(pk__gt=last).order_by("pk").only("pk", "subject")[:BATCH]):
        for ticket in batch:
            ticket.search_key = search_key(ticket.subject)
        Ticket.objects.bulk_update(batch, ["search_key"])
        last = batch[-1].pk


def create_index(apps, schema_editor):
    """A trigram index on PostgreSQL, as crm's migration 0019 gives contacts, companies and deals."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS support_ticket_search_trgm ON support_ticket "
                              "USING gin (search_key gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS support_ticket_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("support", "0013_ticket_search_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
                  migrations.RunPython(create_index, drop_index)]
