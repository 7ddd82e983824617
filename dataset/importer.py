"""The public entry of the import: `import_dataset` runs the engine (`dataset.engine`) over a file with the
record types of `dataset.records`, in one transaction, and queues the KPI roll-up once it commits.

Streaming and all-or-nothing: see `dataset.engine` for how lines are batched and written, and the record
types' modules for what each type parses, writes and exports. `ORDER`, `DatasetImportError` and
`ImportResult` are imported from here by the commands and the tests.
"""

import time
from collections.abc import Iterable

from django.db import connection, transaction

from crm.models import Campaign, CampaignSpend, Company, Contact, Deal, DealStageEntry
from dataset.engine import DatasetImportError, Importer, ImportResult
from dataset.records import ORDER, RECORD_TYPES
from kpis.models import DirtyDay
from support.models import Ticket, TicketMessage
from surveys.models import Invitation, Response, Survey

__all__ = ["ORDER", "RECORD_TYPES", "DatasetImportError", "ImportResult", "import_dataset"]


def _enqueue_rollup() -> None:
    from kpis.tasks import rollup_kpis_task

    rollup_kpis_task.delay()


def import_dataset(lines: Iterable[bytes | str], *, rollup: bool = True) -> ImportResult:
    """Import every line in one transaction; raise DatasetImportError (and write nothing) if any is bad.

    With `rollup`, the KPI roll-up is queued once the transaction commits. `robust` keeps a failing
    queue from turning a committed import into an error: the dirty days are saved, so the next
    roll-up (nightly at the latest) still recomputes them.
    """
    started = time.monotonic()
    importer = Importer(RECORD_TYPES)
    with transaction.atomic():
        importer.run(lines)
        if importer.error_count:
            raise DatasetImportError(importer.errors, importer.error_count)
        importer.result.dirty_days = importer.dirty.save()
        if rollup:
            transaction.on_commit(_enqueue_rollup, robust=True)
    if importer.result.created + importer.result.updated >= ANALYZE_AFTER_ROWS:
        _refresh_planner_statistics()
    importer.result.seconds = time.monotonic() - started
    return importer.result


# After a big import PostgreSQL's planner still believes the tables are as small as before (autovacuum
# analyses them only later), and picks plans that read every row; ANALYZE makes the first pages fast.
ANALYZE_AFTER_ROWS = 10_000


def _refresh_planner_statistics() -> None:
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Company, Contact, Campaign, CampaignSpend, Deal, DealStageEntry,
                                                  Ticket, TicketMessage, Survey, Invitation, Response, DirtyDay)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
