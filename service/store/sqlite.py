"""SQLite wiring: the library's SQLite factory, with the hash chain (``service.store.chain``).

:class:`ChainedSQLiteApplicationRecorder` writes each event's link into the tenant file's
``ketnap_links`` table inside the insert transaction: the events are inserted first (which
takes SQLite's write lock), then the last link is read and the new links appended, so two
writers can never chain onto the same link. The links and checkpoints tables are created with
the events table (``CREATE_TABLE`` at provisioning) or by ``ketnap audit chain --init``.

Saves take the process's write lock of the tenant file first
(:func:`projections.sql.sqlite_write_lock`, shared with the read models' batches), so a save
and an inline projection batch of one process never wait on each other inside the library's
connection pool and SQLite's lock; and a save waits :data:`WRITE_WAIT_SECONDS` for its turn
(the library's 5 s failed ordinary commands under a few concurrent clients).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import OperationalError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

from projections.sql import SQLITE_WRITE_WAIT_SECONDS, holding, sqlite_write_lock
from service.store.chain import (
    GENESIS,
    LINKS_TABLE,
    SQLITE_CHAIN_STATEMENTS,
    chain_links,
    chain_missing,
)


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder, plus the hash-chain links."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name)
        self.tenant = Path(str(datastore.pool.db_name)).stem
        self._write_lock = sqlite_write_lock(Path(str(datastore.pool.db_name)))

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with holding(self._write_lock, "a save"):
            return super().insert_events(stored_events, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *SQLITE_CHAIN_STATEMENTS]

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if not stored_events:
            return ids
        assert ids is not None
        pairs = sorted(zip(ids, stored_events, strict=True), key=lambda pair: pair[0])
        try:
            c.execute(f"SELECT hash FROM {LINKS_TABLE} ORDER BY position DESC LIMIT 1")
        except (sqlite3.OperationalError, OperationalError) as error:
            if "no such table" in str(error):
                raise chain_missing(self.tenant) from error
            raise
        row = c.fetchone()
        prev = GENESIS if row is None else bytes(row[0])
        links = chain_links(prev, [p for p, _ in pairs], [e for _, e in pairs])
        c.executemany(
            f"INSERT INTO {LINKS_TABLE} (position, hash, prev_hash) VALUES (?, ?, ?)",
            [(link.position, link.hash, link.prev_hash) for link in links],
        )
        return ids


#: Seconds a save waits for the process's writer connection and for SQLite's write lock (as
#: long as the read models' batches wait, ``projections.sql``).
WRITE_WAIT_SECONDS = SQLITE_WRITE_WAIT_SECONDS


class ChainedSQLiteFactory(SQLiteFactory):
    """``SQLiteFactory`` whose application recorder writes the hash chain, and whose saves
    wait :data:`WRITE_WAIT_SECONDS` for their turn instead of the library's 5 s."""

    application_recorder_class = ChainedSQLiteApplicationRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        # Connections are opened lazily: every one this pool opens gets the longer timeout.
        pool.pool_timeout = WRITE_WAIT_SECONDS
        pool.lock_timeout = WRITE_WAIT_SECONDS
