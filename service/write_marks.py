"""Read-your-writes marks: the last position each caller wrote, so its later reads wait for it.

A mutation returns once the read models have passed its position (``ReadModels.wait_for``), so
any reader of the same database sees the write after that: the tracking positions are in the
database, shared by every replica. What is *not* shared is the case where that wait ran out
(``PROJECTION_LAGGING``: the worker was slow) or stopped at a failed projection: the write is
stored, and the caller's later reads must wait for it (or say ``PROJECTION_FAILED``).

- :class:`WriteMarks` remembers those positions in this process (embedded SQLite, where
  projections run inline and one process serves, and the tests).
- :class:`SharedWriteMarks` (PostgreSQL with ``ketnap worker``, the deployed topology: several
  ``ketnap serve`` replicas behind a proxy) also writes the position of a write whose wait did
  not pass it into the tenant's table ``write_marks`` (one row per caller, the subject's
  SHA-256, never the subject itself), and every read request of a caller looks its row up
  first: one primary-key read. The request then waits on the read models' tracking positions
  in the database exactly as on the replica that wrote, bounded by
  ``KETNAP_READ_YOUR_WRITES_TIMEOUT``. A row is deleted once a read saw the read models pass
  it, so a caller's reads cost one statement unless a write of theirs is still outstanding.

The table is the application role's (it has ``CREATE`` on the tenant schema, see
:mod:`service.store.roles`), created on first use by each process with ``IF NOT EXISTS``; it is
not a read model: a projection rebuild leaves it alone, and losing it loses only waits.
"""

from __future__ import annotations

import hashlib
import threading

from service.store import Store

#: The tenant-schema table of outstanding marks (not ``rm_``: rebuilds do not drop it).
TABLE = "write_marks"
#: Advisory-lock class serialising the table's creation (``CREATE TABLE IF NOT EXISTS`` run by
#: two sessions at once fails in one of them on the catalog's unique index).
CREATE_LOCK_CLASS = 72_004


def subject_key(subject: str) -> str:
    """What identifies a caller in the database: the SHA-256 of its token's ``sub`` (a user id
    is personal data; its hash is enough to find the caller's mark again)."""
    return hashlib.sha256(subject.encode()).hexdigest()


class WriteMarks:
    """The last position each caller (tenant, subject) wrote, kept in this process."""

    def __init__(self) -> None:
        self._marks: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def note(self, tenant: str, subject: str, position: int | None) -> None:
        """``subject`` wrote ``position`` in ``tenant``."""
        if position is None:
            return
        with self._lock:
            key = (tenant, subject)
            self._marks[key] = max(position, self._marks.get(key, 0))

    def get(self, tenant: str, subject: str) -> int | None:
        """The position ``subject``'s reads of ``tenant`` must wait for, if any."""
        with self._lock:
            return self._marks.get((tenant, subject))

    def outstanding(self, tenant: str, subject: str, position: int) -> None:
        """The wait for ``position`` ran out (or stopped at a failure): other processes must
        know it too. Nothing to do in a single process."""

    def passed(self, tenant: str, subject: str, reached: int) -> None:
        """A read of ``subject`` saw ``tenant``'s read models at ``reached`` (at or past its
        mark). Nothing to do in a single process."""


class SharedWriteMarks(WriteMarks):
    """:class:`WriteMarks` whose outstanding positions every replica of the database sees."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self._ready: set[str] = set()  # tenants whose table this process made sure of
        #: Shared marks found by :meth:`get` and not yet seen passed, to delete once they are.
        self._found: dict[tuple[str, str], int] = {}

    def _ensure_table(self, tenant: str) -> None:
        if tenant in self._ready:
            return
        with self.store.read_models(tenant).transaction() as tx:
            tx.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                [CREATE_LOCK_CLASS],
            )
            tx.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                "subject text PRIMARY KEY, position bigint NOT NULL)"
            )
        self._ready.add(tenant)

    def outstanding(self, tenant: str, subject: str, position: int) -> None:
        self._ensure_table(tenant)
        with self.store.read_models(tenant).transaction() as tx:
            tx.execute(
                f"INSERT INTO {TABLE} (subject, position) VALUES (%s, %s) ON CONFLICT (subject)"
                f" DO UPDATE SET position = GREATEST({TABLE}.position, EXCLUDED.position)",
                [subject_key(subject), position],
            )

    def get(self, tenant: str, subject: str) -> int | None:
        local = super().get(tenant, subject)
        self._ensure_table(tenant)
        db = self.store.read_models(tenant)
        rows = db.read_once(
            f"SELECT position FROM {db.table(TABLE)} WHERE subject = %s", [subject_key(subject)]
        )
        shared = int(rows[0][0]) if rows else None
        if shared is not None:
            with self._lock:
                self._found[(tenant, subject)] = shared
        if local is None or shared is None:
            return local if shared is None else shared
        return max(local, shared)

    def passed(self, tenant: str, subject: str, reached: int) -> None:
        with self._lock:
            found = self._found.get((tenant, subject))
            if found is None or found > reached:
                return
            del self._found[(tenant, subject)]
        # Only marks at or before what was seen: a later write's mark, noted meanwhile, stays.
        with self.store.read_models(tenant).transaction() as tx:
            tx.execute(
                f"DELETE FROM {TABLE} WHERE subject = %s AND position <= %s",
                [subject_key(subject), reached],
            )
