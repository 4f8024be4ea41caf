"""The tenant registry: which tenants exist, what they are, whether they are enabled.

SQLite: a table in ``<data_dir>/registry.sqlite``. PostgreSQL: ``platform.tenants``.
Creating a tenant also creates its storage (SQLite file or ``t_<slug>`` schema with its tables),
all or nothing; then the :meth:`TenantRegistry.on_create` listeners run (the store creates the
read-model tables there, so normal operation runs no DDL).

PostgreSQL notifications (one channel each, whatever the number of tenants, so one ``LISTEN``
connection follows them all):

- :data:`EVENTS_CHANNEL` (``ketnap_tenant_events``), payload the tenant slug: sent by the
  tenant's recorder in the transaction that inserts events
  (:class:`service.store.postgres.ChainedPostgresApplicationRecorder`); the library's own
  ``NOTIFY`` would name only the table, the same for every tenant.
- :data:`TENANTS_CHANNEL` (``ketnap_tenants``), payload the slug: a tenant was created, disabled
  or enabled (sent in the same transaction, so listeners hear it once it is committed).

Creating, disabling and enabling a tenant are events of the platform: each appends a
:class:`RegistryEvent` (what, who, when, why) to the registry's history (``tenant_events``, in
``registry.sqlite`` or the ``platform`` schema) in the same transaction that writes the tenant's
row, so the row (the quick lookup every request reads) and its history never disagree. A plain
table rather than an event-sourced platform application: the library's recorder commits its own
transaction, and the row must change with the event, all or nothing.

A change made by another process (the CLI, another replica) reaches this one through
:meth:`TenantRegistry.refresh`, which re-reads the rows and tells the :meth:`on_change`
listeners (the store updates its cached applications): on SQLite :meth:`TenantRegistry.sync`
(called per request) notices it by ``PRAGMA data_version``; on PostgreSQL a listener thread
(:mod:`service.store.registry_watch`) hears :data:`TENANTS_CHANNEL`.

With a separate owner role (``KETNAP_DATABASE_OWNER_URL``), everything that changes the schema
or the registry (the ``platform`` schema, creating, disabling and enabling tenants) runs as the
owner; the application's role only reads the registry, and gets append-only rights on each new
tenant's event tables (:mod:`service.store.roles`).
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import logging
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError
from psycopg import sql
from psycopg.rows import DictRow

from domain.errors import DomainError, InvalidInput, NotFound
from domain.inputs import Bad, NameSpec
from domain.values import Actor, Role
from service.store import roles
from service.store.citus import DISTRIBUTE_NEW_SCHEMA, warn_unless_citus
from service.store.postgres import SharedPostgresDatastore

log = logging.getLogger(__name__)

#: Channel of "tenant <payload> was created, disabled or enabled" notifications.
TENANTS_CHANNEL = "ketnap_tenants"
#: The tenant's events table (``TenantApplication.name`` + ``_events``).
EVENTS_TABLE = "ketnap_events"

SLUG_PATTERN = re.compile(r"[a-z0-9_]{2,40}")

#: Who changes the registry when a caller names no one (programmatic calls, tests).
SYSTEM = Actor("system", Role.SYSTEM)


class TenantKind(Enum):
    """What kind of organisation a tenant is."""

    PROVINCIAL_ENTERPRISE_BLOC = "provincial_enterprise_bloc"  # Đảng bộ Khối doanh nghiệp tỉnh
    CORPORATE_GROUP = "corporate_group"  # Đảng bộ Tập đoàn, Tổng công ty
    DEPARTMENT_COMMITTEE = "department_committee"  # Đảng ủy cơ quan, ban ngành
    PROVINCIAL_COMMITTEE = "provincial_committee"  # Tỉnh ủy
    OTHER = "other"


@dataclass(frozen=True)
class Tenant:
    """A registered tenant."""

    slug: str
    name: str
    kind: TenantKind
    disabled: bool
    created_at: datetime
    #: Merged into this tenant (``MergeTenant``): disabled for good, its history readable.
    merged_into: str | None = None
    #: The date that merge takes effect.
    merged_on: date | None = None

    @property
    def schema(self) -> str:
        """Its PostgreSQL schema."""
        return tenant_schema(self.slug)


class RegistryChange(Enum):
    """What happened to a tenant in the platform's history."""

    CREATED = "created"
    DISABLED = "disabled"
    ENABLED = "enabled"
    MERGED = "merged"


@dataclass(frozen=True)
class RegistryEvent:
    """One entry of a tenant's platform history: what happened, who did it, when, and why."""

    slug: str
    change: RegistryChange
    actor: Actor
    reason: str
    recorded_at: datetime


def _event_from_row(row: Sequence[Any] | dict[str, Any]) -> RegistryEvent:
    if isinstance(row, dict):
        values = tuple(row[k] for k in ("slug", "change", "actor", "role", "reason", "recorded_at"))
    else:
        values = tuple(row)
    slug, change, actor, role, reason, recorded_at = values
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    return RegistryEvent(
        slug=str(slug),
        change=RegistryChange(change),
        actor=Actor(str(actor), Role(role)),
        reason=str(reason),
        recorded_at=recorded_at,
    )


def _event_values(event: RegistryEvent) -> tuple[str, str, str, str, str]:
    return (
        event.slug,
        event.change.value,
        event.actor.user_id,
        event.actor.role.value,
        event.reason,
    )


class Filling(Protocol):
    """What a restore writes into a new tenant's storage while it is created, in the creating
    transaction, so the tenant appears with its whole history or not at all
    (``service.tenant_backup``, ``ketnap audit import``)."""

    def into_sqlite(self, file: Path) -> None:
        """Write into the new tenant's SQLite ``file`` (committed before the registry's row;
        the file is removed if the registry's transaction then fails)."""

    def into_postgres(self, curs: Any, schema: str) -> None:
        """Write through ``curs``, in the transaction that creates the tenant's ``schema``."""


def validate_slug(slug: object) -> str:
    """``slug`` if it is a valid tenant slug (lowercase ``[a-z0-9_]``, 2-40 chars)."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput(
            "TENANT_SLUG_INVALID",
            f"Mã đơn vị {slug!r} không hợp lệ: chỉ gồm chữ thường không dấu, chữ số và dấu "
            "gạch dưới (a-z, 0-9, _), dài 2-40 ký tự.",
            f"The tenant slug {slug!r} is not valid: use lowercase a-z, 0-9 and _, "
            "2-40 characters.",
            field="slug",
        )
    return slug


def tenant_schema(slug: str) -> str:
    """The PostgreSQL schema of tenant ``slug``."""
    return f"t_{validate_slug(slug)}"


def _validate_name(name: object) -> str:
    """The tenant's name made canonical like every name of a command (``domain.inputs``)."""
    try:
        return NameSpec("").clean(name, date.today())
    except Bad as bad:
        raise InvalidInput(
            "TENANT_NAME_INVALID", bad.message_vi, bad.message_en, field="name"
        ) from None


def _validate_kind(kind: object) -> TenantKind:
    try:
        return TenantKind(kind.value if isinstance(kind, TenantKind) else kind)
    except ValueError:
        allowed = ", ".join(k.value for k in TenantKind)
        raise InvalidInput(
            "TENANT_KIND_INVALID",
            f"Loại đơn vị {kind!r} không hợp lệ; chọn một trong: {allowed}.",
            f"The tenant kind {kind!r} is not valid; use one of: {allowed}.",
            field="kind",
        ) from None


def _slug_taken(slug: str) -> InvalidInput:
    return InvalidInput(
        "TENANT_SLUG_TAKEN",
        f"Mã đơn vị '{slug}' đã được sử dụng.",
        f"The tenant slug '{slug}' is already taken.",
        field="slug",
    )


def _already(slug: str, *, disabled: bool) -> DomainError:
    """Refusal of a change that would change nothing (and record a meaningless event)."""
    if disabled:
        return DomainError(
            "TENANT_ALREADY_DISABLED",
            f"Đơn vị sử dụng '{slug}' đã bị khóa từ trước.",
            f"The tenant '{slug}' is already disabled.",
            field="slug",
        )
    return DomainError(
        "TENANT_NOT_DISABLED",
        f"Đơn vị sử dụng '{slug}' không bị khóa.",
        f"The tenant '{slug}' is not disabled.",
        field="slug",
    )


def tenant_merged(tenant: Tenant, field: str = "slug") -> DomainError:
    """Refusal of a change to a tenant merged into another (nothing more is recorded there)."""
    on = f"{tenant.merged_on:%d/%m/%Y}" if tenant.merged_on else "?"
    return DomainError(
        "TENANT_MERGED",
        f"Đơn vị sử dụng '{tenant.slug}' đã hợp nhất vào '{tenant.merged_into}' từ ngày {on}; "
        "chỉ còn đọc được lịch sử.",
        f"The tenant '{tenant.slug}' was merged into '{tenant.merged_into}' on {on}; its "
        "history can only be read.",
        field=field,
    )


def _check_mergeable(tenants: dict[str, Tenant], slug: str, into: str) -> None:
    """Both tenants exist and are open (neither disabled nor merged), and differ."""
    if slug == into:
        raise DomainError(
            "TENANT_MERGE_INTO_ITSELF",
            f"Không thể hợp nhất đơn vị '{slug}' vào chính nó.",
            f"The tenant '{slug}' cannot be merged into itself.",
            field="into",
        )
    for name, field in ((slug, "slug"), (into, "into")):
        tenant = tenants.get(name)
        if tenant is None:
            raise _unknown_tenant(name, field)
        if tenant.merged_into is not None:
            raise tenant_merged(tenant, field)
        if tenant.disabled:
            raise DomainError(
                "TENANT_DISABLED",
                f"Đơn vị sử dụng '{name}' đang bị khóa; hãy mở khóa trước khi hợp nhất.",
                f"The tenant '{name}' is disabled; enable it before merging.",
                field=field,
            )


def _unknown_tenant(slug: str, field: str = "tenant") -> NotFound:
    return NotFound(
        "TENANT_NOT_FOUND",
        f"Không tìm thấy đơn vị '{slug}'.",
        f"There is no tenant '{slug}'.",
        field=field,
    )


class TenantRegistry(ABC):
    """Create, list, read and disable tenants. Thread-safe."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Tenant], None]] = []
        self._create_listeners: list[Callable[[Tenant], None]] = []
        self._caching = False
        self._cache: dict[str, Tenant] = {}
        self._cache_lock = threading.Lock()
        self._generation = 0  # bumped by every refresh: a read older than it is not cached

    @property
    def caching(self) -> bool:
        """Whether :meth:`get` keeps the tenants it read. Only safe while every change made
        elsewhere reaches :meth:`refresh` (a process listening to :data:`TENANTS_CHANNEL`, see
        :mod:`service.store.registry_watch`): set by that listener, and cleared (with the cache)
        when it stops listening."""
        return self._caching

    @caching.setter
    def caching(self, on: bool) -> None:
        with self._cache_lock:
            self._caching = on
            self._cache.clear()
            self._generation += 1

    def on_change(self, listener: Callable[[Tenant], None]) -> None:
        """Call ``listener`` with the new state of a tenant after it is disabled or enabled."""
        self._listeners.append(listener)

    def on_create(self, listener: Callable[[Tenant], None]) -> None:
        """Call ``listener`` with a new tenant right after its storage is created."""
        self._create_listeners.append(listener)

    def create(
        self,
        slug: str,
        name: str,
        kind: TenantKind | str,
        *,
        actor: Actor = SYSTEM,
        fill: Filling | None = None,
    ) -> Tenant:
        """Register a tenant and create its storage, all or nothing (with its ``created``
        event, by ``actor``); ``fill`` (a restore) writes the tenant's history into that
        storage as part of the same all or nothing.

        Bilingual :class:`~domain.errors.InvalidInput` for a bad slug, name or kind, or a slug
        that is taken.
        """
        tenant = Tenant(
            slug=validate_slug(slug),
            name=_validate_name(name),
            kind=_validate_kind(kind),
            disabled=False,
            created_at=datetime.now(UTC),
        )
        event = RegistryEvent(tenant.slug, RegistryChange.CREATED, actor, "", tenant.created_at)
        self._create(tenant, event, fill)
        for listener in self._create_listeners:
            listener(tenant)
        return tenant

    def get(self, slug: str) -> Tenant:
        """The tenant ``slug``; bilingual :class:`~domain.errors.NotFound` if unknown."""
        slug = validate_slug(slug)
        with self._cache_lock:
            cached = self._cache.get(slug)
            generation = self._generation
        if cached is not None:
            return cached
        tenant = self._get(slug)
        if tenant is None:
            raise _unknown_tenant(slug)  # not cached: it may be created by another process
        with self._cache_lock:
            if self._caching and self._generation == generation:
                self._cache[slug] = tenant
        return tenant

    def disable(self, slug: str, *, actor: Actor = SYSTEM, reason: str = "") -> Tenant:
        """Stop all writes to the tenant (its history stays readable); recorded with who and
        why. Bilingual refusal if it is unknown or already disabled."""
        return self._set_disabled(slug, disabled=True, actor=actor, reason=reason)

    def enable(self, slug: str, *, actor: Actor = SYSTEM, reason: str = "") -> Tenant:
        """Allow writes again; recorded with who and why. Refused unless it is disabled."""
        return self._set_disabled(slug, disabled=False, actor=actor, reason=reason)

    def merge(
        self, slug: str, into: str, effective_on: date, *, actor: Actor = SYSTEM, reason: str = ""
    ) -> Tenant:
        """Mark ``slug`` merged into ``into`` from ``effective_on``: disabled for good (enabling
        it is refused), recorded with who and why. Refused for an unknown, disabled or already
        merged tenant."""
        event = RegistryEvent(
            validate_slug(slug), RegistryChange.MERGED, actor, reason, datetime.now(UTC)
        )
        tenant = self._record_merge(event, validate_slug(into), effective_on)
        self._tell(tenant)
        return tenant

    def history(self, slug: str) -> builtins.list[RegistryEvent]:
        """The tenant's platform history, oldest first; bilingual NotFound if unknown."""
        self.get(slug)
        return self._history(validate_slug(slug))

    def refresh(self, slug: str | None = None) -> None:
        """Re-read tenant ``slug`` (every tenant when None) and tell the :meth:`on_change`
        listeners its state: how a change made by another process reaches this one."""
        with self._cache_lock:
            self._generation += 1
        if slug is None:
            tenants = self.list()
        else:
            found = self._get(slug) if SLUG_PATTERN.fullmatch(slug) else None
            tenants = [] if found is None else [found]
        with self._cache_lock:
            if slug is None:
                self._cache.clear()
            else:
                self._cache.pop(slug, None)
            if self._caching:
                self._cache.update((tenant.slug, tenant) for tenant in tenants)
        for tenant in tenants:
            self._tell(tenant)

    @abstractmethod
    def sync(self) -> None:
        """Bring in changes other processes made, cheaply enough to call on every request."""

    @abstractmethod
    def close(self) -> None:
        """Release what the registry holds open."""

    @abstractmethod
    def list(self) -> builtins.list[Tenant]:
        """All tenants, by slug."""

    def _set_disabled(self, slug: str, *, disabled: bool, actor: Actor, reason: str) -> Tenant:
        change = RegistryChange.DISABLED if disabled else RegistryChange.ENABLED
        event = RegistryEvent(validate_slug(slug), change, actor, reason, datetime.now(UTC))
        tenant = self._record_change(event, disabled=disabled)
        self._tell(tenant)
        return tenant

    def _tell(self, tenant: Tenant) -> None:
        with self._cache_lock:
            if tenant.slug in self._cache:
                self._cache[tenant.slug] = tenant
        for listener in self._listeners:
            listener(tenant)

    @abstractmethod
    def _create(self, tenant: Tenant, event: RegistryEvent, fill: Filling | None) -> None: ...

    @abstractmethod
    def _get(self, slug: str) -> Tenant | None: ...

    @abstractmethod
    def _record_change(self, event: RegistryEvent, *, disabled: bool) -> Tenant:
        """Set the row's ``disabled`` and append ``event``, in one transaction; the tenant as
        it now stands. Refuses an unknown tenant and a change that changes nothing."""

    @abstractmethod
    def _history(self, slug: str) -> builtins.list[RegistryEvent]: ...

    @abstractmethod
    def _record_merge(self, event: RegistryEvent, into: str, effective_on: date) -> Tenant:
        """Disable the row, add its merge and append ``event``, in one transaction."""


#: The columns every read of a tenant selects (``t``: tenants, ``m``: tenant_merges).
TENANT_COLUMNS = "t.slug, t.name, t.kind, t.disabled, t.created_at, m.into_slug, m.effective_on"
TENANT_FROM = "tenants t LEFT JOIN tenant_merges m ON m.slug = t.slug"


def _tenant_from_row(row: Sequence[Any] | dict[str, Any]) -> Tenant:
    if isinstance(row, dict):
        values = tuple(
            row.get(k)
            for k in ("slug", "name", "kind", "disabled", "created_at", "into_slug", "effective_on")
        )
    else:
        values = (*tuple(row), None, None)[:7]
    slug, name, kind, disabled, created_at, into, effective_on = values
    if isinstance(created_at, str):
        created_at = datetime.fromisoformat(created_at)
    assert isinstance(created_at, datetime)
    if isinstance(effective_on, str):
        effective_on = date.fromisoformat(effective_on)
    return Tenant(
        slug=str(slug),
        name=str(name),
        kind=TenantKind(kind),
        disabled=bool(disabled),
        created_at=created_at,
        merged_into=None if into is None else str(into),
        merged_on=effective_on,
    )


class SQLiteTenantRegistry(TenantRegistry):
    """Registry in a SQLite file; tenants' storage is one SQLite file each."""

    def __init__(
        self,
        path: Path,
        *,
        tenant_path: Callable[[str], Path],
        provision: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.path = path
        self._tenant_path = tenant_path
        self._provision = provision
        self._create_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS tenants ("
                " slug TEXT PRIMARY KEY,"
                " name TEXT NOT NULL,"
                " kind TEXT NOT NULL,"
                " disabled INTEGER NOT NULL DEFAULT 0,"
                " created_at TEXT NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS tenant_events ("
                " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " slug TEXT NOT NULL,"
                " change TEXT NOT NULL,"
                " actor TEXT NOT NULL,"
                " role TEXT NOT NULL,"
                " reason TEXT NOT NULL,"
                " recorded_at TEXT NOT NULL)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS tenant_merges ("
                " slug TEXT PRIMARY KEY REFERENCES tenants (slug),"
                " into_slug TEXT NOT NULL REFERENCES tenants (slug),"
                " effective_on TEXT NOT NULL,"
                " recorded_at TEXT NOT NULL)"
            )
        # One connection kept open only to ask, per request, whether the file changed:
        # ``PRAGMA data_version`` changes when any other connection (any process) committed.
        self._watch: sqlite3.Connection | None = sqlite3.connect(
            path, timeout=30, check_same_thread=False
        )
        self._watch_lock = threading.Lock()
        self._data_version = self._read_version(self._watch)

    @staticmethod
    def _read_version(conn: sqlite3.Connection) -> int:
        row = conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def sync(self) -> None:
        """Refresh every tenant if the registry file changed since the last look (about
        10 µs when it did not)."""
        with self._watch_lock:
            if self._watch is None:  # closed
                return
            version = self._read_version(self._watch)
            if version == self._data_version:
                return
            self._data_version = version
        self.refresh()

    def close(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    @staticmethod
    def _append(conn: sqlite3.Connection, event: RegistryEvent) -> None:
        conn.execute(
            "INSERT INTO tenant_events (slug, change, actor, role, reason, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*_event_values(event), event.recorded_at.isoformat()),
        )

    def _create(self, tenant: Tenant, event: RegistryEvent, fill: Filling | None) -> None:
        file = self._tenant_path(tenant.slug)
        with self._create_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            created_file = False
            try:
                if conn.execute("SELECT 1 FROM tenants WHERE slug = ?", (tenant.slug,)).fetchone():
                    raise _slug_taken(tenant.slug)
                if file.exists():
                    _remove_orphan(file, tenant.slug)
                conn.execute(
                    "INSERT INTO tenants (slug, name, kind, disabled, created_at)"
                    " VALUES (?, ?, ?, 0, ?)",
                    (tenant.slug, tenant.name, tenant.kind.value, tenant.created_at.isoformat()),
                )
                self._append(conn, event)
                created_file = True
                self._provision(tenant.slug)
                if fill is not None:
                    fill.into_sqlite(file)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                if created_file:
                    _remove_sqlite_files(file)
                raise

    def _get(self, slug: str) -> Tenant | None:
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT {TENANT_COLUMNS} FROM {TENANT_FROM} WHERE t.slug = ?", (slug,)
            ).fetchone()
        return None if row is None else _tenant_from_row(row)

    def list(self) -> builtins.list[Tenant]:
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {TENANT_COLUMNS} FROM {TENANT_FROM} ORDER BY t.slug"
            ).fetchall()
        return [_tenant_from_row(row) for row in rows]

    def _record_change(self, event: RegistryEvent, *, disabled: bool) -> Tenant:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    f"SELECT {TENANT_COLUMNS} FROM {TENANT_FROM} WHERE t.slug = ?",
                    (event.slug,),
                ).fetchone()
                if row is None:
                    raise _unknown_tenant(event.slug)
                if row[5] is not None:
                    raise tenant_merged(_tenant_from_row(row))
                if bool(row[3]) == disabled:
                    raise _already(event.slug, disabled=disabled)
                conn.execute(
                    "UPDATE tenants SET disabled = ? WHERE slug = ?", (int(disabled), event.slug)
                )
                self._append(conn, event)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return dataclasses.replace(_tenant_from_row(row), disabled=disabled)

    def _record_merge(self, event: RegistryEvent, into: str, effective_on: date) -> Tenant:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                rows = {
                    r[0]: _tenant_from_row(r)
                    for r in conn.execute(
                        f"SELECT {TENANT_COLUMNS} FROM {TENANT_FROM} WHERE t.slug IN (?, ?)",
                        (event.slug, into),
                    ).fetchall()
                }
                _check_mergeable(rows, event.slug, into)
                conn.execute("UPDATE tenants SET disabled = 1 WHERE slug = ?", (event.slug,))
                conn.execute(
                    "INSERT INTO tenant_merges (slug, into_slug, effective_on, recorded_at)"
                    " VALUES (?, ?, ?, ?)",
                    (event.slug, into, effective_on.isoformat(), event.recorded_at.isoformat()),
                )
                self._append(conn, event)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return dataclasses.replace(
            rows[event.slug], disabled=True, merged_into=into, merged_on=effective_on
        )

    def _history(self, slug: str) -> builtins.list[RegistryEvent]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT slug, change, actor, role, reason, recorded_at FROM tenant_events"
                " WHERE slug = ? ORDER BY id",
                (slug,),
            ).fetchall()
        return [_event_from_row(row) for row in rows]


def _remove_sqlite_files(file: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{file}{suffix}").unlink()


def _remove_orphan(file: Path, slug: str) -> None:
    """Remove a tenant file left by a creation that crashed, unless it holds events."""
    try:
        with contextlib.closing(sqlite3.connect(file)) as conn:
            holds_events = bool(
                conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
                ).fetchone()
                and conn.execute("SELECT 1 FROM stored_events LIMIT 1").fetchone()
            )
    except sqlite3.DatabaseError:
        holds_events = True
    if holds_events:
        raise InvalidInput(
            "TENANT_STORAGE_EXISTS",
            f"Đã có tệp dữ liệu {file} của đơn vị '{slug}' nhưng đơn vị chưa được đăng ký; "
            "cần quản trị viên kiểm tra.",
            f"A data file {file} exists for tenant '{slug}' but the tenant is not registered; "
            "an operator must check it.",
            field="slug",
        )
    _remove_sqlite_files(file)


class PostgresTenantRegistry(TenantRegistry):
    """Registry in ``platform.tenants``; tenants' storage is schema ``t_<slug>``.

    ``datastore`` is the application's role. ``owner``, when given, is a separate role that
    owns the schemas and runs all DDL and registry writes; the application's role then gets
    only the rights :mod:`service.store.roles` describes. Without it one role does everything.
    """

    def __init__(
        self,
        datastore: SharedPostgresDatastore,
        *,
        create_statements: Callable[[str], Sequence[sql.Composed]],
        owner: SharedPostgresDatastore | None = None,
        citus: bool = False,
    ) -> None:
        super().__init__()
        self.datastore = datastore
        self.owner = owner or datastore
        #: ``KETNAP_CITUS``: each new tenant schema is a Citus distributed schema.
        self.citus = citus
        self._create_statements = create_statements
        self._table = sql.Identifier(datastore.schema, "tenants")
        self._events = sql.Identifier(datastore.schema, "tenant_events")
        self._merges = sql.Identifier(datastore.schema, "tenant_merges")
        self._from = sql.SQL("{} t LEFT JOIN {} m ON m.slug = t.slug").format(
            self._table, self._merges
        )
        #: The application's role when it is not the owner (None: one role does everything).
        self.app_role: str | None = None if owner is None else self._app_role(owner)
        self._ensure_table()
        if self.app_role is not None:
            self._ensure_tenant_grants(self.app_role)
        if citus:
            with self.owner.transaction(commit=False) as curs:
                warn_unless_citus(curs)

    def _app_role(self, owner: SharedPostgresDatastore) -> str:
        """The application's role, checked to differ from the owner's."""
        with self.datastore.transaction(commit=False) as curs:
            app_role = roles.current_role(curs)
        with owner.transaction(commit=False) as curs:
            owner_role = roles.current_role(curs)
        if app_role == owner_role:
            raise InvalidInput(
                "SETTING_INVALID",
                "KETNAP_DATABASE_OWNER_URL và KETNAP_DATABASE_URL phải dùng hai vai trò "
                f"PostgreSQL khác nhau (cả hai đều là '{app_role}'); nếu chỉ có một vai trò, "
                "hãy bỏ trống KETNAP_DATABASE_OWNER_URL.",
                "KETNAP_DATABASE_OWNER_URL and KETNAP_DATABASE_URL must use two different "
                f"PostgreSQL roles (both are '{app_role}'); with a single role, leave "
                "KETNAP_DATABASE_OWNER_URL empty.",
                field="KETNAP_DATABASE_OWNER_URL",
            )
        return app_role

    def _ensure_table(self) -> None:
        # The registry's DDL, run (as the owner) only on a database that lacks it.
        schema = self.datastore.schema
        with self.owner.transaction(commit=True) as curs:
            curs.execute(
                "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL"
                " AND to_regclass(%s) IS NOT NULL AS t",
                (f"{schema}.tenants", f"{schema}.tenant_events", f"{schema}.tenant_merges"),
            )
            row = curs.fetchone()
            exists = row is not None and bool(row["t"])
            if exists and (self.app_role is None or self._app_can_read(curs, self.app_role)):
                return
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('ketnap.platform'))")
            curs.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            curs.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " slug text PRIMARY KEY,"
                    " name text NOT NULL,"
                    " kind text NOT NULL,"
                    " disabled boolean NOT NULL DEFAULT false,"
                    " created_at timestamptz NOT NULL)"
                ).format(self._table)
            )
            curs.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                    " slug text NOT NULL REFERENCES {} (slug),"
                    " change text NOT NULL,"
                    " actor text NOT NULL,"
                    " role text NOT NULL,"
                    " reason text NOT NULL,"
                    " recorded_at timestamptz NOT NULL)"
                ).format(self._events, self._table)
            )
            curs.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " slug text PRIMARY KEY REFERENCES {} (slug),"
                    " into_slug text NOT NULL REFERENCES {} (slug),"
                    " effective_on date NOT NULL,"
                    " recorded_at timestamptz NOT NULL)"
                ).format(self._merges, self._table, self._table)
            )
            if self.app_role is not None:
                for statement in roles.platform_grant_statements(schema, self.app_role):
                    curs.execute(statement)
                # The platform's history is append-only, like a tenant's events.
                for statement in roles.guard_statements(schema, ["tenant_events", "tenant_merges"]):
                    curs.execute(statement)

    def _app_can_read(self, curs: Any, app_role: str) -> bool:
        curs.execute(
            "SELECT has_schema_privilege(%s, %s, 'USAGE')"
            " AND has_table_privilege(%s, %s, 'SELECT')"
            " AND has_table_privilege(%s, %s, 'SELECT') AS ok",
            (
                app_role,
                self.datastore.schema,
                app_role,
                f"{self.datastore.schema}.tenants",
                app_role,
                f"{self.datastore.schema}.tenant_events",
            ),
        )
        row = curs.fetchone()
        return bool(row is not None and row["ok"])

    def _ensure_tenant_grants(self, app_role: str) -> None:
        """Give ``app_role`` its rights on tenants created before it was separate from the owner.

        One catalog query when every tenant is in order. A tenant that cannot be brought up to
        date (e.g. its tables belong to a third role) is logged; the others go on.
        """
        with self.owner.transaction(commit=False) as curs:
            curs.execute(
                sql.SQL(
                    "SELECT t.slug FROM {} t JOIN pg_namespace n ON n.nspname = 't_' || t.slug"
                    " WHERE NOT has_schema_privilege(%s, n.oid, 'USAGE') ORDER BY t.slug"
                ).format(self._table),
                (app_role,),
            )
            slugs = [str(row["slug"]) for row in curs.fetchall()]
        for slug in slugs:
            try:
                self.grant_tenant_rights(slug, app_role)
                log.info("tenant %s: rights of role %s granted", slug, app_role)
            except Exception:
                log.exception("tenant %s: could not grant the rights of role %s", slug, app_role)

    def grant_tenant_rights(self, slug: str, app_role: str | None = None) -> None:
        """(Re)grant the application role its rights on every table of tenant ``slug`` (e.g.
        after ``ketnap audit chain --init`` created tables as the owner). No-op with one role."""
        role = app_role or self.app_role
        if role is None:
            return
        with self.owner.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('ketnap.platform'))")
            for statement in roles.tenant_grant_statements(
                curs, tenant_schema(slug), EVENTS_TABLE, role
            ):
                curs.execute(statement, prepare=False)

    def _append(self, curs: Any, event: RegistryEvent) -> None:
        curs.execute(
            sql.SQL(
                "INSERT INTO {} (slug, change, actor, role, reason, recorded_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)"
            ).format(self._events),
            (*_event_values(event), event.recorded_at),
        )

    def _create(self, tenant: Tenant, event: RegistryEvent, fill: Filling | None) -> None:
        # Statements are built before the transaction (building them reads the catalog).
        statements = list(self._create_statements(tenant.slug))
        types_first = sorted(statements, key=lambda s: "CREATE TYPE" not in s.as_string())
        try:
            with self.owner.transaction(commit=True) as curs:
                curs.execute(
                    sql.SQL(
                        "INSERT INTO {} (slug, name, kind, disabled, created_at)"
                        " VALUES (%s, %s, %s, false, %s)"
                    ).format(self._table),
                    (tenant.slug, tenant.name, tenant.kind.value, tenant.created_at),
                )
                self._append(curs, event)
                if self.citus:
                    curs.execute(DISTRIBUTE_NEW_SCHEMA)
                curs.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(tenant.schema)))
                for statement in types_first:
                    curs.execute(statement, prepare=False)
                if self.app_role is not None:
                    grants = roles.tenant_grant_statements(
                        curs, tenant.schema, EVENTS_TABLE, self.app_role
                    )
                    for statement in grants:
                        curs.execute(statement, prepare=False)
                if fill is not None:
                    fill.into_postgres(curs, tenant.schema)
                _notify_tenants(curs, tenant.slug)
        except IntegrityError:
            if self._get(tenant.slug) is not None:
                raise _slug_taken(tenant.slug) from None
            raise

    def sync(self) -> None:
        """Nothing per request: a listener thread (``service.store.registry_watch``) hears
        every change and calls :meth:`refresh`."""

    def close(self) -> None:
        """Nothing of its own: the datastores belong to the store's backend."""

    def _read(self, query: sql.Composed, params: tuple[Any, ...] = ()) -> builtins.list[DictRow]:
        """The rows of ``query`` (a read of the application's datastore)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            rows: builtins.list[DictRow] = curs.fetchall()
        return rows

    def _get(self, slug: str) -> Tenant | None:
        rows = self._read(
            sql.SQL("SELECT {} FROM {} WHERE t.slug = %s").format(
                sql.SQL(TENANT_COLUMNS), self._from
            ),
            (slug,),
        )
        return _tenant_from_row(rows[0]) if rows else None

    def list(self) -> builtins.list[Tenant]:
        rows = self._read(
            sql.SQL("SELECT {} FROM {} ORDER BY t.slug").format(sql.SQL(TENANT_COLUMNS), self._from)
        )
        return [_tenant_from_row(row) for row in rows]

    def _record_change(self, event: RegistryEvent, *, disabled: bool) -> Tenant:
        with self.owner.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL("SELECT {} FROM {} WHERE t.slug = %s FOR UPDATE OF t").format(
                    sql.SQL(TENANT_COLUMNS), self._from
                ),
                (event.slug,),
            )
            row: DictRow | None = curs.fetchone()
            if row is None:
                raise _unknown_tenant(event.slug)
            if row["into_slug"] is not None:
                raise tenant_merged(_tenant_from_row(row))
            if bool(row["disabled"]) == disabled:
                raise _already(event.slug, disabled=disabled)
            curs.execute(
                sql.SQL("UPDATE {} SET disabled = %s WHERE slug = %s").format(self._table),
                (disabled, event.slug),
            )
            self._append(curs, event)
            _notify_tenants(curs, event.slug)
        return dataclasses.replace(_tenant_from_row(row), disabled=disabled)

    def _record_merge(self, event: RegistryEvent, into: str, effective_on: date) -> Tenant:
        with self.owner.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL("SELECT {} FROM {} WHERE t.slug IN (%s, %s) FOR UPDATE OF t").format(
                    sql.SQL(TENANT_COLUMNS), self._from
                ),
                (event.slug, into),
            )
            rows = {str(r["slug"]): _tenant_from_row(r) for r in curs.fetchall()}
            _check_mergeable(rows, event.slug, into)
            curs.execute(
                sql.SQL("UPDATE {} SET disabled = true WHERE slug = %s").format(self._table),
                (event.slug,),
            )
            curs.execute(
                sql.SQL(
                    "INSERT INTO {} (slug, into_slug, effective_on, recorded_at)"
                    " VALUES (%s, %s, %s, %s)"
                ).format(self._merges),
                (event.slug, into, effective_on, event.recorded_at),
            )
            self._append(curs, event)
            _notify_tenants(curs, event.slug)
        return dataclasses.replace(
            rows[event.slug], disabled=True, merged_into=into, merged_on=effective_on
        )

    def _history(self, slug: str) -> builtins.list[RegistryEvent]:
        rows = self._read(
            sql.SQL(
                "SELECT slug, change, actor, role, reason, recorded_at FROM {}"
                " WHERE slug = %s ORDER BY id"
            ).format(self._events),
            (slug,),
        )
        return [_event_from_row(row) for row in rows]


def _notify_tenants(curs: Any, slug: str) -> None:
    """Tell listeners of :data:`TENANTS_CHANNEL` (at commit) that tenant ``slug`` changed."""
    curs.execute("SELECT pg_notify(%s, %s)", (TENANTS_CHANNEL, slug))
