"""The stored search keys of contacts, companies and deals (core.search_text normalises them).

A key holds what a search should find a record by, including the names of records it points at: a
contact is found by its company's name, a deal by its company's and its contact's names. Reading those
through a join at search time would leave PostgreSQL's trigram index on one table unused and scan the
other, so they are copied into the key. The services and the importer set a record's key when they
write it, and `refresh_dependent_keys` rewrites the keys that copy a renamed (or merged) contact's or
company's name. `stale_search_keys` recomputes every key and reports the ones that differ: the test
suite and `manage.py search_keys --check` use it.
"""

from collections.abc import Collection, Iterator

from django.db.models import Q, QuerySet

from core.search_text import search_key
from crm.models import Company, Contact, Deal

BATCH_SIZE = 2000


def company_search_key(*, name: str, domain: str = "") -> str:
    return search_key(name, domain)


def contact_search_key(*, first_name: str, last_name: str = "", email: str = "", phone: str = "",
                       phone_e164: str = "", job_title: str = "", company_name: str = "") -> str:
    """Name, email, job title and company's name; the phone by its digits as typed and in E.164."""
    return search_key(first_name, last_name, email, job_title, company_name, phones=(phone, phone_e164))


def deal_search_key(*, title: str, company_name: str = "", contact_name: str = "") -> str:
    return search_key(title, company_name, contact_name)


def contact_name(first_name: str, last_name: str) -> str:
    return f"{first_name} {last_name}".strip()


def company_key_of(company: Company) -> str:
    return company_search_key(name=company.name, domain=company.domain)


def contact_key_of(contact: Contact) -> str:
    """The contact's key; reads `contact.company` (select_related it when keying many)."""
    return contact_search_key(first_name=contact.first_name, last_name=contact.last_name, email=contact.email,
                              phone=contact.phone, phone_e164=contact.phone_e164, job_title=contact.job_title,
                              company_name=contact.company.name if contact.company_id else "")


def deal_key_of(deal: Deal) -> str:
    """The deal's key; reads `deal.company` and `deal.contact` (select_related them when keying many)."""
    return deal_search_key(title=deal.title, company_name=deal.company.name if deal.company_id else "",
                           contact_name=contact_name(deal.contact.first_name, deal.contact.last_name))


KEYED = (
    (Company, lambda: Company.objects.all(), company_key_of),
    (Contact, lambda: Contact.objects.select_related("company"), contact_key_of),
    (Deal, lambda: Deal.objects.select_related("company", "contact"), deal_key_of),
)


def _batches(queryset: QuerySet) -> Iterator[list]:
    """The queryset in id order, BATCH_SIZE rows at a time, without holding every row in memory."""
    last_id = 0
    while batch := list(queryset.filter(pk__gt=last_id).order_by("pk")[:BATCH_SIZE]):
        yield batch
        last_id = batch[-1].pk


def _rewrite(queryset: QuerySet, key_of: object) -> int:
    """Store the recomputed key of each row of `queryset` whose key differs; how many were rewritten."""
    rewritten = 0
    for batch in _batches(queryset):
        changed = []
        for record in batch:
            key = key_of(record)
            if record.search_key != key:
                record.search_key = key
                changed.append(record)
        queryset.model.objects.bulk_update(changed, ["search_key"])
        rewritten += len(changed)
    return rewritten


def refresh_dependent_keys(*, company_ids: Collection[int] = (), contact_ids: Collection[int] = ()) -> int:
    """Rewrite the keys that copy the names of these companies or contacts: the companies' contacts, and
    the deals of the companies or contacts. Call it after a rename, a merge or an import that changed them."""
    rewritten = 0
    if company_ids:
        rewritten += _rewrite(Contact.objects.select_related("company").filter(company_id__in=company_ids),
                              contact_key_of)
    if company_ids or contact_ids:
        deals = Deal.objects.select_related("company", "contact").filter(
            Q(company_id__in=company_ids) | Q(contact_id__in=contact_ids))
        rewritten += _rewrite(deals, deal_key_of)
    return rewritten


def stale_search_keys(*, fix: bool = False) -> dict[str, int]:
    """How many stored keys differ from their recomputed value, per model label (rewritten with `fix`)."""
    stale: dict[str, int] = {}
    for model, queryset, key_of in KEYED:
        if fix:
            stale[model._meta.label] = _rewrite(queryset(), key_of)
            continue
        count = 0
        for batch in _batches(queryset()):
            count += sum(1 for record in batch if record.search_key != key_of(record))
        stale[model._meta.label] = count
    return stale
