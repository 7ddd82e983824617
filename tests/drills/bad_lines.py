"""Random bad JSONL lines for the importer drill: each starts from a valid record and breaks it.

Shared by the hypothesis test (tests/crm/test_import_fuzz.py, a few hundred lines in CI) and the
drill script (bench/drill_bad_input.py, 10,000 lines by hand).
"""

import json
import random
from typing import Any

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, 10**30, -(10**30), float("1e308"), "", " ", "x" * 10_000, "٣٤٥", "🙂",
    "2025-13-45T99:99:99+00:00", "2025-02-30", "NaN", "null", "\u0000", "<script>", "1e5", "-0.00", [], {},
    [1, 2], {"a": 1}, "../../etc/passwd", "'; DROP TABLE crm_deal; --",
]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a record (keys of objects, indexes of lists)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _set(record: Any, path: tuple, value: Any, delete: bool = False) -> None:
    for step in path[:-1]:
        record = record[step]
    if delete:
        del record[path[-1]]
    else:
        record[path[-1]] = value


def bad_line(rng: random.Random, records: list[dict[str, Any]]) -> tuple[str, bytes]:
    """(what was done, the line): a valid record broken in one random way."""
    record = json.loads(json.dumps(rng.choice(records)))
    text = json.dumps(record, ensure_ascii=False)
    how = rng.choice(["truncate", "value", "delete", "type", "bytes", "wrap", "duplicate-key"])
    if how == "truncate":
        cut = rng.randrange(0, len(text))
        return how, text[:cut].encode()
    if how == "bytes":
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 5)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return how, bytes(raw)
    if how == "wrap":
        return how, json.dumps(rng.choice([[record], "record", 42, None, [], {"record": record}])).encode()
    if how == "duplicate-key":
        return how, (text[:-1] + ', "type": ' + json.dumps(rng.choice(["deal", "nope", 1])) + "}").encode()
    paths = _paths(record)
    path = rng.choice(paths)
    if how == "delete":
        _set(record, path, None, delete=True)
    elif how == "type":
        record["type"] = rng.choice(["", "Deal", "lead", 7, None, "ticket ", "company\n"])
    else:
        _set(record, path, rng.choice(ODD_VALUES))
    return f"{how} {'.'.join(map(str, path))}", json.dumps(record, ensure_ascii=False).encode()
