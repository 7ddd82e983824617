"""Fill the normalised email, phone and name of the contacts and companies that existed before them."""

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor):
    from crm.normalize import contact_normalized_fields, normalize_name

    Contact = apps.get_model("crm", "Contact")
    Company = apps.get_model("crm", "Company")
    last = 0
    while True:
        batch = list(Contact.objects.filter(pk__gt=last).order_by("pk")
                     .only("pk", "first_name", "last_name", "email", "phone")[:BATCH])
        if not batch:
            break
        for contact in batch:
            keys = contact_normalized_fields({"email": contact.email, "phone": contact.phone,
                                              "first_name": contact.first_name, "last_name": contact.last_name})
            for name, value in keys.items():
                setattr(contact, name, value)
        Contact.objects.bulk_update(batch, ["email_normalized", "phone_e164", "full_name_normalized"])
        last = batch[-1].pk
    last = 0
    while True:
        batch = list(Company.objects.filter(pk__gt=last).order_by("pk").only("pk", "name")[:BATCH])
        if not batch:
            break
        for company in batch:
            company.name_normalized = normalize_name(company.name)
        Company.objects.bulk_update(batch, ["name_normalized"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_contact_company_normalized_keys")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
