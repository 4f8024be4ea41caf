"""Running the projections of a store's tenants, and waiting for them (read-your-writes).

``ReadModels`` keeps one :class:`~projections.runner.TenantProjector` per tenant in this
process. In embedded (SQLite) mode the command handlers call :meth:`ReadModels.after_save`, so
projections run inline right after each command; with PostgreSQL the ``ketnap worker``
process runs them (see :mod:`service.worker`), and a reader that must see its own write calls
:meth:`wait_for`, which only reads the tracking positions (no DDL, no projection work).

At most ``settings.app_cache_size`` projectors are kept (least recently used dropped first):
a projector caches aggregates, so a process following many tenants stays bounded.
"""

from __future__ import annotations

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
from projections.runner import Progress, ProjectionStatus, RunReport, TenantProjector
from projections.sql import Tx, placeholders
from service.store import Store

log = logging.getLogger(__name__)


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
        """Apply every event of ``tenant`` not yet applied."""
        return self.projector(tenant).catch_up(progress=progress)

    def after_save(self, tenant: str, position: int | None) -> None:
        """Called by the command handlers after each save: runs projections inline if set.

        The command has already succeeded: a projection failure is logged, not raised, and the
        events are applied by the next catch-up (nothing is lost, the save is not undone).
        """
        if self.inline and position is not None:
            try:
                self.catch_up(tenant)
            except Exception:
                log.exception("projections of tenant %s failed after position %s", tenant, position)

    def rebuild(
        self, tenant: str, names: Sequence[str] | None = None, *, progress: Progress | None = None
    ) -> RunReport:
        """Drop and replay ``names`` (default: every projection) of ``tenant``."""
        return self.projector(tenant).rebuild(names, progress=progress)

    def status(self, tenant: str) -> list[ProjectionStatus]:
        """Position, version and lag of each projection of ``tenant``."""
        return self.projector(tenant).status()

    def wait_for(self, tenant: str, position: int | None, timeout: float | None = None) -> int:
        """Block until every projection of ``tenant`` has passed ``position``.

        Bounded by ``timeout`` seconds (default: the ``KETNAP_READ_YOUR_WRITES_TIMEOUT``
        setting); raises :class:`ProjectionLagging` when it runs out. Returns the position
        reached. In inline mode the caller's own thread catches up instead of waiting.
        """
        if position is None:
            return 0
        limit = self.store.settings.read_your_writes_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        pause = 0.005
        while True:
            reached = self.reached(tenant)
            if reached >= position:
                return reached
            if self.inline:
                self.catch_up(tenant)
                if self.reached(tenant) >= position:
                    continue
                # Inline catch-up cannot pass a position that does not exist (yet).
            if time.monotonic() >= deadline:
                raise ProjectionLagging(tenant, position, reached, limit)
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.1)

    def reached(self, tenant: str) -> int:
        """The position every projection of ``tenant`` has passed (one read of the tracking).

        0 when a projection has no tracking row yet, or the tracking table does not exist
        (a tenant created before its read-model tables were created with it).
        """
        names = self.projection_names
        try:
            with self.read(tenant) as tx:
                rows = tx.fetchall(
                    f"SELECT projection, position FROM projection_tracking "
                    f"WHERE projection IN ({placeholders(len(names))})",
                    names,
                )
        except (psycopg.errors.UndefinedTable, sqlite3.OperationalError):
            return 0
        if len(rows) < len(names):
            return 0
        return min(int(position) for _, position in rows)

    @contextmanager
    def read(self, tenant: str) -> Iterator[Tx]:
        """A read-only transaction (one snapshot) on ``tenant``'s read models."""
        with self.store.read_models(tenant).transaction(write=False) as tx:
            yield tx
