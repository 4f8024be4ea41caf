"""Queries served by a read replica, with read-your-writes kept (``KETNAP_READ_DATABASE_URL``).

A streaming replica replays the primary's WAL a moment later; a caller who just wrote must
still see the write in its next query. What the caller needs to see is not the event (the
event store is only read on the primary) but the *read models* that include it, and those are
written later, by the worker, in its own transactions. So the wait compares what the query
will read: the projections' tracking positions **read on the replica**
(:class:`ReplicaReadModels` is :class:`~service.read_models.ReadModels` whose reads go to the
replica), against the caller's write position, the same event position the primary's wait
uses. Comparing ``pg_last_wal_replay_lsn()`` with the LSN of the write's commit was the
alternative, rejected: the write's commit comes *before* the projection's, so a replica past it
may still show read models without the write, and it would cost a statement on the primary per
write; the tracking row is replayed in the very transaction that made the read models include
the position, so "tracking ≥ position on the replica" is exactly "the replica's read models
show the write", whether the lag was the worker's or the replica's.

The wait is the existing one (:meth:`~service.read_models.ReadModels.wait_for`): polled (a
standby cannot ``LISTEN``), bounded by ``KETNAP_READ_YOUR_WRITES_TIMEOUT``, answered
``PROJECTION_LAGGING`` ("not yet, retry") when it runs out, never with stale data, and
``PROJECTION_FAILED`` when a projection is stopped at or before the position.

Which position to wait for: with a replica the next query of a caller may come to any
``ketnap serve`` process, so *every* write's position is kept in the primary's ``write_marks``
table (:class:`ReplicaWriteMarks`; without a replica only the writes whose own wait ran out
are), and removed once a read of that caller saw the replica pass it. Marks are written and
removed on the primary only; the replica is only read.
"""

from __future__ import annotations

import logging
from typing import Any

from projections.sql import ReadModelDB
from service.read_models import ReadModels
from service.store import Store
from service.store.postgres import SharedPostgresDatastore
from service.store.registry import PostgresTenantRegistry
from service.store.replica import ReplicaDatabase, flush_wal, primary_lsn
from service.write_marks import SharedWriteMarks

log = logging.getLogger(__name__)


class ReplicaReadModels(ReadModels):
    """The read models of every tenant as the read replica has them: queries and the
    read-your-writes wait read there; nothing is projected or written through it.

    ``primary`` is the process's view of the primary's read models: when a wait finds the
    primary past the position and the replica not, the primary is made to flush its WAL
    (:func:`~service.store.replica.flush_wal`), so the replica gets the worker's asynchronous
    commit now rather than at the WAL writer's next round.
    """

    def __init__(self, store: Store, replica: ReplicaDatabase, primary: ReadModels) -> None:
        super().__init__(store, inline=False)
        self.replica = replica
        self.primary = primary

    def database(self, tenant: str) -> ReadModelDB:
        self.store.read_models(tenant)  # bilingual errors for an unknown tenant, as on the primary
        return self.replica.read_models(tenant)

    def wait_for(self, tenant: str, position: int | None, timeout: float | None = None) -> int:
        if position is None:
            return 0
        reached = self.reached(tenant)
        if reached >= position:
            return reached
        if self.primary.reached(tenant) >= position:
            flush_wal(self._primary_datastore())
        return super().wait_for(tenant, position, timeout)

    def _primary_datastore(self) -> SharedPostgresDatastore:
        registry = self.store.registry
        assert isinstance(registry, PostgresTenantRegistry)
        return registry.datastore

    def replica_status(self) -> dict[str, Any]:
        """The replica's state for ``/readyz``: reachable, in recovery, replay lag (bytes of WAL
        behind the primary, seconds) and whether replay is paused. Raises when either server
        does not answer."""
        return self.replica.status(primary_lsn(self._primary_datastore())).as_json()

    def close(self) -> None:
        """Close the replica's pool (the store is the process's, closed with it)."""
        self.replica.close()


class ReplicaWriteMarks(SharedWriteMarks):
    """:class:`SharedWriteMarks` that keeps every write's position, not only those whose
    wait ran out: the primary's read models passing it says nothing about the replica's."""

    def note(self, tenant: str, subject: str, position: int | None) -> None:
        super().note(tenant, subject, position)
        if position is not None:
            super().outstanding(tenant, subject, position)

    def outstanding(self, tenant: str, subject: str, position: int) -> None:
        """Already kept by :meth:`note`."""


def replica_readiness(
    replica: ReplicaReadModels, heads: dict[str, int], max_lag: int
) -> tuple[bool, dict[str, Any]]:
    """Whether queries can be served by ``replica`` (``/readyz``), and what it says.

    Not ready when it does not answer, or when a tenant's read models *on the replica* are more
    than ``max_lag`` events behind ``heads`` (each tenant's last position, on the primary):
    every caller's read would wait, then be refused. Never raises.
    """
    try:
        status = replica.replica_status()
        lagging = {
            slug: head - reached
            for slug, head in heads.items()
            if (reached := replica.reached(slug)) < head - max_lag
        }
    except Exception as error:  # the replica (or the primary) did not answer
        log.warning("readiness: replica unreachable: %s", type(error).__name__)
        return False, {"reachable": False, "error": type(error).__name__}
    if lagging:
        status["lagging"] = lagging
    return not lagging, status
