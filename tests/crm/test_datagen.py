import io
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dataset.generator import DatasetOptions, reference, write_dataset
from dataset.generator.journeys import Business
from dataset.generator.options import RECORD_ORDER
from dataset.generator.writing import iter_lines, iter_records

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
MONEY = re.compile(r"\d+\.\d\d")
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 5)}
SERVQUAL_DIMENSIONS = {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}


def ts(value: str) -> datetime:
    assert TIMESTAMP.fullmatch(value), value
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(iter_lines(DatasetOptions(deals=3000, seed=7)))


@pytest.fixture(scope="module")
def records(lines) -> list[dict]:
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def by_type(records) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for record in records:
        out[record["type"]].append(record)
    return out


def test_same_seed_gives_the_same_bytes_and_another_seed_differs():
    first = "".join(iter_lines(DatasetOptions(deals=400, seed=3)))
    again = "".join(iter_lines(DatasetOptions(deals=400, seed=3)))
    other = "".join(iter_lines(DatasetOptions(deals=400, seed=4)))
    assert first == again
    assert first != other


def test_write_dataset_writes_what_iter_lines_yields_and_counts_it():
    options = DatasetOptions(deals=250, seed=5, start=date(2025, 1, 1), end=date(2025, 12, 31))
    out = io.StringIO()
    counts = write_dataset(options, out.write)
    text = out.getvalue()
    assert text == "".join(iter_lines(options))
    assert counts == dict(Counter(json.loads(line)["type"] for line in text.splitlines()))


def test_the_command_is_deterministic_and_writes_a_file(tmp_path: Path):
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"]
    for path, seed in zip(paths, ("1", "1", "2"), strict=True):
        call_command("generate_dataset", "--deals", "200", "--seed", seed, "--output", str(path),
                     stdout=io.StringIO())
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_the_command_writes_to_standard_output():
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_dataset", "--deals", "40", "--start", "2026-01-01", "--end", "2026-06-30",
                 stdout=out, stderr=err)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sum(r["type"] == "deal" for r in records) == 40
    assert "40 deal" in err.getvalue()


@pytest.mark.parametrize("args", [["--deals", "0"], ["--start", "2026-10-01", "--end", "2026-09-01"]])
def test_the_command_rejects_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("generate_dataset", *args, stdout=io.StringIO())


def test_records_come_in_the_format_order(records):
    ranks = [RECORD_ORDER.index(r["type"]) for r in records]
    assert ranks == sorted(ranks)
    assert set(RECORD_ORDER) == {r["type"] for r in records}


def test_every_reference_points_to_an_earlier_record(records):
    seen: dict[str, set[str]] = defaultdict(set)
    stage_pipeline = {}
    refs = {
        "user": {"team": "team"},
        "contact": {"company": "company", "source_campaign": "campaign", "owner": "user"},
        "deal": {"pipeline": "pipeline", "contact": "contact", "company": "company", "owner": "user",
                 "campaign": "campaign"},
        "ticket": {"contact": "contact", "assignee": "user"},
        "invitation": {"survey": "survey", "contact": "contact", "ticket": "ticket"},
        "response": {"survey": "survey", "invitation": "invitation", "contact": "contact",
                     "ticket": "ticket"},
    }
    for r in records:
        kind = r["type"]
        for field, target in refs.get(kind, {}).items():
            assert r[field] is None or r[field] in seen[target], (r, field)
        if kind == "deal":
            assert all(stage_pipeline[e["stage"]] == r["pipeline"] for e in r["stage_history"])
        if kind == "ticket":
            assert all(m["user"] is None or m["user"] in seen["user"] for m in r["messages"])
        if kind == "pipeline":
            stage_pipeline.update({s["external_id"]: r["external_id"] for s in r["stages"]})
        key = r["name"] if kind == "team" else r["username"] if kind == "user" else r["external_id"]
        assert key not in seen[kind], f"duplicate {kind} {key}"
        seen[kind].add(key)


def test_ids_follow_the_naming_scheme(by_type):
    for kind, prefix in [("company", "co"), ("contact", "ct"), ("deal", "d"), ("ticket", "t"),
                         ("invitation", "inv"), ("response", "r")]:
        ids = [r["external_id"] for r in by_type[kind]]
        assert ids == [f"{prefix}-{i}" for i in range(1, len(ids) + 1)]
    assert "sv-nps" in {s["external_id"] for s in by_type["survey"]}


def test_deals_follow_their_pipeline(by_type):
    stages = {p["external_id"]: [s["external_id"] for s in p["stages"]] for p in by_type["pipeline"]}
    for deal in by_type["deal"]:
        created = ts(deal["created_at"])
        history = deal["stage_history"]
        assert history[0]["entered_at"] == deal["created_at"]
        times = [ts(e["entered_at"]) for e in history]
        assert times == sorted(times)
        assert len(set(times)) == len(times)
        order = stages[deal["pipeline"]]
        assert [e["stage"] for e in history] == order[: len(history)]
        assert times[0] == created
        if deal["status"] == "open":
            assert deal["closed_at"] is None
            assert deal["lost_reason"] == ""
        else:
            assert ts(deal["closed_at"]) > times[-1]
            assert (deal["lost_reason"] != "") == (deal["status"] == "lost")
        assert MONEY.fullmatch(deal["amount"])
        assert (deal["currency"] == "USD") == (deal["exchange_rate"] is None)
        if deal["exchange_rate"] is not None:
            assert float(deal["exchange_rate"]) > 0


def test_upsells_and_renewals_come_after_a_won_deal(by_type):
    first_win: dict[str, datetime] = {}
    for deal in by_type["deal"]:
        if deal["status"] == "won":
            customer = deal["company"] or deal["contact"]
            closed = ts(deal["closed_at"])
            first_win[customer] = min(first_win.get(customer, closed), closed)
    for deal in by_type["deal"]:
        if deal["kind"] != "new":
            customer = deal["company"] or deal["contact"]
            assert customer in first_win
            assert ts(deal["created_at"]) > first_win[customer]


def test_churn_comes_after_the_first_win(by_type):
    first_win: dict[str, datetime] = {}
    for deal in by_type["deal"]:
        if deal["status"] == "won":
            customer = deal["company"] or deal["contact"]
            closed = ts(deal["closed_at"])
            first_win[customer] = min(first_win.get(customer, closed), closed)
    churned = [r for r in by_type["company"] + by_type["contact"] if r["churned_at"]]
    assert churned
    for record in churned:
        assert ts(record["churned_at"]) > first_win[record["external_id"]]
        assert record["churn_reason"]
    contacts_of_companies = [c for c in by_type["contact"] if c["company"]]
    assert not any(c["churned_at"] for c in contacts_of_companies)


def test_ticket_messages_stay_within_the_ticket_lifetime(by_type):
    for ticket in by_type["ticket"]:
        created = ts(ticket["created_at"])
        resolved = ts(ticket["resolved_at"]) if ticket["resolved_at"] else None
        messages = ticket["messages"]
        assert messages[0]["author"] == "customer"
        assert messages[0]["at"] == ticket["created_at"]
        times = [ts(m["at"]) for m in messages]
        assert times == sorted(times)
        assert times[0] >= created
        assert resolved is None or created <= times[-1] <= resolved
        for m in messages:
            assert m["public"] or m["author"] == "agent"
            assert (m["user"] is None) == (m["author"] == "customer")
        if ticket["assignee"] is None:
            assert resolved is None


def test_survey_answers_fit_their_kind_and_follow_the_invitation(by_type):
    kinds = {s["external_id"]: s["kind"] for s in by_type["survey"]}
    assert sorted(set(kinds.values())) == ["ces", "csat", "nps", "servqual"]
    tickets = {t["external_id"]: t for t in by_type["ticket"]}
    invitations = {i["external_id"]: i for i in by_type["invitation"]}
    for inv in invitations.values():
        if kinds[inv["survey"]] in ("csat", "ces"):
            ticket = tickets[inv["ticket"]]
            assert ticket["resolved_at"]
            assert ts(inv["sent_at"]) > ts(ticket["resolved_at"])
            assert ticket["contact"] == inv["contact"]
    answered = Counter()
    for response in by_type["response"]:
        kind = kinds[response["survey"]]
        if kind == "servqual":
            assert response["score"] is None
            assert set(response["servqual"]) == SERVQUAL_DIMENSIONS
            assert all(1 <= v <= 7 for pair in response["servqual"].values() for v in pair.values())
        else:
            low, high = SCORE_RANGES[kind]
            assert response["servqual"] is None
            assert low <= response["score"] <= high
        if response["invitation"] is not None:
            inv = invitations[response["invitation"]]
            answered[inv["external_id"]] += 1
            assert (inv["survey"], inv["contact"], inv["ticket"]) == (
                response["survey"], response["contact"], response["ticket"])
            assert ts(response["answered_at"]) > ts(inv["sent_at"])
    assert max(answered.values()) == 1


def test_timestamps_stay_in_the_period_with_mixed_offsets(lines, records):
    stamps = [s for line in lines for s in TIMESTAMP.findall(line)]
    assert all("2024-10-31" <= s[:10] <= "2026-10-31" for s in stamps)
    assert {s[-6:] for s in stamps} >= {"+00:00", "+03:30", "-05:00"}
    near_midnight = [s for s in stamps if s[11:16] in ("23:58", "23:59", "00:00", "00:01")]
    assert len(near_midnight) > 10


def test_the_business_looks_real(by_type):
    deals = by_type["deal"]
    assert len(deals) == 3000
    status = Counter(d["status"] for d in deals)
    assert 0.15 <= status["won"] / (status["won"] + status["lost"]) <= 0.4
    assert 0.08 <= status["open"] / len(deals) <= 0.25
    assert {"new", "upsell", "renewal"} == {d["kind"] for d in deals}
    assert 0.02 <= sum(d["currency"] != "USD" for d in deals) / len(deals) <= 0.1
    assert {"EUR", "GBP", "IRR"} <= {d["currency"] for d in deals}
    assert 0.1 <= sum(bool(d["campaign"]) for d in deals) / len(deals) <= 0.7
    contacts, companies = by_type["contact"], by_type["company"]
    assert 0.35 <= len(contacts) / len(deals) <= 0.7
    assert 0.15 <= len(companies) / len(contacts) <= 0.35
    assert {"en", "fa"} == {c["language"] for c in contacts}
    assert 0.8 <= len(by_type["ticket"]) / len(deals) <= 1.25
    assert 0.02 <= sum(t["resolved_at"] is None for t in by_type["ticket"]) / len(by_type["ticket"]) <= 0.1
    assert Counter(t["priority"] for t in by_type["ticket"]).most_common(1)[0][0] == "normal"
    assert 0.7 <= len(by_type["response"]) / len(deals) <= 1.3
    assert 1.15 <= len(by_type["invitation"]) / len(by_type["response"]) <= 1.5
    assert 5 <= len(by_type["campaign"]) <= 8
    roles = Counter(u["role"] for u in by_type["user"])
    assert roles["sales"] == 8
    assert set(roles) == {"sales", "support", "manager", "admin"}


def test_staff_grows_mildly_with_the_business():
    def reps(deals: int) -> int:
        business = Business(DatasetOptions(deals=deals))
        return len(business.reps)

    assert reps(300) < reps(3000) == 8 < reps(100_000) < reps(1_000_000) <= 220


def test_fast_lines_are_exactly_what_json_writes(lines):
    for line in lines:
        assert json.dumps(json.loads(line), ensure_ascii=False) + "\n" == line


def test_generated_text_needs_no_json_escaping():
    def strings(value: object):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, tuple | list):
            for v in value:
                yield from strings(v)

    constants = [v for name, v in vars(reference).items() if name.isupper()]
    texts = [s for c in constants for s in strings(c)]
    assert len(texts) > 300
    for text in texts:
        assert json.dumps(text, ensure_ascii=False) == f'"{text}"', text


def test_iter_records_parses_what_iter_lines_yields():
    options = DatasetOptions(deals=30)
    assert list(iter_records(options)) == [json.loads(line) for line in iter_lines(options)]


@pytest.mark.django_db
def test_a_generated_business_imports_cleanly(tmp_path: Path):
    path = tmp_path / "business.jsonl"
    call_command("generate_dataset", "--deals", "300", "--output", str(path), stdout=io.StringIO())
    call_command("import_dataset", str(path), "--no-rollup", stdout=io.StringIO())

    from crm.models import Deal
    from support.models import Ticket
    from surveys.models import Response

    counts = Counter(json.loads(line)["type"] for line in path.read_text(encoding="utf-8").splitlines())
    assert Deal.objects.count() == counts["deal"] == 300
    assert Ticket.objects.count() == counts["ticket"]
    assert Response.objects.count() == counts["response"]
