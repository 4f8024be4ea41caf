"""The access log: who read which candidate's personal fields, and when (``ketnap audit
access-log``).

Every read of a candidate's personal fields (name, birth date, ethnicity, religion, …) by any
role is recorded with :func:`record_personal_read`: one row per candidate read, with the reader
(user id and role), the time (UTC) and the purpose (e.g. ``"graphql:candidate"``). Auditors
list the entries with :func:`access_entries` (by actor, role, candidate, time range; newest
first, keyset pages).

Storage: an append-only table ``access_log`` in the tenant's own storage (its PostgreSQL schema
``t_<slug>`` or its SQLite file), so one tenant's log can never be read from another tenant and
goes wherever the tenant's data goes. Triggers refuse ``UPDATE`` and ``DELETE`` on it. The
table is created lazily, the first time this process touches the tenant's log (checked once per
process and tenant: requests run no DDL). The log is not part of the event history: it records
reads, which change nothing, and must not slow them down with a hash chain.

Entries are numbered by an identity column; pages are keyset pages on it (``after`` = the
``id`` of the last entry of the previous page).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.errors import DomainError, InvalidInput
from domain.values import Actor, Role
from projections.sql import Dialect, ReadModelDB, Tx, as_datetime
from service.commands import Principal
from service.store import Store

TABLE = "access_log"
MAX_PAGE = 1000
DEFAULT_PAGE = 100
MAX_PURPOSE_LENGTH = 200
MAX_ID_LENGTH = 200

#: Roles that may read the access log (Ủy ban Kiểm tra; the platform operator for support).
READER_ROLES = frozenset({Role.AUDITOR, Role.PLATFORM_OPERATOR})

_POSTGRES_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " recorded_at TIMESTAMPTZ NOT NULL,"
    " actor_id TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " candidate_id TEXT NOT NULL,"
    " purpose TEXT NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_candidate ON {TABLE} (candidate_id, id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_actor ON {TABLE} (actor_id, id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_time ON {TABLE} (recorded_at)",
    "CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "'BEGIN RAISE EXCEPTION ''access_log is append-only''; END;'",
    f"CREATE OR REPLACE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
)
_SQLITE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " recorded_at TEXT NOT NULL,"
    " actor_id TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " candidate_id TEXT NOT NULL,"
    " purpose TEXT NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_candidate ON {TABLE} (candidate_id, id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_actor ON {TABLE} (actor_id, id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_time ON {TABLE} (recorded_at)",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
)

# Per store (weakly held) the tenants whose table this process has already checked.
_ready: weakref.WeakKeyDictionary[Store, set[str]] = weakref.WeakKeyDictionary()
_ready_lock = threading.Lock()


@dataclass(frozen=True)
class AccessEntry:
    """One recorded read of one candidate's personal fields."""

    id: int
    tenant: str
    recorded_at: datetime
    actor_id: str
    role: str
    candidate_id: str
    purpose: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for JSON and API payloads)."""
        return {
            "id": self.id,
            "tenant": self.tenant,
            "recorded_at": self.recorded_at.isoformat(),
            "actor_id": self.actor_id,
            "role": self.role,
            "candidate_id": self.candidate_id,
            "purpose": self.purpose,
        }


@dataclass(frozen=True)
class AccessPage:
    """One page of entries, newest first; ``next_after`` continues it (None: no more)."""

    entries: tuple[AccessEntry, ...]
    next_after: int | None


class AccessLogForbidden(DomainError):
    """Someone who is not an auditor of the tenant asked for its access log."""

    def __init__(self, tenant: str, actor: Actor) -> None:
        super().__init__(
            "ACCESS_LOG_FORBIDDEN",
            f"Chỉ cán bộ kiểm tra của đơn vị '{tenant}' được xem nhật ký truy cập "
            f"(vai trò hiện tại: {actor.role.value}).",
            f"Only auditors of tenant '{tenant}' may read its access log "
            f"(current role: {actor.role.value}).",
            field="role",
        )


def _invalid(code: str, vi: str, en: str, field: str) -> InvalidInput:
    return InvalidInput(code, vi, en, field=field)


# --- the table --------------------------------------------------------------------------------
def _table_exists(tx: Tx) -> bool:
    if tx.dialect is Dialect.POSTGRES:
        row = tx.fetchone(f"SELECT to_regclass('{TABLE}') IS NOT NULL")
    else:
        row = tx.fetchone(
            f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'"
        )
    return bool(row and row[0])


def ensure_table(db: ReadModelDB) -> bool:
    """Create the tenant's ``access_log`` table unless it exists; returns whether DDL ran.

    Serialised with the tenant's projection batches (same lock), so two processes creating it
    at once do not collide.
    """
    with db.transaction(write=False) as tx:
        if _table_exists(tx):
            return False
    with db.transaction() as tx:
        lock = db.lock_statement()
        if lock:
            tx.execute(lock)
        if _table_exists(tx):
            return False
        for statement in _POSTGRES_DDL if tx.dialect is Dialect.POSTGRES else _SQLITE_DDL:
            tx.execute(statement)
    return True


def _log_db(store: Store, tenant: str) -> ReadModelDB:
    """The tenant's storage handle, with the table checked once per process and tenant."""
    db = store.read_models(tenant)  # bilingual TENANT_NOT_FOUND / TENANT_SLUG_INVALID
    with _ready_lock:
        known = _ready.setdefault(store, set())
        if db.tenant in known:
            return db
    ensure_table(db)
    with _ready_lock:
        known.add(db.tenant)
    return db


# --- writing ----------------------------------------------------------------------------------
def _clean_ids(candidate_ids: Iterable[object]) -> list[str]:
    seen: dict[str, None] = {}
    for value in candidate_ids:
        text = str(value).strip() if value is not None else ""
        if not text or len(text) > MAX_ID_LENGTH:
            raise _invalid(
                "ACCESS_LOG_CANDIDATE_INVALID",
                f"Mã hồ sơ {value!r} không hợp lệ (không được để trống, tối đa "
                f"{MAX_ID_LENGTH} ký tự).",
                f"The candidate id {value!r} is not valid (non-empty, at most "
                f"{MAX_ID_LENGTH} characters).",
                "candidate_ids",
            )
        seen.setdefault(text, None)
    return list(seen)


def record_personal_read(
    store: Store,
    principal: Principal,
    candidate_ids: Iterable[object],
    purpose: str,
    *,
    now: Callable[[], datetime] | None = None,
) -> int:
    """Record that ``principal`` read the personal fields of ``candidate_ids`` (in its tenant).

    One row per distinct candidate, all in one transaction; returns how many were written
    (0, and no transaction, for an empty list). Bilingual refusals: unknown tenant, empty or
    over-long purpose or candidate id.
    """
    if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > MAX_PURPOSE_LENGTH:
        raise _invalid(
            "ACCESS_LOG_PURPOSE_INVALID",
            f"Cần ghi mục đích truy cập (không để trống, tối đa {MAX_PURPOSE_LENGTH} ký tự).",
            f"The purpose of the access is required (non-empty, at most "
            f"{MAX_PURPOSE_LENGTH} characters).",
            "purpose",
        )
    ids = _clean_ids(candidate_ids)
    db = _log_db(store, principal.tenant)
    if not ids:
        return 0
    at = (now or (lambda: datetime.now(UTC)))()
    actor = principal.actor
    with db.transaction() as tx:
        tx.executemany(
            f"INSERT INTO {TABLE} (recorded_at, actor_id, role, candidate_id, purpose) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(at, actor.user_id, actor.role.value, cid, purpose.strip()) for cid in ids],
        )
    return len(ids)


# --- reading ----------------------------------------------------------------------------------
def _entry(tenant: str, row: Sequence[Any]) -> AccessEntry:
    id_, recorded_at, actor_id, role, candidate_id, purpose = row
    when = as_datetime(recorded_at)
    assert when is not None
    return AccessEntry(
        id=int(id_),
        tenant=tenant,
        recorded_at=when.astimezone(UTC),
        actor_id=str(actor_id),
        role=str(role),
        candidate_id=str(candidate_id),
        purpose=str(purpose),
    )


def check_reader(principal: Principal, tenant: str) -> None:
    """Refuse (bilingually) anyone but an auditor (or platform operator) of ``tenant``."""
    if principal.tenant != tenant or principal.actor.role not in READER_ROLES:
        raise AccessLogForbidden(tenant, principal.actor)


def _filter(
    actor: str | None,
    role: Role | str | None,
    candidate: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[str], list[Any]]:
    """WHERE clauses (and parameters) of the access-log filters."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("actor_id", actor),
        ("role", role.value if isinstance(role, Role) else role),
        ("candidate_id", candidate),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if since is not None:
        where.append("recorded_at >= %s")
        params.append(since)
    if until is not None:
        where.append("recorded_at < %s")
        params.append(until)
    return where, params


def count_access_entries(
    store: Store,
    tenant: str,
    *,
    actor: str | None = None,
    role: Role | str | None = None,
    candidate: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many entries :func:`access_entries` pages through with the same filters."""
    db = _log_db(store, tenant)
    where, params = _filter(actor, role, candidate, since, until)
    query = f"SELECT COUNT(*) FROM {TABLE}"
    if where:
        query += " WHERE " + " AND ".join(where)
    with db.transaction(write=False) as tx:
        row = tx.fetchone(query, params)
    return int(row[0]) if row else 0


def access_entries(
    store: Store,
    tenant: str,
    *,
    actor: str | None = None,
    role: Role | str | None = None,
    candidate: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int | None = None,
    limit: int = DEFAULT_PAGE,
    viewer: Principal | None = None,
) -> AccessPage:
    """One page of ``tenant``'s access log, newest first.

    Filters: ``actor`` (user id), ``role``, ``candidate`` (id), ``since`` (inclusive) and
    ``until`` (exclusive) recording times. ``after``: the ``next_after`` of the previous page.
    ``viewer``, when given, must be an auditor (or the platform operator) of ``tenant``.
    """
    if viewer is not None:
        check_reader(viewer, tenant)
    if not 1 <= limit <= MAX_PAGE:
        raise _invalid(
            "PAGE_SIZE_INVALID",
            f"Số dòng mỗi trang phải từ 1 đến {MAX_PAGE}.",
            f"The page size must be between 1 and {MAX_PAGE}.",
            "limit",
        )
    if since is not None and until is not None and until <= since:
        raise _invalid(
            "TIME_RANGE_INVALID",
            "Thời điểm kết thúc phải sau thời điểm bắt đầu.",
            "The end of the time range must be after its start.",
            "until",
        )
    db = _log_db(store, tenant)
    where, params = _filter(actor, role, candidate, since, until)
    if after is not None:
        where.append("id < %s")
        params.append(after)
    query = f"SELECT id, recorded_at, actor_id, role, candidate_id, purpose FROM {TABLE}"
    if where:
        query += " WHERE " + " AND ".join(where)
    query += " ORDER BY id DESC LIMIT %s"
    params.append(limit + 1)
    with db.transaction(write=False) as tx:
        rows = tx.fetchall(query, params)
    entries = tuple(_entry(db.tenant, row) for row in rows[:limit])
    more = len(rows) > limit
    return AccessPage(entries, entries[-1].id if more and entries else None)


# --- input -----------------------------------------------------------------------------------
def parse_time(value: str | None, field_name: str) -> datetime | None:
    """An ISO time from the command line, UTC when it has no offset (bilingual refusal)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(
            "TIME_INVALID",
            f"Thời điểm {value!r} không hợp lệ; dùng dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM.",
            f"The time {value!r} is not valid; use YYYY-MM-DD or YYYY-MM-DDTHH:MM.",
            field_name,
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
