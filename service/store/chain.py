"""The per-tenant hash chain over stored events (issue 5, part 1).

Every stored event has a **position** (PostgreSQL ``notification_id``, SQLite ``rowid``) and a
**link** in the tenant's ``ketnap_links`` table::

    hash = SHA-256( prev_hash                       32 bytes
                  ‖ position                        8 bytes, unsigned big-endian
                  ‖ originator_id                   16 bytes, UUID.bytes
                  ‖ originator_version              8 bytes, unsigned big-endian
                  ‖ len(topic UTF-8) ‖ topic UTF-8  4 bytes unsigned big-endian ‖ bytes
                  ‖ len(state) ‖ state              8 bytes unsigned big-endian ‖ stored bytes )

``prev_hash`` is the hash of the event at the previous position, :data:`GENESIS` (32 zero
bytes) for the first one. ``state`` is the bytes as stored (after compression/encryption).
The links are written by the recorders in ``service.store.postgres`` and
``service.store.sqlite`` inside the insert transaction, after the events table's write lock;
``service.store.tenant_chain.init_tenant`` (``ketnap audit chain --init``) links the events of
tenants that existed before the chain. This module is part of the store: it imports nothing
of the audit tools or the command line. See ``docs/audit.md`` for the full description.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from psycopg import sql

from domain.errors import DomainError

GENESIS = bytes(32)
"""``prev_hash`` of the first event of every tenant."""

LINKS_TABLE = "ketnap_links"
CHECKPOINTS_TABLE = "ketnap_checkpoints"

_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")


def link_hash(
    prev_hash: bytes,
    position: int,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The link hash of one stored event (the encoding in the module docstring)."""
    if len(prev_hash) != len(GENESIS):
        msg = f"prev_hash must be 32 bytes, got {len(prev_hash)}"
        raise ValueError(msg)
    uuid = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
    topic_bytes = topic.encode("utf-8")
    digest = hashlib.sha256(prev_hash)
    digest.update(_U64.pack(position))
    digest.update(uuid.bytes)
    digest.update(_U64.pack(originator_version))
    digest.update(_U32.pack(len(topic_bytes)))
    digest.update(topic_bytes)
    digest.update(_U64.pack(len(state)))
    digest.update(state)
    return digest.digest()


class StoredEventLike(Protocol):
    """What :func:`chain_links` needs of an event (``StoredEvent`` fits)."""

    @property
    def originator_id(self) -> UUID | str: ...

    @property
    def originator_version(self) -> int: ...

    @property
    def topic(self) -> str: ...

    @property
    def state(self) -> bytes: ...


@dataclass(frozen=True)
class Link:
    """One row of ``ketnap_links``."""

    position: int
    hash: bytes
    prev_hash: bytes


def chain_links(
    prev_hash: bytes, positions: Sequence[int], events: Sequence[StoredEventLike]
) -> list[Link]:
    """The links of ``events`` (stored at ``positions``, ascending) following ``prev_hash``."""
    if len(positions) != len(events):
        msg = f"got {len(positions)} positions for {len(events)} events"
        raise ValueError(msg)
    links: list[Link] = []
    last_position = -1
    for position, event in zip(positions, events, strict=True):
        if position <= last_position:
            msg = f"positions must ascend: {position} after {last_position}"
            raise ValueError(msg)
        last_position = position
        digest = link_hash(
            prev_hash,
            position,
            event.originator_id,
            event.originator_version,
            event.topic,
            bytes(event.state),
        )
        links.append(Link(position, digest, prev_hash))
        prev_hash = digest
    return links


# --- DDL -----------------------------------------------------------------------------------


def postgres_chain_statements(schema: str) -> list[sql.Composed]:
    """``CREATE TABLE`` statements of the links and checkpoints tables in ``schema``."""
    return [
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " position bigint PRIMARY KEY,"
            " hash bytea NOT NULL,"
            " prev_hash bytea NOT NULL)"
        ).format(sql.Identifier(schema, LINKS_TABLE)),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " id bigserial PRIMARY KEY,"
            " recorded_at text NOT NULL,"
            " statement text NOT NULL)"
        ).format(sql.Identifier(schema, CHECKPOINTS_TABLE)),
    ]


SQLITE_CHAIN_STATEMENTS = [
    f"CREATE TABLE IF NOT EXISTS {LINKS_TABLE} ("
    " position INTEGER PRIMARY KEY,"
    " hash BLOB NOT NULL,"
    " prev_hash BLOB NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} ("
    " id INTEGER PRIMARY KEY,"
    " recorded_at TEXT NOT NULL,"
    " statement TEXT NOT NULL)",
]
"""The SQLite equivalent of :func:`postgres_chain_statements` (tenant file)."""


def chain_missing(tenant: str) -> DomainError:
    """Bilingual refusal: the tenant's links table does not exist yet."""
    return DomainError(
        "AUDIT_CHAIN_MISSING",
        f"Đơn vị '{tenant}' chưa có chuỗi băm kiểm tra; quản trị viên cần chạy "
        f"'ketnap audit chain --init --tenant {tenant}'.",
        f"Tenant '{tenant}' has no audit hash chain yet; an operator must run "
        f"'ketnap audit chain --init --tenant {tenant}'.",
        field="tenant",
    )


def chain_broken(tenant: str, position: int) -> DomainError:
    """Bilingual refusal: ``--init`` found unlinked events before linked ones."""
    return DomainError(
        "AUDIT_CHAIN_BROKEN",
        f"Chuỗi băm của đơn vị '{tenant}' đã bị đứt (sự kiện ở vị trí {position} không có "
        "liên kết nhưng các sự kiện sau có); không thể khởi tạo lại — hãy chạy "
        "'ketnap audit verify'.",
        f"The hash chain of tenant '{tenant}' is broken (the event at position {position} "
        "has no link but later events do); it cannot be initialised again — run "
        "'ketnap audit verify'.",
        field="tenant",
    )


# --- init (one-time linking of existing events) ---------------------------------------------


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_chain` did for one tenant."""

    tenant: str
    linked: int
    """Events linked now."""
    already_linked: int
    """Events that had links before."""
    created_table: bool


@dataclass(frozen=True)
class _Row:
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


def _plan(
    tenant: str, last: tuple[int, bytes] | None, unlinked: Iterable[tuple[int, _Row]]
) -> tuple[list[int], list[_Row]]:
    positions: list[int] = []
    rows: list[_Row] = []
    for position, row in unlinked:
        if last is not None and position < last[0]:
            raise chain_broken(tenant, position)
        positions.append(position)
        rows.append(row)
    return positions, rows


def init_chain_postgres(curs: Any, schema: str, events_table: str, tenant: str) -> InitResult:
    """Link every unlinked event of ``schema`` (caller commits; runs DDL if needed)."""
    curs.execute("SELECT to_regclass(%s) AS t", (f"{schema}.{LINKS_TABLE}",))
    row = curs.fetchone()
    created = row is None or _first(row) is None
    for statement in postgres_chain_statements(schema):
        curs.execute(statement)
    curs.execute(
        sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(schema, events_table))
    )
    links = sql.Identifier(schema, LINKS_TABLE)
    curs.execute(sql.SQL("SELECT count(*) FROM {}").format(links))
    already = int(_first(curs.fetchone()))
    curs.execute(
        sql.SQL("SELECT position, hash FROM {} ORDER BY position DESC LIMIT 1").format(links)
    )
    last_row = curs.fetchone()
    last = None if last_row is None else (int(_first(last_row)), bytes(_second(last_row)))
    curs.execute(
        sql.SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state"
            " FROM {} e LEFT JOIN {} l ON l.position = e.notification_id"
            " WHERE l.position IS NULL ORDER BY e.notification_id"
        ).format(sql.Identifier(schema, events_table), links)
    )
    unlinked = [
        (int(r[0]), _Row(r[1], int(r[2]), str(r[3]), bytes(r[4])))
        for r in (_values(x) for x in curs.fetchall())
    ]
    positions, rows = _plan(tenant, last, unlinked)
    new_links = chain_links(last[1] if last else GENESIS, positions, rows)
    if new_links:
        curs.executemany(
            sql.SQL("INSERT INTO {} (position, hash, prev_hash) VALUES (%s, %s, %s)").format(links),
            [(link.position, link.hash, link.prev_hash) for link in new_links],
        )
    return InitResult(tenant, len(new_links), already, created)


def init_chain_sqlite(conn: sqlite3.Connection, tenant: str) -> InitResult:
    """Link every unlinked event of a tenant's SQLite file (one write transaction)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (LINKS_TABLE,)
        ).fetchone()
        for statement in SQLITE_CHAIN_STATEMENTS:
            conn.execute(statement)
        already = int(conn.execute(f"SELECT count(*) FROM {LINKS_TABLE}").fetchone()[0])
        last_row = conn.execute(
            f"SELECT position, hash FROM {LINKS_TABLE} ORDER BY position DESC LIMIT 1"
        ).fetchone()
        last = None if last_row is None else (int(last_row[0]), bytes(last_row[1]))
        unlinked = [
            (int(r[0]), _Row(UUID(r[1]), int(r[2]), str(r[3]), bytes(r[4])))
            for r in conn.execute(
                "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state"
                f" FROM stored_events e LEFT JOIN {LINKS_TABLE} l ON l.position = e.rowid"
                " WHERE l.position IS NULL ORDER BY e.rowid"
            )
        ]
        positions, rows = _plan(tenant, last, unlinked)
        new_links = chain_links(last[1] if last else GENESIS, positions, rows)
        conn.executemany(
            f"INSERT INTO {LINKS_TABLE} (position, hash, prev_hash) VALUES (?, ?, ?)",
            [(link.position, link.hash, link.prev_hash) for link in new_links],
        )
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return InitResult(tenant, len(new_links), already, exists is None)


def _values(row: Any) -> Sequence[Any]:
    return list(row.values()) if isinstance(row, dict) else list(row)


def _first(row: Any) -> Any:
    return _values(row)[0]


def _second(row: Any) -> Any:
    return _values(row)[1]
