"""Verification of a tenant's hash chain (issue 5, part 3).

:func:`verify_records` walks a tenant's history in position order — from the database
(:func:`verify_tenant`, through :func:`chain_snapshot`) or from an export file
(``service.audit.export``) — recomputes every link (``service.store.chain``) and reports the
first break, checking signed checkpoints (``service.audit.checkpoints``) on the way. Break
kinds, at position P:

``link_missing``
    an event has no link (inserted outside the application, or ``chain --init`` never run);
``event_missing``
    a link has no event (the event row was deleted);
``prev_mismatch``
    the link's ``prev_hash`` is not the previous link's hash (rows before P deleted, or links
    altered);
``hash_mismatch``
    the hash recomputed from the stored event differs from its link (id, version, topic or
    state changed, or rows swapped);
``checkpoint_mismatch``
    a checkpoint's position has no event, or a different hash or event count there, or the
    history ends before it (newest events removed, or the chain recomputed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

from psycopg import sql

from service.audit.checkpoints import Checkpoint
from service.store import Store
from service.store.chain import (
    CHECKPOINTS_TABLE,
    GENESIS,
    LINKS_TABLE,
    chain_missing,
    link_hash,
)
from service.store.tenant_chain import postgres_tenant, sqlite_tenant_file

BATCH = 2000


@dataclass(frozen=True)
class ChainRecord:
    """One position of a tenant's history as stored: the event and/or its link."""

    position: int
    originator_id: UUID | None = None
    originator_version: int | None = None
    topic: str | None = None
    state: bytes | None = None
    hash: bytes | None = None
    prev_hash: bytes | None = None

    @property
    def has_event(self) -> bool:
        """Whether an event is stored at this position (else only a link is)."""
        return self.originator_id is not None


@dataclass(frozen=True)
class Break:
    """The first broken link: where, what kind, and the hashes that differ (hex)."""

    position: int
    kind: str
    message_vi: str
    message_en: str
    expected: str | None = None
    found: str | None = None


@dataclass(frozen=True)
class CheckpointCheck:
    """How one checkpoint fared: signature, trusted key, and the chain at its position."""

    checkpoint: Checkpoint
    signature_valid: bool
    key_trusted: bool | None
    """None when no trusted key was given."""
    matches: bool | None
    """None when verification stopped before its position (or the signature is bad)."""

    @property
    def ok(self) -> bool:
        """Signature valid, key not distrusted, and the chain matched it."""
        return self.signature_valid and self.key_trusted is not False and self.matches is True


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of verifying one tenant's chain."""

    tenant: str
    events: int
    """Events verified (all of them when intact)."""
    head_position: int
    """Position of the last verified event (0 when none)."""
    head_hash: str
    """Hash of the last verified link, hex (genesis when none)."""
    first_break: Break | None = None
    checkpoints: tuple[CheckpointCheck, ...] = field(default_factory=tuple)

    @property
    def intact(self) -> bool:
        """No break, and every checkpoint checked out."""
        return self.first_break is None and all(c.ok for c in self.checkpoints)

    def summary(self) -> tuple[str, str]:
        """(Vietnamese, English) one-line summary."""
        if self.first_break is not None:
            b = self.first_break
            return (
                f"{self.tenant}: ĐỨT tại vị trí {b.position} [{b.kind}]: {b.message_vi}",
                f"{self.tenant}: BROKEN at position {b.position} [{b.kind}]: {b.message_en}",
            )
        bad = [c for c in self.checkpoints if not c.ok]
        if bad:
            c = bad[0]
            why_vi = "chữ ký sai" if not c.signature_valid else "khóa không được tin cậy"
            why_en = "bad signature" if not c.signature_valid else "untrusted key"
            return (
                f"{self.tenant}: điểm kiểm tra tại vị trí {c.checkpoint.position} không hợp "
                f"lệ ({why_vi})",
                f"{self.tenant}: checkpoint at position {c.checkpoint.position} is not valid "
                f"({why_en})",
            )
        return (
            f"{self.tenant}: nguyên vẹn, {self.events} sự kiện, băm đầu {self.head_hash}",
            f"{self.tenant}: intact, {self.events} events, head hash {self.head_hash}",
        )


def verify_records(
    tenant: str,
    records: Iterable[ChainRecord],
    checkpoints: Sequence[Checkpoint] = (),
    *,
    trusted_key: str | None = None,
) -> VerifyResult:
    """Recompute the chain over ``records`` (ascending positions); stop at the first break.

    Only ``checkpoints`` of ``tenant`` are considered; ``trusted_key`` (base64 raw public key)
    marks those signed by another key as untrusted.
    """
    own = list({c.signature: c for c in checkpoints if c.tenant == tenant}.values())
    valid = {id(c): c.signature_valid() for c in own}
    matched: dict[int, bool] = {}
    pending = sorted((c for c in own if valid[id(c)]), key=lambda c: c.position)
    prev = GENESIS
    count = 0
    head = 0
    first_break: Break | None = None

    def check_at(position: int, digest: bytes) -> Break | None:
        """Checkpoints at ``position`` against the chain there."""
        while pending and pending[0].position == position:
            c = pending.pop(0)
            ok = c.head_hash == digest.hex() and c.events == count
            matched[id(c)] = ok
            if not ok:
                return _checkpoint_break(c, digest.hex(), count)
        return None

    first_break = check_at(0, GENESIS)
    if first_break is None:
        for record in records:
            while pending and pending[0].position < record.position:
                c = pending.pop(0)
                matched[id(c)] = False
                first_break = _checkpoint_break(c, None, count)
                break
            if first_break is not None:
                break
            first_break = _check_record(record, prev)
            if first_break is not None:
                break
            assert record.hash is not None
            prev = record.hash
            count += 1
            head = record.position
            first_break = check_at(record.position, prev)
            if first_break is not None:
                break
        else:
            if pending:
                c = pending.pop(0)
                matched[id(c)] = False
                first_break = _checkpoint_break(c, None, count, ended=head)
    checks = tuple(
        CheckpointCheck(
            checkpoint=c,
            signature_valid=valid[id(c)],
            key_trusted=None if trusted_key is None else c.public_key == trusted_key,
            matches=matched.get(id(c)),
        )
        for c in own
    )
    return VerifyResult(tenant, count, head, prev.hex(), first_break, checks)


def _check_record(record: ChainRecord, prev: bytes) -> Break | None:
    p = record.position
    if not record.has_event:
        return Break(
            p,
            "event_missing",
            "có liên kết nhưng không có sự kiện (sự kiện đã bị xóa)",
            "a link has no event (the event row was deleted)",
            expected=None if record.hash is None else record.hash.hex(),
        )
    if record.hash is None or record.prev_hash is None:
        return Break(
            p,
            "link_missing",
            "sự kiện không có liên kết (được chèn ngoài ứng dụng, hoặc chưa khởi tạo chuỗi)",
            "the event has no link (inserted outside the application, or chain not initialised)",
        )
    if record.prev_hash != prev:
        return Break(
            p,
            "prev_mismatch",
            "băm trước của liên kết khác băm của sự kiện liền trước (sự kiện trước đó bị xóa "
            "hoặc liên kết bị sửa)",
            "the link's previous hash is not the preceding link's hash (an earlier event was "
            "deleted, or links were altered)",
            expected=prev.hex(),
            found=record.prev_hash.hex(),
        )
    assert record.originator_id is not None
    assert record.originator_version is not None
    assert record.topic is not None
    assert record.state is not None
    digest = link_hash(
        prev,
        p,
        record.originator_id,
        record.originator_version,
        record.topic,
        record.state,
    )
    if digest != record.hash:
        who = f"{record.originator_id} v{record.originator_version} {record.topic}"
        return Break(
            p,
            "hash_mismatch",
            f"băm tính lại của sự kiện ({who}) khác băm đã lưu: nội dung, mã, phiên bản hoặc "
            "thứ tự đã bị thay đổi",
            f"the hash recomputed from the event ({who}) differs from the stored one: its "
            "content, id, version or order was changed",
            expected=record.hash.hex(),
            found=digest.hex(),
        )
    return None


def _checkpoint_break(
    c: Checkpoint, found: str | None, count: int, *, ended: int | None = None
) -> Break:
    if ended is not None:
        vi = f"lịch sử kết thúc ở vị trí {ended}, trước vị trí của điểm kiểm tra ({c.recorded_at})"
        en = f"history ends at position {ended}, before the checkpoint's ({c.recorded_at})"
    elif found is None:
        vi = f"không còn sự kiện ở vị trí của điểm kiểm tra ({c.recorded_at})"
        en = f"no event is left at the checkpoint's position ({c.recorded_at})"
    else:
        vi = (
            f"chuỗi tại vị trí này ({count} sự kiện) khác điểm kiểm tra ({c.events} sự kiện, "
            f"{c.recorded_at})"
        )
        en = (
            f"the chain here ({count} events) differs from the checkpoint ({c.events} events, "
            f"{c.recorded_at})"
        )
    return Break(c.position, "checkpoint_mismatch", vi, en, expected=c.head_hash, found=found)


# --- reading a tenant's history from the database -------------------------------------------


@dataclass(frozen=True)
class ChainCounts:
    """Row counts and the stored head link of a snapshot."""

    events: int
    links: int
    checkpoints: int
    head_position: int | None
    head_hash: bytes | None


class ChainSnapshot:
    """A consistent read of one tenant's events, links and stored checkpoints."""

    def __init__(self, tenant: str, backend: str, source: _Source) -> None:
        self.tenant = tenant
        self.backend = backend
        self._source = source
        self._open: list[Iterator[Any]] = []

    def counts(self) -> ChainCounts:
        """How many events, links and checkpoints; the last stored link."""
        return self._source.counts()

    def records(self) -> Iterator[ChainRecord]:
        """Every position with an event or a link, ascending (events merged with links)."""
        events, links = self._source.events(), self._source.links()
        merged = _merge(events, links)
        self._open += [merged, events, links]
        return merged

    def close(self) -> None:
        """Close the readers still open (server-side cursors), before the snapshot ends."""
        for iterator in reversed(self._open):
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
        self._open.clear()

    def checkpoint_statements(self) -> list[str]:
        """The stored checkpoint statements (JSON text), oldest first."""
        return self._source.checkpoints()


class _Source:
    def counts(self) -> ChainCounts:
        raise NotImplementedError

    def events(self) -> Iterator[tuple[int, UUID, int, str, bytes]]:
        raise NotImplementedError

    def links(self) -> Iterator[tuple[int, bytes, bytes]]:
        raise NotImplementedError

    def checkpoints(self) -> list[str]:
        raise NotImplementedError


def _merge(
    events: Iterator[tuple[int, UUID, int, str, bytes]],
    links: Iterator[tuple[int, bytes, bytes]],
) -> Iterator[ChainRecord]:
    event = next(events, None)
    link = next(links, None)
    while event is not None or link is not None:
        if link is None or (event is not None and event[0] < link[0]):
            assert event is not None
            yield ChainRecord(event[0], event[1], event[2], event[3], event[4])
            event = next(events, None)
        elif event is None or link[0] < event[0]:
            yield ChainRecord(link[0], hash=link[1], prev_hash=link[2])
            link = next(links, None)
        else:
            yield ChainRecord(event[0], event[1], event[2], event[3], event[4], link[1], link[2])
            event = next(events, None)
            link = next(links, None)


class _PostgresSource(_Source):
    def __init__(self, conn: Any, schema: str, events_table: str) -> None:
        self.conn = conn
        self.events_table = sql.Identifier(schema, events_table)
        self.links_table = sql.Identifier(schema, LINKS_TABLE)
        self.checkpoints_table = sql.Identifier(schema, CHECKPOINTS_TABLE)
        self._cursors = 0

    def _scalar(self, query: sql.Composable) -> Any:
        with self.conn.cursor() as curs:
            curs.execute(query)
            row = curs.fetchone()
            return None if row is None else next(iter(row.values()))

    def counts(self) -> ChainCounts:
        with self.conn.cursor() as curs:
            curs.execute(
                sql.SQL("SELECT position, hash FROM {} ORDER BY position DESC LIMIT 1").format(
                    self.links_table
                )
            )
            head = curs.fetchone()
        return ChainCounts(
            events=int(self._scalar(sql.SQL("SELECT count(*) FROM {}").format(self.events_table))),
            links=int(self._scalar(sql.SQL("SELECT count(*) FROM {}").format(self.links_table))),
            checkpoints=int(
                self._scalar(sql.SQL("SELECT count(*) FROM {}").format(self.checkpoints_table))
            ),
            head_position=None if head is None else int(head["position"]),
            head_hash=None if head is None else bytes(head["hash"]),
        )

    def _stream(self, query: sql.Composable) -> Iterator[Any]:
        self._cursors += 1
        with self.conn.cursor(name=f"ketnap_audit_{self._cursors}") as curs:
            curs.itersize = BATCH
            curs.execute(query)
            yield from curs

    def events(self) -> Iterator[tuple[int, UUID, int, str, bytes]]:
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM {} ORDER BY notification_id"
        ).format(self.events_table)
        for row in self._stream(query):
            yield (
                int(row["notification_id"]),
                _uuid(row["originator_id"]),
                int(row["originator_version"]),
                str(row["topic"]),
                bytes(row["state"]),
            )

    def links(self) -> Iterator[tuple[int, bytes, bytes]]:
        query = sql.SQL("SELECT position, hash, prev_hash FROM {} ORDER BY position").format(
            self.links_table
        )
        for row in self._stream(query):
            yield int(row["position"]), bytes(row["hash"]), bytes(row["prev_hash"])

    def checkpoints(self) -> list[str]:
        with self.conn.cursor() as curs:
            curs.execute(
                sql.SQL("SELECT statement FROM {} ORDER BY id").format(self.checkpoints_table)
            )
            return [str(row["statement"]) for row in curs.fetchall()]


class _SQLiteSource(_Source):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def counts(self) -> ChainCounts:
        c = self.conn
        head = c.execute(
            f"SELECT position, hash FROM {LINKS_TABLE} ORDER BY position DESC LIMIT 1"
        ).fetchone()
        return ChainCounts(
            events=int(c.execute("SELECT count(*) FROM stored_events").fetchone()[0]),
            links=int(c.execute(f"SELECT count(*) FROM {LINKS_TABLE}").fetchone()[0]),
            checkpoints=int(c.execute(f"SELECT count(*) FROM {CHECKPOINTS_TABLE}").fetchone()[0]),
            head_position=None if head is None else int(head[0]),
            head_hash=None if head is None else bytes(head[1]),
        )

    def events(self) -> Iterator[tuple[int, UUID, int, str, bytes]]:
        rows = self.conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state"
            " FROM stored_events ORDER BY rowid"
        )
        for row in rows:
            yield int(row[0]), _uuid(row[1]), int(row[2]), str(row[3]), bytes(row[4])

    def links(self) -> Iterator[tuple[int, bytes, bytes]]:
        rows = self.conn.execute(
            f"SELECT position, hash, prev_hash FROM {LINKS_TABLE} ORDER BY position"
        )
        for row in rows:
            yield int(row[0]), bytes(row[1]), bytes(row[2])

    def checkpoints(self) -> list[str]:
        rows = self.conn.execute(f"SELECT statement FROM {CHECKPOINTS_TABLE} ORDER BY id")
        return [str(row[0]) for row in rows]


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


@contextmanager
def chain_snapshot(store: Store, slug: str) -> Iterator[ChainSnapshot]:
    """A consistent read-only snapshot of ``slug``'s chain (bilingual error if it has none)."""
    if store.backend == "postgres":
        datastore, schema, events_table = postgres_tenant(store, slug)
        with datastore.get_connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute(
                "SELECT to_regclass(%s) AS links, to_regclass(%s) AS checkpoints",
                (f"{schema}.{LINKS_TABLE}", f"{schema}.{CHECKPOINTS_TABLE}"),
            ).fetchone()
            if row is None or row["links"] is None or row["checkpoints"] is None:
                raise chain_missing(slug)
            snapshot = ChainSnapshot(slug, "postgres", _PostgresSource(conn, schema, events_table))
            try:
                yield snapshot
            finally:
                snapshot.close()
    else:
        path = sqlite_tenant_file(store, slug)
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            conn.execute("BEGIN")
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if LINKS_TABLE not in names or CHECKPOINTS_TABLE not in names:
                raise chain_missing(slug)
            snapshot = ChainSnapshot(slug, "sqlite", _SQLiteSource(conn))
            try:
                yield snapshot
            finally:
                snapshot.close()
        finally:
            conn.close()


def verify_in_transaction(
    tenant: str,
    conn: Any,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    schema: str | None = None,
    events_table: str | None = None,
) -> VerifyResult:
    """Verify tenant ``tenant``'s chain as ``conn`` sees it inside its open transaction: a
    restore checks what it wrote before committing it. ``conn`` is a PostgreSQL connection
    (with ``schema`` and ``events_table``) or a ``sqlite3`` connection."""
    source: _Source
    if schema is not None and events_table is not None:
        source, backend = _PostgresSource(conn, schema, events_table), "postgres"
    else:
        source, backend = _SQLiteSource(conn), "sqlite"
    snapshot = ChainSnapshot(tenant, backend, source)
    try:
        return verify_records(tenant, snapshot.records(), checkpoints)
    finally:
        snapshot.close()


def verify_tenant(
    store: Store,
    slug: str,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    trusted_key: str | None = None,
) -> VerifyResult:
    """Verify tenant ``slug``'s chain in the database (against ``checkpoints`` of it)."""
    with chain_snapshot(store, slug) as snapshot:
        return verify_records(slug, snapshot.records(), checkpoints, trusted_key=trusted_key)


def result_as_dict(result: VerifyResult) -> dict[str, Any]:
    """``result`` as plain data (for ``--json`` and APIs)."""
    return {
        "tenant": result.tenant,
        "intact": result.intact,
        "events": result.events,
        "head_position": result.head_position,
        "head_hash": result.head_hash,
        "first_break": None if result.first_break is None else asdict(result.first_break),
        "checkpoints": [
            {
                "recorded_at": c.checkpoint.recorded_at,
                "position": c.checkpoint.position,
                "signature_valid": c.signature_valid,
                "key_trusted": c.key_trusted,
                "matches": c.matches,
            }
            for c in result.checkpoints
        ],
    }
