"""Running projections for one tenant: catch up, rebuild, status.

One :class:`TenantProjector` per tenant and process. A batch is one transaction: it takes the
tenant's batch lock (PostgreSQL advisory lock; SQLite's write lock), reads the tracking
positions, reads the next events from the tenant's event store, lets each projection that has
not seen an event apply it, writes the new positions, and commits. A crash anywhere before the
commit leaves the tables and positions as they were, so no event is lost or counted twice.

Events are decoded by the application's own mapper (so upcasting and decryption apply), and
each event is applied to the domain aggregate it belongs to; projections read that state. The
aggregates are cached between batches (bounded); the cache is dropped whenever the tracking
positions show that someone else moved them.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent

from projections.framework import Apply, BufferedTx, Projection, VersionedRows
from projections.sql import Column, Dialect, ReadModelDB, Table, Tx, as_datetime

TRACKING = Table(
    "projection_tracking",
    (
        Column("projection", "text", nullable=False),
        Column("position", "int", nullable=False),
        Column("version", "int", nullable=False),
        Column("updated_at", "timestamp"),
    ),
    versioned=False,
    primary_key=("projection",),
)

DEFAULT_BATCH_SIZE = 500
DEFAULT_CACHE_SIZE = 20_000

Progress = Callable[["BatchReport"], None]


@dataclass(frozen=True)
class BatchReport:
    """What one batch did."""

    events: int
    position: int
    head: int
    seconds: float


@dataclass
class RunReport:
    """What a catch-up or rebuild did, in total."""

    tenant: str
    projections: tuple[str, ...]
    events: int = 0
    batches: int = 0
    position: int = 0
    seconds: float = 0.0
    head: int = 0

    def add(self, batch: BatchReport, progress: Progress | None) -> None:
        """Count one batch in, and tell ``progress`` about it."""
        self.batches += 1
        self.events += batch.events
        self.position = batch.position
        self.head = batch.head
        if progress is not None:
            progress(batch)

    @property
    def events_per_second(self) -> float:
        """Throughput of the run."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class ProjectionStatus:
    """Where one projection of one tenant stands."""

    tenant: str
    projection: str
    position: int
    head: int
    version: int
    updated_at: datetime | None

    @property
    def lag(self) -> int:
        """Events recorded but not yet applied."""
        return max(0, self.head - self.position)


@dataclass
class _Aggregates:
    """Aggregates as of the last applied position (least recently used dropped first)."""

    size: int
    items: OrderedDict[UUID, Aggregate] = field(default_factory=OrderedDict)

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        aggregate = self.items.get(aggregate_id)
        if aggregate is not None:
            self.items.move_to_end(aggregate_id)
        return aggregate

    def put(self, aggregate: Aggregate) -> None:
        self.items[aggregate.id] = aggregate
        self.items.move_to_end(aggregate.id)
        while len(self.items) > self.size:
            self.items.popitem(last=False)

    def clear(self) -> None:
        self.items.clear()


class TenantProjector:
    """The projections of one tenant: bring them up to date, rebuild them, report on them."""

    def __init__(
        self,
        app: Any,
        db: ReadModelDB,
        projections: Sequence[Projection],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.app = app
        self.tenant: str = app.tenant
        self.db = db
        self.projections = list(projections)
        self.batch_size = batch_size
        self._aggregates = _Aggregates(cache_size)
        self._versions = VersionedRows()
        self._cache_position: int | None = None
        self._ready = False

    # --- tables -------------------------------------------------------------------------------
    def ensure_tables(self) -> list[str]:
        """Create missing tables; reset projections whose code version changed.

        Returns the names of the projections that were (re)created and must replay history.
        """
        reset = ensure_tables(self.db, self.projections)
        if reset:
            self._forget()
        self._ready = True
        return reset

    def _forget(self) -> None:
        self._aggregates.clear()
        self._versions.clear()
        self._cache_position = None

    # --- status -------------------------------------------------------------------------------
    def head(self) -> int:
        """Position of the tenant's last recorded event (0 when none)."""
        return int(self.app.recorder.max_notification_id() or 0)

    def status(self) -> list[ProjectionStatus]:
        """Each projection's position, version and lag."""
        if not self._ready:
            self.ensure_tables()
        head = self.head()
        with self.db.transaction(write=False) as tx:
            rows = tx.fetchall(
                "SELECT projection, position, version, updated_at FROM projection_tracking"
            )
        by_name = {r[0]: r for r in rows}
        result = []
        for projection in self.projections:
            _, position, version, updated_at = by_name[projection.name]
            result.append(
                ProjectionStatus(
                    self.tenant,
                    projection.name,
                    int(position),
                    head,
                    int(version),
                    as_datetime(updated_at),
                )
            )
        return result

    # --- running ------------------------------------------------------------------------------
    def catch_up(
        self, *, progress: Progress | None = None, max_batches: int | None = None
    ) -> RunReport:
        """Apply every event not yet applied, batch by batch (one transaction each)."""
        if not self._ready:
            self.ensure_tables()
        report = RunReport(self.tenant, tuple(p.name for p in self.projections))
        started = time.perf_counter()
        while max_batches is None or report.batches < max_batches:
            with self.db.transaction() as tx:
                try:
                    batch = self._batch(tx, self.projections)
                except BaseException:
                    self._forget()
                    raise
            if batch is None:
                break
            report.add(batch, progress)
        report.seconds = time.perf_counter() - started
        if report.batches == 0:
            report.position = self._cache_position or 0
        return report

    def rebuild(
        self, names: Sequence[str] | None = None, *, progress: Progress | None = None
    ) -> RunReport:
        """Drop the tables of ``names`` (default: all), replay the whole history into them.

        All in one transaction: readers keep seeing the old read models until it commits, and
        a failure leaves them untouched.
        """
        if not self._ready:
            self.ensure_tables()
        chosen = [p for p in self.projections if names is None or p.name in names]
        unknown = set(names or ()) - {p.name for p in self.projections}
        if unknown:
            msg = f"unknown projection(s): {', '.join(sorted(unknown))}"
            raise KeyError(msg)
        report = RunReport(self.tenant, tuple(p.name for p in chosen))
        started = time.perf_counter()
        self._forget()
        try:
            with self.db.transaction() as tx:
                _lock_tenant(self.db, tx)
                for projection in chosen:
                    reset_projection(tx, projection)
                    for table in projection.tables:
                        self._versions.mark_empty(table.name)
                # Every chosen projection is at 0 now, and the (empty) caches are valid there:
                # without this the first batch would drop them, and with them the knowledge
                # that the tables are empty (one SELECT per entity).
                self._cache_position = 0
                while True:
                    batch = self._batch(tx, chosen, locked=True)
                    if batch is None:
                        break
                    report.add(batch, progress)
        except BaseException:
            self._forget()
            raise
        # Other projections may be at other positions: the cache is for one position only.
        self._forget()
        report.seconds = time.perf_counter() - started
        return report

    def _batch(
        self, tx: Tx, projections: Sequence[Projection], *, locked: bool = False
    ) -> BatchReport | None:
        started = time.perf_counter()
        if not locked:
            _lock_tenant(self.db, tx)
        positions = {
            name: int(position)
            for name, position in tx.fetchall(
                "SELECT projection, position FROM projection_tracking"
            )
        }
        behind = {p.name: positions[p.name] for p in projections}
        start = min(behind.values())
        if self._cache_position != start:
            self._forget()
        notifications = self.app.recorder.select_notifications(
            start=start + 1, limit=self.batch_size
        )
        if not notifications:
            self._cache_position = start
            return None
        mapper = self.app.mapper
        writes = BufferedTx.over(tx)
        last = start
        for notification in notifications:
            event: DomainEvent = mapper.to_domain_event(notification)
            aggregate = self._mutate(event)
            position = int(notification.id)
            change: Apply | None = None
            for projection in projections:
                if behind[projection.name] >= position or not projection.wants(aggregate):
                    continue
                if change is None:
                    change = Apply(
                        tx=writes,
                        tenant=self.tenant,
                        position=position,
                        recorded_at=event.timestamp,
                        event=event,
                        aggregate=aggregate,
                        versions=self._versions,
                        load=self._load,
                    )
                projection.apply(change)
            last = position
        writes.flush()
        now = datetime.now(UTC)
        tx.executemany(
            "UPDATE projection_tracking SET position = %s, updated_at = %s WHERE projection = %s",
            [(last, now, p.name) for p in projections if behind[p.name] < last],
        )
        self._cache_position = last
        return BatchReport(
            events=len(notifications),
            position=last,
            head=self.head(),
            seconds=time.perf_counter() - started,
        )

    def _mutate(self, event: Any) -> Aggregate:
        """The event's aggregate with the event applied (loading earlier state if not cached)."""
        aggregate: Any = self._aggregates.get(event.originator_id)
        if aggregate is None and event.originator_version > 1:
            aggregate = self.app.repository.get(
                event.originator_id, version=event.originator_version - 1
            )
        mutated: Aggregate = event.mutate(aggregate)
        self._aggregates.put(mutated)
        return mutated

    def _load(self, aggregate_id: UUID, version: int) -> Aggregate:
        """Aggregate ``aggregate_id`` at ``version`` (from the cache when it is there)."""
        aggregate = self._aggregates.get(aggregate_id)
        if aggregate is not None and aggregate.version == version:
            return aggregate
        loaded: Aggregate = self.app.repository.get(aggregate_id, version=version)
        return loaded


def _lock_tenant(db: ReadModelDB, tx: Tx) -> None:
    statement = db.lock_statement()
    if statement:
        tx.execute(statement)


def _tracking_exists(tx: Tx) -> bool:
    if tx.dialect is Dialect.POSTGRES:
        row = tx.fetchone("SELECT to_regclass('projection_tracking') IS NOT NULL")
    else:
        row = tx.fetchone(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = %s",
            (TRACKING.name,),
        )
    return bool(row and row[0])


def ensure_tables(db: ReadModelDB, projections: Sequence[Projection]) -> list[str]:
    """Create the tracking table if missing; (re)create the tables of every projection that is
    new or whose code version differs from the stored one. Returns those projections' names.

    Runs no DDL when everything is in place (normal operation creates no tables).
    """
    with db.transaction() as tx:
        _lock_tenant(db, tx)
        if not _tracking_exists(tx):
            for statement in TRACKING.create_statements(tx.dialect):
                tx.execute(statement)
        stored = dict(tx.fetchall("SELECT projection, version FROM projection_tracking"))
        reset = [p for p in projections if stored.get(p.name) != p.version]
        for projection in reset:
            reset_projection(tx, projection)
    return [p.name for p in reset]


def reset_projection(tx: Tx, projection: Projection) -> None:
    """Drop and recreate ``projection``'s tables; its position goes back to 0."""
    for table in projection.tables:
        tx.execute(table.drop_statement())
        for statement in table.create_statements(tx.dialect):
            tx.execute(statement)
    tx.execute("DELETE FROM projection_tracking WHERE projection = %s", (projection.name,))
    tx.execute(
        "INSERT INTO projection_tracking (projection, position, version, updated_at) "
        "VALUES (%s, 0, %s, %s)",
        (projection.name, projection.version, datetime.now(UTC)),
    )
