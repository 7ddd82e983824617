"""Writing the dataset: records in the file's order as JSON Lines.

The file wants records grouped by type, so `_pieces` writes companies straight out and spools the other
per-customer types to temporary files, then concatenates them: memory stays flat however many deals are
asked for. The high-volume types are turned into JSON by f-string templates (`_FAST_LINES`), byte for
byte what `json.dumps` gives but several times quicker; the tests hold them to that.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from typing import TextIO

from .journeys import Business
from .options import DatasetOptions, Record

_SPOOLED = ("contact", "deal", "ticket", "invitation", "response")


def _unserializable(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Record], str]:
    """`json.dumps(record, ensure_ascii=False)`, faster: the C encoder is built once, not per record."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # not CPython's accelerated json
        return json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    iterencode = c_make_encoder(
        None, _unserializable, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    return lambda record: "".join(iterencode(record, 0))


# Fast JSON for the high-volume types: the same text `json.dumps(record, ensure_ascii=False)` gives
# (tests compare them on whole datasets), three to five times quicker. Valid only because every string
# in these records is plain: made from the reference data, none with a quote, a backslash or a
# control character.


def _s(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def _company_line(r: Record) -> str:
    return (
        f'{{"type": "company", "external_id": "{r["external_id"]}", "name": "{r["name"]}", '
        f'"created_at": "{r["created_at"]}", "churned_at": {_s(r["churned_at"])}, '
        f'"churn_reason": "{r["churn_reason"]}"}}\n'
    )


def _contact_line(r: Record) -> str:
    return (
        f'{{"type": "contact", "external_id": "{r["external_id"]}", "first_name": "{r["first_name"]}", '
        f'"last_name": "{r["last_name"]}", "email": "{r["email"]}", "phone": "{r["phone"]}", '
        f'"company": {_s(r["company"])}, "source_campaign": {_s(r["source_campaign"])}, '
        f'"owner": {_s(r["owner"])}, "language": "{r["language"]}", "created_at": "{r["created_at"]}", '
        f'"churned_at": {_s(r["churned_at"])}, "churn_reason": "{r["churn_reason"]}"}}\n'
    )


def _deal_line(r: Record) -> str:
    history = ", ".join(
        [f'{{"stage": "{e["stage"]}", "entered_at": "{e["entered_at"]}"}}' for e in r["stage_history"]]
    )
    return (
        f'{{"type": "deal", "external_id": "{r["external_id"]}", "title": "{r["title"]}", '
        f'"pipeline": "{r["pipeline"]}", "contact": "{r["contact"]}", "company": {_s(r["company"])}, '
        f'"owner": "{r["owner"]}", "amount": "{r["amount"]}", "currency": "{r["currency"]}", '
        f'"exchange_rate": {_s(r["exchange_rate"])}, "kind": "{r["kind"]}", "campaign": {_s(r["campaign"])}, '
        f'"created_at": "{r["created_at"]}", "stage_history": [{history}], "status": "{r["status"]}", '
        f'"closed_at": {_s(r["closed_at"])}, "lost_reason": "{r["lost_reason"]}"}}\n'
    )


def _ticket_line(r: Record) -> str:
    messages = ", ".join([
        f'{{"at": "{m["at"]}", "author": "{m["author"]}", "user": {_s(m["user"])}, '
        f'"public": {"true" if m["public"] else "false"}, "body": "{m["body"]}"}}'
        for m in r["messages"]
    ])
    return (
        f'{{"type": "ticket", "external_id": "{r["external_id"]}", "subject": "{r["subject"]}", '
        f'"contact": "{r["contact"]}", "assignee": {_s(r["assignee"])}, "priority": "{r["priority"]}", '
        f'"channel": "{r["channel"]}", "created_at": "{r["created_at"]}", '
        f'"resolved_at": {_s(r["resolved_at"])}, "messages": [{messages}]}}\n'
    )


def _invitation_line(r: Record) -> str:
    return (
        f'{{"type": "invitation", "external_id": "{r["external_id"]}", "survey": "{r["survey"]}", '
        f'"contact": "{r["contact"]}", "ticket": {_s(r["ticket"])}, "sent_at": "{r["sent_at"]}"}}\n'
    )


def _response_line(r: Record) -> str:
    servqual = r["servqual"]
    if servqual is None:
        servqual_json = "null"
    else:
        servqual_json = "{" + ", ".join([
            f'"{dim}": {{"expectation": {v["expectation"]}, "perception": {v["perception"]}}}'
            for dim, v in servqual.items()
        ]) + "}"
    score = r["score"]
    return (
        f'{{"type": "response", "external_id": "{r["external_id"]}", "survey": "{r["survey"]}", '
        f'"invitation": {_s(r["invitation"])}, "contact": "{r["contact"]}", "ticket": {_s(r["ticket"])}, '
        f'"answered_at": "{r["answered_at"]}", "score": {"null" if score is None else score}, '
        f'"servqual": {servqual_json}, "comment": "{r["comment"]}"}}\n'
    )


_FAST_LINES: dict[str, Callable[[Record], str]] = {
    "company": _company_line, "contact": _contact_line, "deal": _deal_line, "ticket": _ticket_line,
    "invitation": _invitation_line, "response": _response_line,
}


def _replay(spool: TextIO, *, whole_lines: bool) -> Iterator[str]:
    """A spool's text from its start, by lines or in chunks of about a megabyte; then closes it."""
    spool.flush()
    spool.seek(0)
    if whole_lines:
        yield from spool
    else:
        while chunk := spool.read(1 << 20):
            yield chunk
    spool.close()


def _records_after(business: Business, kind: str) -> Iterator[Record]:
    """The records the file holds after a spooled type: pipelines after contacts, surveys after tickets."""
    if kind == "contact":
        return iter(business.pipeline_records())
    if kind == "ticket":
        return iter(business.survey_records())
    return iter(())


def _pieces(business: Business, *, whole_lines: bool) -> Iterator[str]:
    """The dataset's text in file order: single lines, or (`whole_lines=False`) also large chunks.

    Companies stream straight through; the other per-customer types are spooled to temporary
    files during the single pass over customers and replayed in order afterwards.
    """
    encode = _make_encoder()
    for record in business.staff_records():
        yield encode(record) + "\n"
    spools: dict[str, TextIO] = {
        kind: tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
        for kind in _SPOOLED
    }
    try:
        writers = {kind: spool.write for kind, spool in spools.items()}
        lines = _FAST_LINES
        for record in business.customers():
            kind = record["type"]
            if kind == "company":
                yield lines[kind](record)
            else:
                writers[kind](lines[kind](record))
        for record in business.campaign_records:
            yield encode(record) + "\n"
        for kind in _SPOOLED:
            yield from _replay(spools[kind], whole_lines=whole_lines)
            yield from (encode(record) + "\n" for record in _records_after(business, kind))
    finally:
        for spool in spools.values():
            spool.close()


def iter_lines(options: DatasetOptions) -> Iterator[str]:
    """The dataset as JSON lines (each ending in a newline) in the file's record order."""
    yield from _pieces(Business(options), whole_lines=True)


def iter_records(options: DatasetOptions) -> Iterator[Record]:
    """The records as dicts in file order, parsed back from `iter_lines` (for tests and small sets)."""
    for line in iter_lines(options):
        yield json.loads(line)


def write_dataset(options: DatasetOptions, write: Callable[[str], object]) -> dict[str, int]:
    """Writes the dataset through `write` in pieces of about a megabyte; returns the count of each type."""
    business = Business(options)
    buffer: list[str] = []
    size = 0
    for piece in _pieces(business, whole_lines=False):
        buffer.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            write("".join(buffer))
            buffer.clear()
            size = 0
    if buffer:
        write("".join(buffer))
    return business.counts()
