"""The record types of the dataset format, one module per type or close group, each with its parse, write and
export functions side by side; the engine (`dataset.engine`) and the exporter iterate `RECORD_TYPES`.

    people.py     team, user           companies.py  company         campaigns.py  campaign (and spend)
    contacts.py   contact              pipelines.py  pipeline (and stages)
    deals.py      deal (and stage history)            tickets.py    ticket (and messages)
    surveys.py    survey, invitation, response

`parse(importer, record, line)` validates one line into an `_Item` (raising `RecordError`),
`write(importer, items)` writes a batch of them in bulk, and `export(keys)` returns the `Section` the
exporter reads. The table is in file order: each type after the types it names.
"""

from dataset.engine import RecordType
from dataset.records import campaigns, companies, contacts, deals, people, pipelines, surveys, tickets

RECORD_TYPES: dict[str, RecordType] = {
    "team": RecordType(parse=people.parse_team, write=people.write_team, export=people.export_team),
    "user": RecordType(parse=people.parse_user, write=people.write_user, export=people.export_user),
    "company": RecordType(parse=companies.parse, write=companies.write, export=companies.export),
    "campaign": RecordType(parse=campaigns.parse, write=campaigns.write, export=campaigns.export),
    "contact": RecordType(parse=contacts.parse, write=contacts.write, export=contacts.export),
    "pipeline": RecordType(parse=pipelines.parse, write=pipelines.write, export=pipelines.export),
    "deal": RecordType(parse=deals.parse, write=deals.write, export=deals.export),
    "ticket": RecordType(parse=tickets.parse, write=tickets.write, export=tickets.export),
    "survey": RecordType(parse=surveys.parse_survey, write=surveys.write_survey, export=surveys.export_survey),
    "invitation": RecordType(
        parse=surveys.parse_invitation, write=surveys.write_invitation, export=surveys.export_invitation
    ),
    "response": RecordType(
        parse=surveys.parse_response, write=surveys.write_response, export=surveys.export_response
    ),
}
ORDER = tuple(RECORD_TYPES)
