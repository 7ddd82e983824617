"""Random broken lines into the importer: each is refused with a message naming its line, or (when the
break happens to leave a valid record) imported; never a crash, and a refused line writes nothing."""

import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataset.importer import DatasetImportError, import_dataset
from kpis.models import DirtyDay
from tests.crm.test_dataset import MODELS, base_records
from tests.drills.bad_lines import bad_line

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    """Counts and contents that a refused import must leave exactly as they were."""
    state: dict[str, object] = {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}
    state["dirty"] = list(DirtyDay.objects.values_list("family", "day"))
    return state


@pytest.fixture
def loaded_business():
    import_dataset([__import__("json").dumps(r) for r in base_records()], rollup=False)
    DirtyDay.objects.all().delete()


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_a_random_bad_line_is_refused_cleanly_or_imported(loaded_business, rng: random.Random):
    how, line = bad_line(rng, base_records())
    before = snapshot()
    refused: DatasetImportError | None = None
    with transaction.atomic():
        try:
            import_dataset([line], rollup=False)
        except DatasetImportError as error:
            refused = error
            after = snapshot()
        transaction.set_rollback(True)  # an accepted line is undone so the next example starts the same
    if refused is not None:
        assert refused.errors, how
        assert refused.errors[0][0] == 1, how
        assert "line 1: " in str(refused), how
        assert after == before, f"{how}: a refused line wrote something"
