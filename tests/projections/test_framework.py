"""``Apply.replace``/``append`` semantics, buffered (as the runner uses them) and direct.

A tiny test-only projection over the tenant policy: each policy event derives one row per
declared day off (entity = the policy), so the tests drive versioned rows with ordinary
commands and read them back as recorded at any position (``Cut.known``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar, cast

import pytest

from domain.commands import DeclareDayOff, DeclareWorkingDay, SetStalledThreshold
from domain.tenant_policy import TenantPolicy
from domain.values import Actor, Role
from projections.cut import Cut
from projections.framework import Apply, BufferedTx, Projection, VersionedRows, row_hash
from projections.positions import PositionsProjection
from projections.sql import Column, Table, Tx
from service.commands import Handlers
from service.read_models import ReadModels
from service.store import Store
from tests.projections.conftest import PRINCIPAL, TENANT

DAYS = Table(
    "rm_test_days",
    (Column("day", "date", nullable=False), Column("label", "text", nullable=False)),
)
LOG = Table(
    "rm_test_log",
    (Column("position", "int", nullable=False), Column("days", "int", nullable=False)),
    versioned=False,
)


class DaysProjection(Projection):
    """One current row per day off of the policy; one log row per policy event."""

    name: ClassVar[str] = "test_days"
    version: ClassVar[int] = 1
    tables = (DAYS, LOG)
    follows = (TenantPolicy,)

    def apply(self, change: Apply) -> None:
        policy = change.aggregate
        assert isinstance(policy, TenantPolicy)
        days = sorted(policy.days_off)
        change.replace(DAYS, policy.id, [{"day": d, "label": "off"} for d in days])
        change.append(LOG, [{"position": change.position, "days": len(days)}])


class ReadingProjection(DaysProjection):
    """Like :class:`DaysProjection`, and reads its own table in the same batch."""

    name: ClassVar[str] = "test_days_reading"
    seen: ClassVar[list[int]] = []

    def apply(self, change: Apply) -> None:
        super().apply(change)
        row = change.tx.fetchone("SELECT COUNT(*) FROM rm_test_days WHERE rec_to IS NULL")
        assert row is not None
        self.seen.append(int(row[0]))


D1, D2, D3 = date(2026, 1, 2), date(2026, 4, 30), date(2026, 9, 2)


def _days(
    tx: Tx, recorded: int | None = None, *, every: bool = False
) -> list[tuple[str, int, int | None]]:
    """Days as recorded at ``recorded`` (default: now), or every row ever (``every``)."""
    where, params = Cut(date(2026, 1, 1), recorded).known()
    if every:
        where, params = "1 = 1", []
    rows = tx.fetchall(
        f"SELECT day, rec_from, rec_to FROM rm_test_days WHERE {where} ORDER BY day, rec_from",
        params,
    )
    return [
        (str(day)[:10], int(start), None if end is None else int(end)) for day, start, end in rows
    ]


def _make(store: Store, projection: Projection, *, batch_size: int = 500) -> ReadModels:
    return ReadModels(
        store,
        projections=lambda: [PositionsProjection(), projection],
        batch_size=batch_size,
        inline=False,
    )


@pytest.fixture
def handlers(store: Store) -> Handlers:
    """Tenant ``bloc`` with its policy; no projections run by the handlers."""
    handlers = Handlers(store, today=lambda: date(2026, 11, 21))
    handlers.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), TENANT, "Đảng bộ Khối", "other")
    return handlers


def _history(handlers: Handlers) -> list[int]:
    """Off D1, off D2, D1 worked (closes it), off D1 again (reopens it), an unrelated change."""
    return [
        handlers.handle(PRINCIPAL, DeclareDayOff(day=D1)).position or 0,
        handlers.handle(PRINCIPAL, DeclareDayOff(day=D2)).position or 0,
        handlers.handle(PRINCIPAL, DeclareWorkingDay(day=D1)).position or 0,
        handlers.handle(PRINCIPAL, DeclareDayOff(day=D1)).position or 0,
        handlers.handle(PRINCIPAL, SetStalledThreshold(days=45)).position or 0,
    ]


@pytest.mark.parametrize("batch_size", [1, 2, 500])
def test_replace_keeps_unchanged_rows_and_versions_the_rest(
    store: Store, handlers: Handlers, batch_size: int
) -> None:
    p1, p2, p3, p4, p5 = _history(handlers)
    read_models = _make(store, DaysProjection(), batch_size=batch_size)
    read_models.catch_up(TENANT)
    with read_models.read(TENANT) as tx:
        # Every row ever derived: D2 untouched by the later events; D1 closed at p3 and a new,
        # identical row opened at p4; the policy change at p5 touched nothing.
        assert _days(tx, None, every=True) == [
            ("2026-01-02", p1, p3),
            ("2026-01-02", p4, None),
            ("2026-04-30", p2, None),
        ]
        assert _days(tx) == [("2026-01-02", p4, None), ("2026-04-30", p2, None)]
        assert _days(tx, p1 - 1) == []
        assert _days(tx, p1) == [("2026-01-02", p1, p3)]
        assert _days(tx, p2) == [("2026-01-02", p1, p3), ("2026-04-30", p2, None)]
        assert _days(tx, p3) == [("2026-04-30", p2, None)]
        assert _days(tx, p4) == _days(tx, p5) == _days(tx)
        log = tx.fetchall("SELECT position, days FROM rm_test_log ORDER BY position")
        assert [(int(p), int(n)) for p, n in log][-5:] == [
            (p1, 1),
            (p2, 2),
            (p3, 1),
            (p4, 2),
            (p5, 2),
        ]
    # A rebuild (one transaction, tables known empty) derives the same rows.
    before = _all_rows(read_models)
    read_models.rebuild(TENANT)
    assert _all_rows(read_models) == before


def test_inline_catch_up_event_by_event_equals_one_rebuild(store: Store) -> None:
    read_models = _make(store, DaysProjection())
    handlers = Handlers(store, today=lambda: date(2026, 11, 21), after_save=_inline(read_models))
    handlers.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), TENANT, "Đảng bộ Khối", "other")
    _history(handlers)
    incremental = _all_rows(read_models)
    read_models.rebuild(TENANT)
    assert _all_rows(read_models) == incremental
    assert len(incremental) == 3


def test_projection_reading_its_table_in_a_batch_sees_the_writes_before(
    store: Store, handlers: Handlers
) -> None:
    _history(handlers)
    ReadingProjection.seen.clear()
    read_models = _make(store, ReadingProjection())
    read_models.catch_up(TENANT)
    # Creation (no day), D1, D1+D2, D2, D1+D2, D1+D2: all in one batch.
    assert ReadingProjection.seen == [0, 1, 2, 1, 2, 2]


STEPS: list[tuple[int, str, list[str]]] = [
    (1, "e", ["a", "b"]),
    (2, "f", ["x"]),
    (3, "e", ["b"]),  # a closed
    (4, "e", ["a", "b"]),  # a reopened (identical row, new version)
    (5, "f", []),  # x closed
    (6, "e", ["b"]),  # a closed again
    (7, "f", ["x"]),
    (8, "e", ["a"]),  # b closed, a reopened once more
]


@pytest.mark.parametrize("flush_after", [None, 1, 3, 5])
def test_buffered_writes_equal_direct_writes(
    store: Store, handlers: Handlers, flush_after: int | None
) -> None:
    """Folded, per-table writes leave the same rows as one statement per call."""
    db = store.read_models(TENANT)

    def run(buffered: bool) -> list[tuple[Any, ...]]:
        with db.transaction() as tx:
            for statement in [DAYS.drop_statement(), *DAYS.create_statements(tx.dialect)]:
                tx.execute(statement)
            for statement in [LOG.drop_statement(), *LOG.create_statements(tx.dialect)]:
                tx.execute(statement)
            versions = VersionedRows()
            writes: Tx = BufferedTx.over(tx) if buffered else tx
            for position, entity, labels in STEPS:
                change = _apply(writes, versions, position)
                derived = [{"day": D3, "label": label} for label in labels]
                change.replace(DAYS, entity, derived)
                change.append(LOG, [{"position": position, "days": len(derived)}])
                if isinstance(writes, BufferedTx) and position == flush_after:
                    writes.flush()
            if isinstance(writes, BufferedTx):
                writes.flush()
            rows = tx.fetchall(
                "SELECT entity_id, label, rec_from, rec_to FROM rm_test_days "
                "ORDER BY entity_id, label, rec_from"
            )
            rows += tx.fetchall("SELECT position, days, 0, 0 FROM rm_test_log ORDER BY position")
            return [tuple(r) for r in rows]

    direct = run(buffered=False)
    assert run(buffered=True) == direct
    assert [r for r in direct if r[0] == "e"] == [
        ("e", "a", 1, 3),
        ("e", "a", 4, 6),
        ("e", "a", 8, None),
        ("e", "b", 1, 8),
    ]


def test_a_direct_statement_flushes_the_buffer_first(store: Store, handlers: Handlers) -> None:
    db = store.read_models(TENANT)
    with db.transaction() as tx:
        for statement in DAYS.create_statements(tx.dialect):
            tx.execute(statement)
        writes = BufferedTx.over(tx)
        assert BufferedTx.over(writes) is writes
        change = _apply(writes, VersionedRows(), 7)
        change.replace(DAYS, "e", [{"day": D1, "label": "a"}])
        assert writes.pending == 1
        # The raw transaction underneath does not see it yet; the buffered one does.
        assert tx.fetchall("SELECT COUNT(*) FROM rm_test_days") == [(0,)]
        assert writes.fetchall("SELECT COUNT(*) FROM rm_test_days") == [(1,)]
        assert writes.pending == 0
        writes.execute("UPDATE rm_test_days SET label = %s", ("b",))
        change.replace(DAYS, "e", [])
        writes.flush()
        assert tx.fetchall("SELECT label, rec_from, rec_to FROM rm_test_days") == [("b", 7, 7)]


def _apply(tx: Tx, versions: VersionedRows, position: int) -> Apply:
    return Apply(
        tx=tx,
        tenant=TENANT,
        position=position,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        event=cast(Any, None),
        aggregate=cast(Any, None),
        versions=versions,
        load=cast(Any, None),
    )


def _inline(read_models: ReadModels) -> Any:
    def after_save(tenant: str, position: int | None) -> None:
        read_models.catch_up(tenant)

    return after_save


def _all_rows(read_models: ReadModels) -> list[tuple[str, int, int | None]]:
    with read_models.read(TENANT) as tx:
        return _days(tx, None, every=True)


def test_a_batch_reads_the_current_rows_of_its_entities_in_one_query_per_table(
    store: Store, handlers: Handlers
) -> None:
    """The entities of a batch's events are read together, the first time one of them is
    needed in a table; what is read equals one query per entity, and entities outside the
    batch, or changed in it, are still read (or kept) one by one."""
    db = store.read_models(TENANT)
    with db.transaction() as tx:
        for statement in DAYS.create_statements(tx.dialect):
            tx.execute(statement)
        stored = VersionedRows()
        for position, entity, labels in STEPS:
            _apply(tx, stored, position).replace(
                DAYS, entity, [{"day": D3, "label": label} for label in labels]
            )
        expected = {"e": _digests("a"), "f": _digests("x"), "new": set()}
        one_by_one = VersionedRows()
        assert {e: one_by_one.current(tx, DAYS, e) for e in expected} == expected

        batch = VersionedRows()
        # More entities than one statement takes: the batch's ids in two statements.
        many = [f"n{i:04}" for i in range(600)]
        batch.expect(["e", "f", "new", "e", *many])
        writes = BufferedTx(tx)
        before = tx.statements
        assert batch.current(writes, DAYS, "f") == _digests("x")
        assert tx.statements == before + 2
        assert {e: batch.current(writes, DAYS, e) for e in [*expected, *many]} == {
            **expected,
            **{entity: set() for entity in many},
        }
        assert tx.statements == before + 2
        # Written in the batch (buffered), then asked again: the cache, not the table.
        _apply(writes, batch, 9).replace(DAYS, "new", [{"day": D1, "label": "b"}])
        assert batch.current(writes, DAYS, "new") == {row_hash(DAYS, {"day": D1, "label": "b"})}
        assert tx.statements == before + 2
        # Not one of the batch's entities: read on its own.
        assert batch.current(writes, DAYS, "other") == set()
        assert tx.statements == before + 3
        # The next batch reads its entities again (once per table), never those known.
        batch.expect(["e", "later"])
        assert batch.current(writes, DAYS, "later") == set()
        assert tx.statements == before + 4
        assert writes.pending == 1


def _digests(*labels: str) -> set[str]:
    return {row_hash(DAYS, {"day": D3, "label": label}) for label in labels}
