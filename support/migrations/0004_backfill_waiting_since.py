"""Fill TicketMessage.waiting_since for the messages that existed before the field (data only)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Ticket = apps.get_model("support", "Ticket")
    TicketMessage = apps.get_model("support", "TicketMessage")
    changed = []
    for ticket in Ticket.objects.only("id", "created_at").iterator(chunk_size=2000):
        marker = ticket.created_at
        for message in TicketMessage.objects.filter(ticket_id=ticket.id).order_by("at", "id"):
            waiting_since = None
            if message.public and message.author == "customer":
                marker = marker or message.at
            elif message.public and message.author == "agent" and marker is not None:
                waiting_since, marker = marker, None
            if message.waiting_since != waiting_since:
                message.waiting_since = waiting_since
                changed.append(message)
        if len(changed) >= 2000:
            TicketMessage.objects.bulk_update(changed, ["waiting_since"])
            changed = []
    TicketMessage.objects.bulk_update(changed, ["waiting_since"])


class Migration(migrations.Migration):
    dependencies = [("support", "0003_ticketmessage_waiting_since")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
