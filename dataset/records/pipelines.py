"""Pipelines and their stages, upserted by the stages' external_id in list order."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from crm.models import Pipeline, Stage
from dataset import fields as f
from dataset.engine import Importer, _apply, _Item, _row_key
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Row, Section, _children, _key


def parse(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    stages, seen = [], set()
    for index, entry in enumerate(f.array(record, "stages")):
        label = f"stages[{index}]"
        entry = f.obj(entry, label)
        stage_key = f.key(entry, "external_id", required=True)
        if stage_key in seen:
            raise RecordError(
                _("%(label)s repeats stage “%(stage)s”") % {"label": label, "stage": stage_key}
            )
        seen.add(stage_key)
        stages.append(
            (
                stage_key,
                f.text(entry, "name", 200, required=True, blank=False),
                _probability(entry.get("probability", 0), f"{label}.probability"),
            )
        )
    return _Item(
        line, ext, {"name": f.text(record, "name", 200, required=True, blank=False), "stages": stages}
    )


def _probability(value: Any, label: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RecordError(_("“%(field)s” must be a number from 0 to 1") % {"field": label})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RecordError(_("“%(field)s” must be a number from 0 to 1") % {"field": label}) from None
    if not number.is_finite() or not 0 <= number <= 1:
        raise RecordError(_("“%(field)s” must be a number from 0 to 1") % {"field": label})
    if number != number.quantize(Decimal("0.0001")):
        raise RecordError(_("“%(field)s” has more than 4 decimal places") % {"field": label})
    return number


def write(importer: Importer, items: list[_Item]) -> None:
    """Pipelines are few: written one by one; stages are upserted by external_id in list order."""
    pipelines, stages = importer.cache("pipeline"), importer.cache("stage")
    for item in items:
        pipeline_id = pipelines.get(item.key)
        try:
            for index, (stage_key, _name, _p) in enumerate(item.data["stages"]):
                owner = stages.get(stage_key)
                if owner is not None and owner[1] != pipeline_id:
                    raise RecordError(
                        _("stages[%(i)d] “%(stage)s” belongs to another pipeline")
                        % {"i": index, "stage": stage_key}
                    )
        except RecordError as exc:
            importer.fail_item("pipeline", item, exc)
            continue
        created = pipeline_id is None
        if pipeline_id is None:
            pipeline = Pipeline.objects.create(external_id=item.key, name=item.data["name"])
            pipelines[item.key] = pipeline_id = pipeline.pk
            changed = True
        else:
            changed = (
                Pipeline.objects.filter(pk=pipeline_id)
                .exclude(name=item.data["name"])
                .update(name=item.data["name"])
                > 0
            )
        rows = {
            _row_key("stage", s.external_id, s.pk): s
            for s in Stage.objects.filter(pipeline_id=pipeline_id)
        }
        new, updated, reprobed = [], [], []
        for position, (stage_key, name, probability) in enumerate(item.data["stages"]):
            stage = rows.get(stage_key)
            if stage is None:
                new.append(
                    Stage(
                        external_id=stage_key,
                        pipeline_id=pipeline_id,
                        name=name,
                        position=position,
                        probability=probability,
                    )
                )
                continue
            old_probability = stage.probability
            if _apply(stage, {"name": name, "position": position, "probability": probability}):
                updated.append(stage)
                if old_probability != probability:
                    reprobed.append(stage.pk)
        Stage.objects.bulk_create(new)
        Stage.objects.bulk_update(updated, ["name", "position", "probability"])
        for stage in new:
            stages[stage.external_id] = (stage.pk, pipeline_id)
        importer.note_records("stages", Stage, reprobed)  # as `stage_set_probability` marks a new probability
        changed = changed or bool(new or updated)
        importer.count(
            "pipeline",
            created=int(created),
            updated=int(changed and not created),
            unchanged=int(not changed),
        )


def export(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        stages = _children(Stage, "pipeline_id", [r["pk"] for r in rows], ("position", "id"), "id", "name",
                           "probability")
        return [{"type": "pipeline", "external_id": _key("pipeline", r["external_id"], r["pk"]), "name": r["name"],
                 "stages": [{"external_id": keys.stages[s["id"]], "name": s["name"],
                             "probability": float(s["probability"])} for s in stages[r["pk"]]]}
                for r in rows]

    return Section(Pipeline.objects.all(), ("external_id", "name"), build)
