"""A catch-up in large batches (each reading its entities' current rows at once) writes exactly
what one event at a time writes, and a projection failing in the middle of a batch leaves
nothing of that batch half-applied.

The history: a cohort of cases saved in one transaction (as an import saves them), part of it
projected one event at a time first, so the large batch meets both cases it has rows for and
new ones. The failing projection is the real candidates projection, made to raise after it has
written an event's rows (they are buffered in the batch's transaction).
"""

from __future__ import annotations

from typing import ClassVar

import pytest

from domain.values import MassOrganization
from projections import all_projections
from projections.candidates import CandidatesProjection
from projections.framework import Apply, Projection
from projections.runner import reset_projection
from service.read_models import ProjectionFailed, ReadModels
from tests.projections.cases import BulkCase, bulk_cases, establish_tree
from tests.projections.conftest import TENANT, World
from tests.projections.test_rebuild import Dump, dump_read_models


class FailingCandidates(CandidatesProjection):
    """The candidates projection, failing on the event at :attr:`poison` after its writes."""

    poison: ClassVar[int | None] = None

    def apply(self, change: Apply) -> None:
        super().apply(change)
        if change.position == self.poison:
            raise RuntimeError("test: a projection failing in the middle of a batch")


def _with_failing() -> list[Projection]:
    return [
        FailingCandidates() if isinstance(p, CandidatesProjection) else p for p in all_projections()
    ]


def _reset(read_models: ReadModels) -> None:
    projector = read_models.projector(TENANT)
    with projector.db.transaction() as tx:
        for projection in projector.projections:
            reset_projection(tx, projection)


def _one_at_a_time(world: World, events: int | None = None) -> ReadModels:
    """Projections one event per transaction (the first ``events`` events, or all)."""
    read_models = ReadModels(world.store, batch_size=1, inline=False)
    read_models.projector(TENANT).catch_up(max_batches=events)
    return read_models


def _dump(read_models: ReadModels) -> Dump:
    return dump_read_models(read_models, TENANT)


@pytest.fixture(autouse=True)
def _healed() -> None:
    FailingCandidates.poison = None


def test_large_batches_equal_one_event_at_a_time_and_a_failure_leaves_no_half_batch(
    world: World,
) -> None:
    establish_tree(world)
    start = world.read_models.projector(TENANT).head()
    bulk_cases(
        world,
        [
            BulkCase(f"HS{i:02}", MassOrganization.YOUTH_UNION, admitted=i % 3 != 0)
            for i in range(12)
        ],
    )
    head = world.read_models.projector(TENANT).head()
    middle = (start + head) // 2  # inside a case's events: it has rows before the batch
    poison = middle + (head - middle) // 2

    _reset(world.read_models)
    reference = _one_at_a_time(world, poison - 1)
    before_poison = _dump(reference)
    reference.catch_up(TENANT)
    everything = _dump(reference)

    _reset(world.read_models)
    _one_at_a_time(world, middle)
    batched = ReadModels(world.store, projections=_with_failing, batch_size=500, inline=False)
    FailingCandidates.poison = poison
    with pytest.raises(ProjectionFailed) as failed:
        batched.catch_up(TENANT)
    assert failed.value.failure.position == poison
    # The events before the poison are applied as one at a time applies them; nothing of the
    # poison's own writes (nor of any projection after it) is kept.
    assert batched.reached(TENANT) == poison - 1
    assert _dump(batched) == before_poison

    FailingCandidates.poison = None
    batched.retry(TENANT)
    report = batched.catch_up(TENANT)
    assert report.position == head
    assert _dump(batched) == everything
