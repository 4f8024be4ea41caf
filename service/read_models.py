"""Running the projections of a store's tenants, and waiting for them (read-your-writes).

``ReadModels`` keeps one :class:`~projections.runner.TenantProjector` per tenant in this
process. In embedded (SQLite) mode the command handlers call :meth:`ReadModels.after_save`, so
projections run inline right after each command; with PostgreSQL the ``ketnap worker``
process runs them (see :mod:`service.worker`), and a reader that must see its own write calls
:meth:`wait_for`, which only reads the tracking positions (no DDL, no projection work).

At most ``settings.app_cache_size`` projectors are kept (least recently used dropped first):
a projector caches aggregates, so a process following many tenants stays bounded.

When a projection has failed on an event (see :mod:`projections.runner`), a wait for a position
at or past that event does not run out its timeout: it raises :class:`ProjectionFailed` at once
(``PROJECTION_FAILED``, with the position). :meth:`ReadModels.retry` clears the failure.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import psycopg

from domain.errors import DomainError
from projections import all_projections
from projections.framework import Projection
from projections.runner import (
    Progress,
    ProjectionFailure,
    ProjectionHalted,
    ProjectionStatus,
    RunReport,
    TenantProjector,
    read_failure,
)
from projections.sql import ReadModelDB, Tx, placeholders
from service.collector import fewer_collections
from service.metrics import PROJECTION_FAILURES
from service.store import Store
from service.store.postgres import EVENTS_CHANNEL

log = logging.getLogger(__name__)

#: Longest sleep of a read-your-writes wait that hears the worker's progress: it re-reads the
#: tracking this often anyway, so a lost notification delays an answer, never hangs it.
FALLBACK_POLL = 1.0


class ProjectionLagging(DomainError):
    """The read models did not reach a position in time."""

    def __init__(self, tenant: str, position: int, reached: int, timeout: float) -> None:
        super().__init__(
            "PROJECTION_LAGGING",
            f"Dữ liệu báo cáo của đơn vị '{tenant}' chưa cập nhật kịp thay đổi vừa ghi (vị trí "
            f"{position}, mới đến {reached}) sau {timeout:g} giây; vui lòng thử lại.",
            f"The read models of tenant '{tenant}' have not caught up with the change just "
            f"recorded (position {position}, reached {reached}) within {timeout:g} s; "
            "please retry.",
            field="position",
        )
        self.position = position
        self.reached = reached


class ProjectionFailed(DomainError):
    """The read models stopped at an event a projection failed on: a position at or past it
    will not be reached until the cause is fixed and the projection retried."""

    def __init__(self, failure: ProjectionFailure, position: int) -> None:
        super().__init__(
            "PROJECTION_FAILED",
            f"Dữ liệu báo cáo của đơn vị '{failure.tenant}' đang dừng ở sự kiện "
            f"{failure.position}: bảng đọc {failure.projection} gặp lỗi khi xử lý sự kiện này. "
            f"Thay đổi ở vị trí {position} đã được ghi lại nhưng chưa hiển thị được cho đến khi "
            "người quản trị khắc phục lỗi (ketnap projections retry).",
            f"The read models of tenant '{failure.tenant}' are stopped at event "
            f"{failure.position}: projection {failure.projection} failed on it. The change at "
            f"position {position} is recorded but cannot be shown until an operator fixes the "
            "cause (ketnap projections retry).",
            field="position",
        )
        self.failure = failure
        self.position = position


class ReadModels:
    """The projections of every tenant of ``store``, as seen from this process."""

    def __init__(
        self,
        store: Store,
        *,
        projections: Callable[[], Sequence[Projection]] = all_projections,
        batch_size: int | None = None,
        inline: bool | None = None,
    ) -> None:
        self.store = store
        self._make_projections = projections
        self.batch_size = batch_size or store.settings.projection_batch_size
        self.inline = store.backend == "sqlite" if inline is None else inline
        self.max_projectors = store.settings.app_cache_size
        self._projectors: OrderedDict[str, TenantProjector] = OrderedDict()
        self._names: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        #: Whether a listener feeds :meth:`heard` (set by :mod:`service.store.registry_watch`
        #: while it listens); without one, :meth:`wait_for` polls.
        self.hearing = False
        self._progress = threading.Condition()
        self._heard: dict[str, tuple[int, int]] = {}  # tenant -> (position, failures heard)

    def projector(self, tenant: str) -> TenantProjector:
        """The projector of ``tenant`` (created on first use, tables ensured)."""
        with self._lock:
            projector = self._projectors.get(tenant)
            if projector is None:
                projector = TenantProjector(
                    self.store.app(tenant, write=False),
                    self.store.read_models(tenant),
                    self._make_projections(),
                    batch_size=self.batch_size,
                )
                projector.ensure_tables()
                self._projectors[tenant] = projector
                while len(self._projectors) > self.max_projectors:
                    self._projectors.popitem(last=False)
            else:
                self._projectors.move_to_end(tenant)
            return projector

    @property
    def projection_names(self) -> tuple[str, ...]:
        """Names of the projections this process runs, in application order."""
        if self._names is None:
            self._names = tuple(p.name for p in self._make_projections())
        return self._names

    def forget(self, tenant: str) -> None:
        """Drop the projector of ``tenant`` (e.g. when this process no longer owns it)."""
        with self._lock:
            self._projectors.pop(tenant, None)

    def catch_up(self, tenant: str, *, progress: Progress | None = None) -> RunReport:
        """Apply every event of ``tenant`` not yet applied (:class:`ProjectionFailed` when a
        projection fails on one, or a recorded failure still holds)."""
        try:
            with fewer_collections():
                return self.projector(tenant).catch_up(progress=progress)
        except ProjectionHalted as halted:
            if halted.attempted:
                log_failure(halted.failure)
            raise ProjectionFailed(halted.failure, halted.failure.position) from None

    def after_save(self, tenant: str, position: int | None) -> None:
        """Called by the command handlers after each save: runs projections inline if set.

        The command has already succeeded: a projection failure is logged, not raised, and the
        events are applied by the next catch-up (nothing is lost, the save is not undone).
        """
        if self.inline and position is not None:
            try:
                self.catch_up(tenant)
            except ProjectionFailed:
                pass  # recorded and logged; the wait for the position says so to the client
            except Exception:
                log.exception("projections of tenant %s failed after position %s", tenant, position)

    def rebuild(
        self, tenant: str, names: Sequence[str] | None = None, *, progress: Progress | None = None
    ) -> RunReport:
        """Drop and replay ``names`` (default: every projection) of ``tenant``."""
        with fewer_collections():
            return self.projector(tenant).rebuild(names, progress=progress)

    def status(self, tenant: str) -> list[ProjectionStatus]:
        """Position, version, lag and failure of each projection of ``tenant``."""
        return self.projector(tenant).status()

    def failure(self, tenant: str) -> ProjectionFailure | None:
        """The recorded failure that stops ``tenant``'s projections, if any (one read)."""
        return read_failure(self.database(tenant))

    def retry(self, tenant: str, names: Sequence[str] | None = None) -> list[ProjectionFailure]:
        """Clear ``tenant``'s recorded failure (only of ``names``, when given) so its events
        are tried again now: inline at once, and by the worker, which is told (PostgreSQL)."""
        cleared = self.projector(tenant).retry(names)
        if cleared and self.store.backend == "postgres":
            with self.store.read_models(tenant).transaction() as tx:
                tx.execute("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, tenant))
        if cleared and self.inline:
            with contextlib.suppress(ProjectionFailed):
                self.catch_up(tenant)
        return cleared

    def heard(self, tenant: str, position: int, *, failed: bool = False) -> None:
        """The worker says ``tenant``'s projections passed ``position`` (or stopped at it, when
        ``failed``): wake the waits it concerns."""
        with self._progress:
            known, failures = self._heard.get(tenant, (0, 0))
            if failed:  # stopped before ``position``: not passed
                self._heard[tenant] = (known, failures + 1)
            else:
                self._heard[tenant] = (max(known, position), failures)
            self._progress.notify_all()

    def _failures_heard(self, tenant: str) -> int:
        with self._progress:
            return self._heard.get(tenant, (0, 0))[1]

    def _await_progress(self, tenant: str, position: int, seconds: float, failures: int) -> bool:
        """Sleep until the worker is heard passing ``position`` or failing (more failures than
        ``failures``, counted before the caller's last read), at most ``seconds``; False, at
        once, when that was heard already (the caller's read may predate it)."""
        with self._progress:

            def news() -> bool:
                known, now_failed = self._heard.get(tenant, (0, 0))
                return known >= position or now_failed != failures

            if news():
                return False
            self._progress.wait_for(news, timeout=seconds)
            return True

    def wait_for(self, tenant: str, position: int | None, timeout: float | None = None) -> int:
        """Block until every projection of ``tenant`` has passed ``position``.

        Bounded by ``timeout`` seconds (default: the ``KETNAP_READ_YOUR_WRITES_TIMEOUT``
        setting); raises :class:`ProjectionLagging` when it runs out, and
        :class:`ProjectionFailed` at once when a recorded failure stops the projections at or
        before ``position``. Returns the position reached. In inline mode the caller's own
        thread catches up instead of waiting.

        While :attr:`hearing`, it sleeps until the worker's progress notification for the
        tenant says the position is passed (or a projection failed), re-reading the tracking
        at least every :data:`FALLBACK_POLL` s in case a notification is lost; otherwise it
        polls the tracking, 5 ms to 100 ms apart.
        """
        if position is None:
            return 0
        limit = self.store.settings.read_your_writes_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        pause = 0.005
        while True:
            failures = self._failures_heard(tenant)
            reached = self.reached(tenant)
            if reached >= position:
                return reached
            if self.inline:
                try:
                    self.catch_up(tenant)
                except ProjectionFailed as failed:
                    raise ProjectionFailed(failed.failure, position) from None
                if self.reached(tenant) >= position:
                    continue
                # Inline catch-up cannot pass a position that does not exist (yet).
            failure = self.failure(tenant)
            if failure is not None and failure.position <= position:
                raise ProjectionFailed(failure, position)
            if time.monotonic() >= deadline:
                raise ProjectionLagging(tenant, position, reached, limit)
            left = max(0.0, deadline - time.monotonic())
            if (
                self.hearing
                and not self.inline
                and self._await_progress(tenant, position, min(FALLBACK_POLL, left), failures)
            ):
                continue
            # Not listening, or heard already yet not read (a projection behind the others'
            # batch, or a notification that arrived after the read): poll, growing the pause.
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.1)

    def reached(self, tenant: str) -> int:
        """The position every projection of ``tenant`` has passed (one read of the tracking).

        0 when a projection has no tracking row yet, or the tracking table does not exist
        (a tenant created before its read-model tables were created with it).
        """
        positions = self.positions(tenant)
        if len(positions) < len(self.projection_names):
            return 0
        return min(positions.values())

    def positions(self, tenant: str) -> dict[str, int]:
        """The position each projection of ``tenant`` has passed, for those that have one (one
        read of the tracking; none when its table does not exist yet)."""
        names = self.projection_names
        db = self.database(tenant)
        try:
            # One statement, no transaction around it: this runs up to twice per wait.
            rows = db.read_once(
                f"SELECT projection, position FROM {db.table('projection_tracking')} "
                f"WHERE projection IN ({placeholders(len(names))})",
                names,
            )
        except (psycopg.errors.UndefinedTable, sqlite3.OperationalError):
            return {}
        return {str(name): int(position) for name, position in rows}

    @contextmanager
    def read(self, tenant: str) -> Iterator[Tx]:
        """A read-only transaction (one snapshot) on ``tenant``'s read models."""
        with self.database(tenant).transaction(write=False) as tx:
            yield tx

    def database(self, tenant: str) -> ReadModelDB:
        """Where :meth:`read`, :meth:`reached` and :meth:`failure` read ``tenant``'s read
        models: the store's (the primary); a replica's in
        :class:`service.replica_reads.ReplicaReadModels`."""
        return self.store.read_models(tenant)


def log_failure(failure: ProjectionFailure) -> None:
    """One line per failed attempt: what, where, and when the next one is (no values); and
    one more on the failures counter (``ketnap_projection_failures_total``)."""
    PROJECTION_FAILURES.labels(failure.tenant, failure.projection).inc()
    log.error(
        "tenant %s: projection %s failed on the event at position %d (attempt %d; next try at "
        "%s; ketnap projections retry after a fix): %s",
        failure.tenant,
        failure.projection,
        failure.position,
        failure.attempts,
        failure.retry_at.strftime("%H:%M:%S"),
        failure.error,
    )
