"""Fill the search keys of the companies, contacts and deals that existed before them."""

from django.db import migrations

BATCH = 2000


def _fill(model, related, key_of):
    last = 0
    while batch := list(model.objects.select_related(*related).filter(pk__gt=last).order_by("pk")[:BATCH]):
        for record in batch:
            record.search_key = key_of(record)
        model.objects.bulk_update(batch, ["search_key"])
        last = batch[-1].pk


def fill(apps, schema_editor):
    from crm.search_keys import company_key_of, contact_key_of, deal_key_of

    _fill(apps.get_model("crm", "Company"), (), company_key_of)
    _fill(apps.get_model("crm", "Contact"), ("company",), contact_key_of)
    _fill(apps.get_model("crm", "Deal"), ("company", "contact"), deal_key_of)


class Migration(migrations.Migration):
    dependencies = [("crm", "0017_search_keys")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
