"""The read replica: a second pool, on a PostgreSQL streaming replica, for the queries only.

``KETNAP_READ_DATABASE_URL`` names a hot standby of the primary's database (``pg_basebackup
-R``; see deploy/README.md). :class:`ReplicaDatabase` opens one pool on it (the same size as the
primary's) and hands out each tenant's read models there (:meth:`read_models`), for the
read-only transactions of the queries and the tracking reads of their read-your-writes wait
(:mod:`service.replica_reads`). Nothing is ever written through it: every connection runs with
``default_transaction_read_only`` (a standby refuses writes anyway; this also holds when the URL
names a server that is not one), and the tables it reads are created and written on the primary.

:meth:`ReplicaDatabase.status` says what ``/readyz`` reports: whether the replica answers,
whether it is in recovery (a standby) and its replay lag, in bytes of WAL behind the primary's
current position and in seconds since the last transaction it replayed.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from projections.sql import PostgresReadModels, ReadModelDB
from service.settings import Settings
from service.store.postgres import SharedPostgresDatastore
from service.store.registry import tenant_schema, validate_slug

#: ``application_name`` of the replica pool's connections unless the URL names one
#: (``pg_stat_activity`` on the replica tells them apart).
APPLICATION_NAME = "ketnap-replica-reads"
READ_ONLY_OPTION = "-c default_transaction_read_only=on"
#: Prefix of the WAL message :func:`flush_wal` writes.
FLUSH_MESSAGE = "ketnap-flush"

#: One statement on the replica: recovery, replay lag behind ``%s`` (the primary's current WAL
#: position, in bytes), paused replay, and seconds since the last replayed transaction (0 when
#: everything received is replayed: an idle primary is not lag).
_STATUS = (
    "SELECT pg_is_in_recovery() AS recovery,"
    " CASE WHEN pg_is_in_recovery()"
    "  THEN pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint END AS lag_bytes,"
    " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS paused,"
    " CASE WHEN NOT pg_is_in_recovery()"
    "   OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    "  ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END"
    " AS lag_seconds"
)


@dataclass(frozen=True)
class ReplicaStatus:
    """What the replica said about itself (``/readyz``)."""

    in_recovery: bool
    lag_bytes: int | None
    replay_paused: bool | None
    lag_seconds: float | None

    def as_json(self) -> dict[str, Any]:
        """The status as ``/readyz`` shows it (camelCase, like the API)."""
        return {
            "reachable": True,
            "inRecovery": self.in_recovery,
            "lagBytes": self.lag_bytes,
            "replayPaused": self.replay_paused,
            "lagSeconds": self.lag_seconds,
        }


class ReplicaDatabase:
    """The process's pool on the read replica, and each tenant's read models there."""

    def __init__(self, settings: Settings) -> None:
        params = settings.read_postgres()
        if params is None:
            msg = "KETNAP_READ_DATABASE_URL is not set"
            raise ValueError(msg)
        extra = dict(params.extra)
        extra.setdefault("application_name", APPLICATION_NAME)
        extra["options"] = f"{extra.get('options', '')} {READ_ONLY_OPTION}".strip()
        self.datastore = SharedPostgresDatastore(
            dataclasses.replace(params, extra=tuple(sorted(extra.items()))),
            pool_size=settings.pg_pool_size,
            max_overflow=settings.pg_max_overflow,
            pool_timeout=settings.pg_pool_timeout,
        )
        self._read_models: dict[str, ReadModelDB] = {}
        self._lock = threading.Lock()

    def read_models(self, tenant: str) -> ReadModelDB:
        """``tenant``'s read models on the replica (its schema, over the replica's pool)."""
        slug = validate_slug(tenant)
        with self._lock:
            db = self._read_models.get(slug)
            if db is None:
                db = self._read_models[slug] = PostgresReadModels(
                    slug, tenant_schema(slug), self.datastore
                )
            return db

    def status(self, primary_lsn: str) -> ReplicaStatus:
        """The replica's recovery state and lag behind ``primary_lsn`` (one statement)."""
        with self.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(_STATUS, [primary_lsn])
            row = cur.fetchone()  # the pool's rows are dicts
        assert row is not None
        lag_bytes, lag_seconds = row["lag_bytes"], row["lag_seconds"]
        return ReplicaStatus(
            in_recovery=bool(row["recovery"]),
            lag_bytes=None if lag_bytes is None else int(lag_bytes),
            replay_paused=row["paused"],
            lag_seconds=None if lag_seconds is None else round(float(lag_seconds), 3),
        )

    def close(self) -> None:
        """Close the replica's pool."""
        self.datastore.close()


def flush_wal(datastore: SharedPostgresDatastore) -> None:
    """Make the primary flush (and so stream) every WAL record written so far.

    The workers commit their read-model batches asynchronously (``synchronous_commit`` off,
    :class:`projections.sql.PostgresReadModels`), and a primary streams only flushed WAL: left
    alone, a replica gets a batch when the WAL writer next flushes (``wal_writer_delay``,
    200 ms by default). A transaction that writes a WAL record and commits synchronously
    flushes everything before its commit record: one flush, no table written. The record is a
    logical-decoding message (prefix :data:`FLUSH_MESSAGE`, ignored by everything else); a
    transaction that only takes an id writes no record and PostgreSQL commits it
    asynchronously, flushing nothing (measured: 200 ms either way).
    """
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit TO on")
        cur.execute("SELECT pg_logical_emit_message(true, %s, '')", [FLUSH_MESSAGE])


def primary_lsn(datastore: SharedPostgresDatastore) -> str:
    """The primary's current WAL position (``pg_current_wal_lsn()``), as text."""
    with datastore.get_connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn()::text AS lsn")
        row = cur.fetchone()
    assert row is not None
    return str(row["lsn"])
