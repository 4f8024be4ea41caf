"""A projection that fails on an event stops its tenant's read models there, loudly: the failure
is recorded (tenant, projection, position, error class — no values), read-your-writes answers
``PROJECTION_FAILED`` at once instead of waiting out its timeout, the attempt is repeated only
after a back-off, and ``retry`` after a fix makes the projection catch up. Also: text a column
cannot hold (NUL, lone surrogates) in an old event no longer stops any projection.

The failing projection is a test projection whose rows the real writer cannot take (a number
beyond BIGINT) for one marked event: the failure comes from the database driver and the
database, as a real one would, not from a mock.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import ClassVar

import pytest

from domain import ids
from domain.commands import SetStalledThreshold
from domain.tenant_policy import TenantPolicy
from domain.values import Actor, Role
from projections import all_projections
from projections.framework import Apply, Projection
from projections.runner import ProjectionHalted
from projections.sql import REPLACEMENT, Column, Table, writable_text
from service.commands import Handlers, Principal
from service.read_models import ProjectionFailed, ReadModels
from service.store import Store

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
ORGANIZER = Actor("to-chuc-1", Role.ORGANIZER)
TODAY = date(2026, 11, 21)
#: The stall threshold whose event the test projection cannot write (until fixed).
POISON = 77
#: A value no BIGINT (PostgreSQL) or SQLite INTEGER can hold.
TOO_BIG = 10**20


class Thresholds(Projection):
    """Test projection: each stall threshold set, as a number; ``broken`` makes the value of the
    :data:`POISON` threshold one the writer refuses."""

    name = "test_thresholds"
    version = 1
    tables = (
        Table(
            "rm_test_thresholds",
            (Column("tenant", "text", nullable=False), Column("days", "int")),
            versioned=False,
        ),
    )
    follows = (TenantPolicy,)
    broken: ClassVar[bool] = True

    def apply(self, change: Apply) -> None:
        days = getattr(change.event, "days", None)
        if days is None:
            return
        value = TOO_BIG if days == POISON and Thresholds.broken else days
        change.append(self.tables[0], [{"tenant": change.tenant, "days": value}])


def with_thresholds() -> list[Projection]:
    return [*all_projections(), Thresholds()]


@pytest.fixture(autouse=True)
def _broken() -> None:
    Thresholds.broken = True


def _set(handlers: Handlers, tenant: str, days: int) -> int:
    result = handlers.handle(Principal(tenant, ORGANIZER), SetStalledThreshold(days=days))
    assert result.position is not None
    return result.position


def _tenant_with_poison(store: Store, slug: str = "alpha") -> tuple[Handlers, int, int]:
    """A tenant whose history holds the poison event between good ones (nothing projected):
    the handlers, the poison's position and the head."""
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(OPERATOR, slug, slug.title(), "other")
    for days in (30, 31):
        _set(handlers, slug, days)
    poison = _set(handlers, slug, POISON)
    head = 0
    for days in (32, 33):
        head = _set(handlers, slug, days)
    return handlers, poison, head


def test_a_failing_projection_stops_the_tenant_before_the_event_and_says_so_at_once(
    store: Store,
) -> None:
    _, poison, head = _tenant_with_poison(store)
    read_models = ReadModels(store, projections=with_thresholds, inline=False)

    with pytest.raises(ProjectionFailed) as caught:
        read_models.catch_up("alpha")
    error = caught.value
    assert error.code == "PROJECTION_FAILED"
    assert (error.failure.projection, error.failure.position) == (Thresholds.name, poison)
    assert f"sự kiện {poison}" in error.message_vi
    assert f"event {poison}" in error.message_en
    # Every event before the poison was applied and kept; none after it.
    assert read_models.reached("alpha") == poison - 1

    # Recorded durably, where any process sees it: class and SQLSTATE, never the value.
    failure = ReadModels(store, projections=with_thresholds).failure("alpha")
    assert failure is not None
    assert (failure.tenant, failure.projection, failure.position) == (
        "alpha",
        Thresholds.name,
        poison,
    )
    assert failure.attempts == 1
    assert str(TOO_BIG) not in failure.error
    assert failure.error.split()[0] in {"NumericValueOutOfRange", "OverflowError"}
    statuses = read_models.status("alpha")
    assert {s.failure for s in statuses} == {failure}
    assert {s.position for s in statuses} == {poison - 1}
    assert {s.head for s in statuses} == {head}

    # Read-your-writes: a position at or past the poison is refused at once, bilingually, well
    # within the timeout; an earlier one is served.
    waiter = ReadModels(store, projections=with_thresholds, inline=False)
    for position in (poison, head):
        started = time.monotonic()
        with pytest.raises(ProjectionFailed) as refused:
            waiter.wait_for("alpha", position, timeout=10)
        assert time.monotonic() - started < 2.5  # not the 10 s timeout
        assert refused.value.position == position
        assert refused.value.failure.position == poison
    assert waiter.wait_for("alpha", poison - 1, timeout=5) == poison - 1

    # Within its back-off the event is not tried again (no second attempt recorded).
    with pytest.raises(ProjectionFailed):
        read_models.catch_up("alpha")
    again = read_models.failure("alpha")
    assert again is not None
    assert again.attempts == 1

    # After the fix, retry clears the failure and the projections reach the head.
    Thresholds.broken = False
    cleared = read_models.retry("alpha")
    assert [(f.projection, f.position) for f in cleared] == [(Thresholds.name, poison)]
    report = read_models.catch_up("alpha")
    assert report.position == head
    assert read_models.failure("alpha") is None
    assert waiter.wait_for("alpha", head, timeout=5) == head
    assert all(s.failure is None and s.lag == 0 for s in read_models.status("alpha"))
    with read_models.read("alpha") as tx:
        rows = tx.fetchall("SELECT days FROM rm_test_thresholds ORDER BY days")
    assert [r[0] for r in rows] == [30, 31, 32, 33, POISON]


def test_a_failed_event_is_tried_again_after_a_back_off_that_doubles(store: Store) -> None:
    _, poison, head = _tenant_with_poison(store)
    read_models = ReadModels(store, projections=with_thresholds, inline=False)
    projector = read_models.projector("alpha")
    projector.backoff, projector.backoff_max = 0.2, 0.3

    with pytest.raises(ProjectionHalted) as first:
        projector.catch_up()
    assert first.value.attempted
    with pytest.raises(ProjectionHalted) as waiting:
        projector.catch_up()
    assert not waiting.value.attempted
    time.sleep(0.25)
    with pytest.raises(ProjectionHalted) as second:
        projector.catch_up()
    assert second.value.attempted
    assert second.value.failure.attempts == 2
    delays = [
        (f.retry_at - f.failed_at).total_seconds()
        for f in (first.value.failure, second.value.failure)
    ]
    assert delays == pytest.approx([0.2, 0.3], abs=0.01)  # doubled, then bounded

    # A fix deployed: the next attempt after the back-off goes through by itself.
    Thresholds.broken = False
    time.sleep(0.35)
    assert projector.catch_up().position == head
    assert projector.failure() is None
    assert poison < head


def test_a_rebuild_and_a_new_projection_version_clear_the_failure(store: Store) -> None:
    _, poison, head = _tenant_with_poison(store)
    read_models = ReadModels(store, projections=with_thresholds, inline=False)
    with pytest.raises(ProjectionFailed):
        read_models.catch_up("alpha")
    Thresholds.broken = False
    assert read_models.rebuild("alpha").position == head
    assert read_models.failure("alpha") is None
    assert read_models.reached("alpha") == head
    assert poison < head


class _Thresholds2(Thresholds):
    version = 2


def test_a_new_version_of_the_failed_projection_starts_it_again(store: Store) -> None:
    _, poison, head = _tenant_with_poison(store)
    with pytest.raises(ProjectionFailed):
        ReadModels(store, projections=with_thresholds, inline=False).catch_up("alpha")
    Thresholds.broken = False

    def fixed() -> Sequence[Projection]:
        return [*all_projections(), _Thresholds2()]

    read_models = ReadModels(store, projections=fixed, inline=False)
    read_models.projector("alpha")  # ensures the tables: the new version's are reset
    assert read_models.failure("alpha") is None
    assert read_models.catch_up("alpha").position == head
    assert poison < head


def test_inline_projections_record_the_failure_and_the_write_is_kept(store: Store) -> None:
    """Embedded mode: projections run after each command; the command is stored all the same,
    and waiting for it says PROJECTION_FAILED at once."""
    read_models = ReadModels(store, projections=with_thresholds, inline=True)
    handlers = Handlers(store, today=lambda: TODAY, after_save=read_models.after_save)
    handlers.create_tenant(OPERATOR, "alpha", "Alpha", "other")
    good = _set(handlers, "alpha", 30)
    assert read_models.wait_for("alpha", good, timeout=5) == good
    poison = _set(handlers, "alpha", POISON)
    later = _set(handlers, "alpha", 31)
    assert read_models.projector("alpha").head() == later
    with pytest.raises(ProjectionFailed) as caught:
        read_models.wait_for("alpha", later, timeout=5)
    assert caught.value.failure.position == poison
    assert read_models.reached("alpha") == poison - 1

    Thresholds.broken = False
    read_models.retry("alpha")  # inline: catches up at once
    assert read_models.reached("alpha") == later


def test_text_a_column_cannot_hold_in_an_old_event_no_longer_stops_projections(
    store: Store,
) -> None:
    """Commands refuse NUL now; an event stored before (appended here through the aggregate,
    bypassing the commands) is projected with U+FFFD in its place, and the projections go on."""
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(OPERATOR, "alpha", "Alpha", "other")
    app = store.app("alpha", write=True)
    policy = app.get(ids.tenant_policy_id("alpha"), TenantPolicy)
    policy.declare_day_off(actor=ORGANIZER, day=date(2026, 12, 24), notes="Nghỉ\x00bù")
    position = max(r.notification.id for r in app.save(policy))
    after = _set(handlers, "alpha", 45)

    read_models = ReadModels(store, inline=False)
    assert read_models.catch_up("alpha").position == after
    assert read_models.failure("alpha") is None
    with read_models.read("alpha") as tx:
        row = tx.fetchone("SELECT notes FROM rm_audit WHERE position = %s", (position,))
    assert row == (f"Nghỉ{REPLACEMENT}bù",)


def test_the_writer_replaces_what_no_text_column_can_hold() -> None:
    assert writable_text("Lan") == "Lan"
    assert writable_text("Nguyễn Thị Lan") == "Nguyễn Thị Lan"
    assert writable_text("a\x00b\ud800c\udfff") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}"
