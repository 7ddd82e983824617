"""Surveys, their invitations and their responses (a SERVQUAL response's answers by dimension)."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.models import Contact
from dataset import fields as f
from dataset.engine import TEXT_MAX, Importer, _apply, _Item, _row_key, item_key
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Row, Section, _key, _ts
from support.models import Ticket
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey, SurveyKind
from surveys.services import validate_answer

SERVQUAL_FIELDS = tuple(
    f"{dim}_{side}" for dim in SERVQUAL_DIMENSIONS for side in ("expectation", "perception")
)
# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
SURVEY_KINDS = tuple(SurveyKind.values)
SERVQUAL = SurveyKind.SERVQUAL.value


def parse_survey(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    return _Item(
        line,
        ext,
        {
            "name": f.text(record, "name", 200, required=True, blank=False),
            "kind": f.choice(record, "kind", SURVEY_KINDS),
        },
    )


def write_survey(importer: Importer, items: list[_Item]) -> None:
    surveys = importer.cache("survey")
    rows = {
        _row_key("survey", s.external_id, s.pk): s
        for s in Survey.objects.filter(pk__in=[surveys[i.key][0] for i in items if i.key in surveys])
    }
    answered = set(
        Response.objects.filter(survey_id__in=[s.pk for s in rows.values()])
        .values_list("survey_id", flat=True)
        .distinct()
    )
    new, changed = [], []
    unchanged = 0
    for item in items:
        survey = rows.get(item.key)
        if survey is None:
            new.append(Survey(external_id=item.key, **item.data))
            continue
        if survey.kind != item.data["kind"] and survey.pk in answered:
            importer.fail_item(
                "survey",
                item,
                RecordError(
                    _("“kind” cannot change from %(old)s to %(new)s: the survey already has responses")
                    % {"old": survey.kind, "new": item.data["kind"]}
                ),
            )
            continue
        if _apply(survey, item.data):
            changed.append(survey)
        else:
            unchanged += 1
    Survey.objects.bulk_create(new)
    Survey.objects.bulk_update(changed, ["name", "kind"])
    for survey in [*new, *changed]:
        surveys[item_key(survey, "survey")] = (survey.pk, survey.kind)
    importer.count("survey", created=len(new), updated=len(changed), unchanged=unchanged)


def export_survey(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "survey", "external_id": _key("survey", r["external_id"], r["pk"]), "name": r["name"],
                 "kind": r["kind"]} for r in rows]

    return Section(Survey.objects.all(), ("external_id", "name", "kind"), build)


def parse_invitation(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    survey = importer.ref(importer.cache("survey"), "survey", record, "survey", required=True)
    return _Item(
        line,
        ext,
        {
            "survey_id": survey[0],
            "contact": f.key(record, "contact", required=True),
            "ticket": f.key(record, "ticket"),
            "sent_at": f.timestamp(record, "sent_at", required=True),
        },
    )


def write_invitation(importer: Importer, items: list[_Item]) -> None:
    """New and changed invitations mark their sending day and their answer's, as `invitation_create`
    and `invitation_delete` do (before and after a change)."""
    contacts = importer.lookup(Contact, "contact", {i.data["contact"] for i in items})
    tickets = importer.lookup(Ticket, "ticket", {i.data["ticket"] for i in items})
    existing = importer.existing(Invitation, "invitation", (i.key for i in items))
    new, changed = [], []
    unchanged = 0
    for item in items:
        values = dict(item.data)
        try:
            values["contact_id"] = importer.resolve(contacts, "contact", "contact", values.pop("contact"))
            values["ticket_id"] = importer.resolve(tickets, "ticket", "ticket", values.pop("ticket"))
        except RecordError as exc:
            importer.fail_item("invitation", item, exc)
            continue
        invitation = existing.get(item.key)
        if invitation is None:
            new.append({"external_id": item.key, **values})
            continue
        if _apply(invitation, values):
            changed.append(invitation)
        else:
            unchanged += 1
    changed_ids = [invitation.pk for invitation in changed]
    importer.note_records("invitations", Invitation, changed_ids)
    new_ids = importer.insert(Invitation, new, returning=True)
    Invitation.objects.bulk_update(changed, ["survey_id", "contact_id", "ticket_id", "sent_at"])
    importer.note_records("invitations", Invitation, [*changed_ids, *new_ids])
    importer.count("invitation", created=len(new), updated=len(changed), unchanged=unchanged)


def export_invitation(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "invitation", "external_id": _key("invitation", r["external_id"], r["pk"]),
                 "survey": keys.surveys[r["survey_id"]],
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "ticket": _key("ticket", r["ticket__external_id"], r["ticket_id"]), "sent_at": _ts(r["sent_at"])}
                for r in rows]

    fields = ("external_id", "survey_id", "contact_id", "contact__external_id", "ticket_id", "ticket__external_id",
              "sent_at")
    return Section(Invitation.objects.all(), fields, build)


def parse_response(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    survey_key = record.get("survey")
    survey_id, kind = importer.ref(importer.cache("survey"), "survey", record, "survey", required=True)
    score = record.get("score")
    servqual = record.get("servqual")
    if kind == SERVQUAL:
        if score is not None:
            raise RecordError(_("a SERVQUAL response has “servqual” instead of “score”"))
        if not isinstance(servqual, dict) or not all(isinstance(v, dict) for v in servqual.values()):
            raise RecordError(
                _("“servqual” must map each answered dimension to its expectation and perception")
            )
    elif servqual is not None:
        raise RecordError(_("only a SERVQUAL survey's response has “servqual”"))
    try:
        validate_answer(kind=kind, score=score, servqual=servqual)
    except ValidationError as exc:
        reasons = "; ".join(
            f"“{name}”: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
        raise RecordError(
            _("%(reasons)s (survey “%(survey)s” is %(kind)s)")
            % {"reasons": reasons, "survey": survey_key, "kind": kind}
        ) from None
    values = {
        "survey_id": survey_id,
        "invitation": f.key(record, "invitation"),
        "contact": f.key(record, "contact", required=True),
        "ticket": f.key(record, "ticket"),
        "answered_at": f.timestamp(record, "answered_at", required=True),
        "score": score,
        "comment": f.text(record, "comment", TEXT_MAX),
    }
    for name in SERVQUAL_FIELDS:
        values[name] = None
    for dimension, pair in (servqual or {}).items():
        values[f"{dimension}_expectation"] = pair["expectation"]
        values[f"{dimension}_perception"] = pair["perception"]
    return _Item(line, ext, values)


def write_response(importer: Importer, items: list[_Item]) -> None:
    """A new answer marks its day and its invitation's sending day, as `response_record` does; an answer
    changed in place (same moment, same invitation) only its own day, as `response_edit` does; any
    other change what it counted on before and counts on after."""
    contacts = importer.lookup(Contact, "contact", {i.data["contact"] for i in items})
    tickets = importer.lookup(Ticket, "ticket", {i.data["ticket"] for i in items})
    invitations = importer.lookup(Invitation, "invitation", {i.data["invitation"] for i in items})
    existing = importer.existing(Response, "response", (i.key for i in items))
    taken = dict(
        Response.objects.filter(invitation_id__in=invitations.values()).values_list("invitation_id", "pk")
    )
    claimed: set[int] = set()
    new, changed, rechecked = [], [], []
    answer_moments: list[datetime | date | None] = []
    unchanged = 0
    for item in items:
        values = dict(item.data)
        response = existing.get(item.key)
        try:
            values["contact_id"] = importer.resolve(contacts, "contact", "contact", values.pop("contact"))
            values["ticket_id"] = importer.resolve(tickets, "ticket", "ticket", values.pop("ticket"))
            invitation_key = values.pop("invitation")
            invitation_id = values["invitation_id"] = importer.resolve(
                invitations, "invitation", "invitation", invitation_key
            )
            owner = taken.get(invitation_id)
            if invitation_id is not None and (
                invitation_id in claimed or (owner is not None and owner != getattr(response, "pk", None))
            ):
                raise RecordError(
                    _("invitation “%(invitation)s” already has another response")
                    % {"invitation": invitation_key}
                )
        except RecordError as exc:
            importer.fail_item("response", item, exc)
            continue
        if invitation_id is not None:
            claimed.add(invitation_id)
        if response is None:
            new.append({"external_id": item.key, **values})
            continue
        in_place = (response.answered_at, response.invitation_id) == (values["answered_at"], invitation_id)
        if _apply(response, values):
            changed.append(response)
            if in_place:
                answer_moments.append(response.answered_at)
            else:
                rechecked.append(response.pk)
        else:
            unchanged += 1
    importer.note_records("responses", Response, rechecked)
    new_ids = importer.insert(Response, new, returning=True)
    Response.objects.bulk_update(
        changed,
        [
            "survey_id",
            "invitation_id",
            "contact_id",
            "ticket_id",
            "answered_at",
            "score",
            "comment",
            *SERVQUAL_FIELDS,
        ],
    )
    importer.note_records("responses", Response, [*rechecked, *new_ids])
    importer.note_moments("answer_moments", answer_moments)
    importer.count("response", created=len(new), updated=len(changed), unchanged=unchanged)


def export_response(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "response", "external_id": _key("response", r["external_id"], r["pk"]),
                 "survey": keys.surveys[r["survey_id"]],
                 "invitation": _key("invitation", r["invitation__external_id"], r["invitation_id"]),
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "ticket": _key("ticket", r["ticket__external_id"], r["ticket_id"]),
                 "answered_at": _ts(r["answered_at"]), "score": r["score"], "servqual": _servqual(r),
                 "comment": r["comment"]} for r in rows]

    fields = ("external_id", "survey_id", "invitation_id", "invitation__external_id", "contact_id",
              "contact__external_id", "ticket_id", "ticket__external_id", "answered_at", "score", "comment",
              *SERVQUAL_FIELDS)
    return Section(Response.objects.all(), fields, build)


def _servqual(row: Row) -> dict[str, dict[str, int | None]] | None:
    answered = {
        dim: {"expectation": row[f"{dim}_expectation"], "perception": row[f"{dim}_perception"]}
        for dim in SERVQUAL_DIMENSIONS
        if row[f"{dim}_expectation"] is not None or row[f"{dim}_perception"] is not None
    }
    return answered or None
