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

**A projection that fails on an event stops its tenant there, loudly.** A batch that fails for
a reason that is not the connection's (see :func:`transient`) is replayed event by event, each
in a savepoint: the events before the failing one are committed, and the failure (projection,
position, error class and where it was raised; never the values) is recorded in the tenant's
``projection_failures`` table in the same transaction. Until it is cleared, :meth:`catch_up`
raises :class:`ProjectionHalted` at once; after a back-off (doubling from
``DEFAULT_BACKOFF`` up to ``DEFAULT_BACKOFF_MAX`` seconds) it tries the event again. A batch
that gets past the failed position clears the record; so do :meth:`TenantProjector.retry`
(``ketnap projections retry``), a rebuild, and a new version of the failed projection.
"""

from __future__ import annotations

import re
import sqlite3
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
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

FAILURES = Table(
    "projection_failures",
    (
        Column("projection", "text", nullable=False),
        Column("position", "int", nullable=False),
        Column("error", "text", nullable=False),
        Column("attempts", "int", nullable=False),
        Column("failed_at", "timestamp"),
        Column("retry_at", "timestamp"),
    ),
    versioned=False,
    primary_key=("projection",),
)
#: The ``projection`` of a failure that no single projection caused (the event could not be
#: decoded or applied to its aggregate): every projection waits for it.
EVERY_PROJECTION = "*"
#: Seconds before the first retry of a failed event; doubled after each failed attempt...
DEFAULT_BACKOFF = 2.0
#: ... up to this.
DEFAULT_BACKOFF_MAX = 300.0

DEFAULT_BATCH_SIZE = 500
#: Events read per page by a rebuild (at least the batch size). A rebuild is one transaction
#: whatever its pages, so a page only bounds memory: large pages cut the per-page statements
#: (tracking read and update, head, one write per table) and let each table's rows of a page
#: go out in one COPY/executemany instead of many small ones.
REBUILD_PAGE = 5_000
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
class ProjectionFailure:
    """A projection failed on the event at ``position``: the tenant's read models wait before it.

    ``error`` names the error's class, its SQLSTATE and the code that raised it, never the
    values involved (they may be personal data).
    """

    tenant: str
    projection: str
    position: int
    error: str
    attempts: int
    failed_at: datetime
    retry_at: datetime


class ProjectionHalted(Exception):
    """A tenant's projections are stopped by a recorded failure (``attempted``: this call just
    tried the event again and failed, rather than finding the failure still in its back-off)."""

    def __init__(self, failure: ProjectionFailure, *, attempted: bool) -> None:
        super().__init__(
            f"projection {failure.projection} of tenant {failure.tenant} failed at position "
            f"{failure.position}: {failure.error}"
        )
        self.failure = failure
        self.attempted = attempted


@dataclass(frozen=True)
class ProjectionStatus:
    """Where one projection of one tenant stands."""

    tenant: str
    projection: str
    position: int
    head: int
    version: int
    updated_at: datetime | None
    #: The failure that stops the tenant's projections (all wait before its event; it names the
    #: projection that failed).
    failure: ProjectionFailure | None = None

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
        backoff: float = DEFAULT_BACKOFF,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
    ) -> None:
        self.app = app
        self.tenant: str = app.tenant
        self.db = db
        self.projections = list(projections)
        self.batch_size = batch_size
        #: Events per page of a rebuild (see :data:`REBUILD_PAGE`).
        self.rebuild_page = max(batch_size, REBUILD_PAGE)
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._aggregates = _Aggregates(cache_size)
        self._versions = VersionedRows()
        self._cache_position: int | None = None
        self._ready = False
        #: The recorded failure as this process last saw it (re-read before it is trusted).
        self._failure: ProjectionFailure | None = None

    # --- tables -------------------------------------------------------------------------------
    def ensure_tables(self) -> list[str]:
        """Create missing tables; reset projections whose code version changed.

        Returns the names of the projections that were (re)created and must replay history.
        """
        reset = ensure_tables(self.db, self.projections)
        if reset:
            self._forget()
        self._ready = True
        self._failure = self.failure()
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
        failure = self.failure()
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
                    failure,
                )
            )
        return result

    def failure(self) -> ProjectionFailure | None:
        """The recorded failure that stops this tenant's projections, if any (read now)."""
        return read_failure(self.db)

    def retry(self, names: Sequence[str] | None = None) -> list[ProjectionFailure]:
        """Clear the recorded failure (only if it is of one of ``names``, when given), so the
        next catch-up tries the event again at once; returns what was cleared."""
        with self.db.transaction() as tx:
            _lock_tenant(self.db, tx)
            failures = _failures(tx, self.tenant)
            cleared = [f for f in failures if names is None or f.projection in names]
            tx.executemany(
                "DELETE FROM projection_failures WHERE projection = %s",
                [(f.projection,) for f in cleared],
            )
        self._failure = None
        return cleared

    # --- running ------------------------------------------------------------------------------
    def catch_up(
        self, *, progress: Progress | None = None, max_batches: int | None = None
    ) -> RunReport:
        """Apply every event not yet applied, batch by batch (one transaction each)."""
        if not self._ready:
            self.ensure_tables()
        if self._failure is not None:
            # Re-read: another process may have cleared it (``projections retry``).
            self._failure = self.failure()
            if self._failure is not None and self._failure.retry_at > datetime.now(UTC):
                raise ProjectionHalted(self._failure, attempted=False)
        report = RunReport(self.tenant, tuple(p.name for p in self.projections))
        started = time.perf_counter()
        while max_batches is None or report.batches < max_batches:
            batch: BatchReport | None
            try:
                with self.db.transaction() as tx:
                    try:
                        batch = self._batch(tx, self.projections)
                        self._clear_passed_failure(tx, batch)
                    except BaseException:
                        self._forget()
                        raise
            except Exception as error:
                if transient(error):
                    raise
                # Find the event (and projection) that fails, keep what precedes it.
                batch = self._isolate(error)
            failure = self._failure
            if failure is not None and batch is not None and batch.position >= failure.position:
                self._failure = None
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
        a failure leaves them untouched. Pages of :attr:`rebuild_page` events; the tables'
        indexes other than their writer's are built once at the end (see
        :func:`reset_projection`).
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
                deferred_indexes: list[str] = []
                for projection in chosen:
                    reset_projection(tx, projection, deferred_indexes=deferred_indexes)
                    for table in projection.tables:
                        self._versions.mark_empty(table.name)
                if len(chosen) == len(self.projections):
                    # Replaying everything passes any failed event, or fails here, loudly.
                    tx.execute("DELETE FROM projection_failures")
                # Every chosen projection is at 0 now, and the (empty) caches are valid there:
                # without this the first batch would drop them, and with them the knowledge
                # that the tables are empty (one SELECT per entity).
                self._cache_position = 0
                while True:
                    batch = self._batch(tx, chosen, locked=True, limit=self.rebuild_page)
                    if batch is None:
                        break
                    report.add(batch, progress)
                for statement in deferred_indexes:
                    tx.execute(statement)
        except BaseException:
            self._forget()
            raise
        # Other projections may be at other positions: the cache is for one position only.
        self._forget()
        self._failure = self.failure()
        report.seconds = time.perf_counter() - started
        return report

    def _batch(
        self,
        tx: Tx,
        projections: Sequence[Projection],
        *,
        locked: bool = False,
        limit: int | None = None,
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
            start=start + 1, limit=limit or self.batch_size
        )
        if not notifications:
            self._cache_position = start
            return None
        mapper = self.app.mapper
        writes = BufferedTx.over(tx)
        self._versions.expect(n.originator_id for n in notifications)
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
                    change = self._change(writes, position, event, aggregate)
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

    def _clear_passed_failure(self, tx: Tx, batch: BatchReport | None) -> None:
        """Delete the recorded failure once a batch has applied the event it failed on."""
        failure = self._failure
        if failure is not None and batch is not None and batch.position >= failure.position:
            tx.execute("DELETE FROM projection_failures")

    def _isolate(self, cause: Exception) -> BatchReport | None:
        """Replay the failed batch event by event, each in a savepoint, every projection's
        writes sent at once: commit the events before the one that fails and record the
        failure with them (raising :class:`ProjectionHalted`). If nothing fails this time, the
        batch is simply done (returns its report)."""
        started = time.perf_counter()
        self._forget()
        failure: ProjectionFailure | None = None
        try:
            with self.db.transaction() as tx:
                _lock_tenant(self.db, tx)
                behind = {
                    name: int(position)
                    for name, position in tx.fetchall(
                        "SELECT projection, position FROM projection_tracking"
                    )
                }
                start = min(behind[p.name] for p in self.projections)
                notifications = self.app.recorder.select_notifications(
                    start=start + 1, limit=self.batch_size
                )
                last, applied = start, 0
                for notification in notifications:
                    position = int(notification.id)
                    tx.execute("SAVEPOINT ketnap_event")
                    stage = EVERY_PROJECTION
                    try:
                        writes = BufferedTx(tx)
                        event: DomainEvent = self.app.mapper.to_domain_event(notification)
                        aggregate = self._mutate(event)
                        change = self._change(writes, position, event, aggregate)
                        for projection in self.projections:
                            if behind[projection.name] >= position or not projection.wants(
                                aggregate
                            ):
                                continue
                            stage = projection.name
                            projection.apply(change)
                            writes.flush()
                    except Exception as error:
                        if transient(error):
                            raise
                        tx.execute("ROLLBACK TO SAVEPOINT ketnap_event")
                        failure = self._record(tx, stage, position, error)
                        break
                    tx.execute("RELEASE SAVEPOINT ketnap_event")
                    last, applied = position, applied + 1
                now = datetime.now(UTC)
                tx.executemany(
                    "UPDATE projection_tracking SET position = %s, updated_at = %s "
                    "WHERE projection = %s",
                    [(last, now, p.name) for p in self.projections if behind[p.name] < last],
                )
                report = BatchReport(
                    events=applied,
                    position=last,
                    head=self.head(),
                    seconds=time.perf_counter() - started,
                )
                if failure is None:
                    self._clear_passed_failure(tx, report)
        finally:
            # The savepoints undid writes the caches had seen: trust nothing of this pass.
            self._forget()
        if failure is not None:
            self._failure = failure
            raise ProjectionHalted(failure, attempted=True) from cause
        return report if notifications else None

    def _record(
        self, tx: Tx, projection: str, position: int, error: Exception
    ) -> ProjectionFailure:
        """Record that ``projection`` failed on the event at ``position`` (in ``tx``)."""
        previous = _failures(tx, self.tenant)
        attempts = 1 + sum(
            f.attempts for f in previous if (f.projection, f.position) == (projection, position)
        )
        now = datetime.now(UTC)
        delay = min(self.backoff_max, self.backoff * 2 ** min(attempts - 1, 30))
        failure = ProjectionFailure(
            tenant=self.tenant,
            projection=projection,
            position=position,
            error=describe_error(error),
            attempts=attempts,
            failed_at=now,
            retry_at=now + timedelta(seconds=delay),
        )
        tx.execute("DELETE FROM projection_failures")
        tx.execute(
            "INSERT INTO projection_failures "
            "(projection, position, error, attempts, failed_at, retry_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (
                failure.projection,
                failure.position,
                failure.error,
                failure.attempts,
                failure.failed_at,
                failure.retry_at,
            ),
        )
        return failure

    def _change(
        self, writes: BufferedTx, position: int, event: DomainEvent, aggregate: Aggregate
    ) -> Apply:
        """What every projection gets for the event at ``position`` (batch and one by one)."""
        return Apply(
            tx=writes,
            tenant=self.tenant,
            position=position,
            recorded_at=event.timestamp,
            event=event,
            aggregate=aggregate,
            versions=self._versions,
            load=self._load,
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


def _table_exists(tx: Tx, name: str) -> bool:
    if tx.dialect is Dialect.POSTGRES:
        row = tx.fetchone("SELECT to_regclass(%s) IS NOT NULL", (name,))
    else:
        row = tx.fetchone(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = %s", (name,)
        )
    return bool(row and row[0])


def _failures(tx: Tx, tenant: str) -> list[ProjectionFailure]:
    rows = tx.fetchall(
        "SELECT projection, position, error, attempts, failed_at, retry_at "
        "FROM projection_failures ORDER BY position, projection"
    )
    return [
        ProjectionFailure(
            tenant=tenant,
            projection=str(projection),
            position=int(position),
            error=str(error),
            attempts=int(attempts),
            failed_at=_utc(failed_at),
            retry_at=_utc(retry_at),
        )
        for projection, position, error, attempts, failed_at, retry_at in rows
    ]


def _utc(value: Any) -> datetime:
    moment = as_datetime(value) or datetime.now(UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_failure(db: ReadModelDB) -> ProjectionFailure | None:
    """The failure that stops ``db``'s tenant's projections (None when none is recorded, or
    the table does not exist yet)."""
    with db.transaction(write=False) as tx:
        if not _table_exists(tx, FAILURES.name):
            return None
        failures = _failures(tx, db.tenant)
    return failures[0] if failures else None


def transient(error: BaseException) -> bool:
    """Whether ``error`` says nothing about the events (the connection dropped, the database
    is shutting down or busy, a serialisation conflict): retried as it is, never recorded as
    a projection's failure."""
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        return "locked" in text or "busy" in text
    if isinstance(error, psycopg.Error):
        state = error.sqlstate
        if state is None:  # raised by the client: no server verdict on the data
            return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
        return state[:2] in _TRANSIENT_CLASSES or state == "55P03"
    return False


#: SQLSTATE classes of errors that are about the connection or the server, not the data:
#: connection exception, transaction rollback, insufficient resources, operator intervention,
#: system error.
_TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57", "58"})
_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')
_ROOT = re.compile(r".*?/(?=(?:domain|projections|service)/)")


def describe_error(error: BaseException) -> str:
    """What failed, for the record and the logs: the error's class, its SQLSTATE and the
    server's message with every quoted value masked (PostgreSQL), and the line of our code
    that raised it. A Python error's message is left out: it may quote personal data."""
    parts = [type(error).__name__]
    if isinstance(error, psycopg.Error):
        if error.sqlstate:
            parts.append(f"[{error.sqlstate}]")
            primary = error.diag.message_primary or ""
            parts.append(_QUOTED.sub("…", primary.splitlines()[0] if primary else ""))
        else:
            parts.append(str(error).splitlines()[0] if str(error) else "")
    elif isinstance(error, sqlite3.Error):
        parts.append(_QUOTED.sub("…", str(error).splitlines()[0] if str(error) else ""))
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if _ROOT.match(f.filename)] or frames
    if ours:
        where = ours[-1]
        parts.append(f"at {_ROOT.sub('', where.filename)}:{where.lineno}")
    return " ".join(p for p in parts if p)[:500]


def ensure_tables(db: ReadModelDB, projections: Sequence[Projection]) -> list[str]:
    """Create the tracking and failure tables if missing; (re)create the tables of every
    projection that is new or whose code version differs from the stored one. Returns those
    projections' names.

    Runs no DDL when everything is in place (normal operation creates no tables).
    """
    with db.transaction() as tx:
        _lock_tenant(db, tx)
        if not _table_exists(tx, TRACKING.name):
            for statement in TRACKING.create_statements(tx.dialect):
                tx.execute(statement)
        if not _table_exists(tx, FAILURES.name):
            for statement in FAILURES.create_statements(tx.dialect):
                tx.execute(statement)
        stored = dict(tx.fetchall("SELECT projection, version FROM projection_tracking"))
        reset = [p for p in projections if stored.get(p.name) != p.version]
        for projection in reset:
            reset_projection(tx, projection)
    return [p.name for p in reset]


def reset_projection(
    tx: Tx, projection: Projection, *, deferred_indexes: list[str] | None = None
) -> None:
    """Drop and recreate ``projection``'s tables; its position goes back to 0.

    With ``deferred_indexes``, only the tables and the indexes their writer needs are created;
    the other ``CREATE INDEX`` statements are appended to the list, for the caller to run once
    the tables are loaded (building an index once is cheaper than keeping it up to date row by
    row during a bulk load).
    """
    for table in projection.tables:
        tx.execute(table.drop_statement())
        needed = table.writer_index()
        for index, statement in table.create_steps(tx.dialect):
            if deferred_indexes is not None and index is not None and index != needed:
                deferred_indexes.append(statement)
            else:
                tx.execute(statement)
    tx.execute("DELETE FROM projection_tracking WHERE projection = %s", (projection.name,))
    # New code (or a rebuild) deserves a new try: a failure of the old one no longer holds.
    tx.execute("DELETE FROM projection_failures WHERE projection = %s", (projection.name,))
    tx.execute(
        "INSERT INTO projection_tracking (projection, position, version, updated_at) "
        "VALUES (%s, 0, %s, %s)",
        (projection.name, projection.version, datetime.now(UTC)),
    )
