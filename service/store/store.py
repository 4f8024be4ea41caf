"""``Store``: the composition root of persistence (registry + per-tenant applications)."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresRecorder
from eventsourcing.utils import Environment
from psycopg import sql

from domain.errors import DomainError
from projections import all_projections
from projections.runner import ensure_tables
from projections.sql import PostgresReadModels, ReadModelDB, SQLiteReadModels
from service.crypto import KeySource
from service.errors import TenantDisabled
from service.settings import Settings
from service.store.app import TenantApplication
from service.store.postgres import SharedPostgresDatastore, TenantPostgresFactory
from service.store.registry import (
    PostgresTenantRegistry,
    SQLiteTenantRegistry,
    Tenant,
    TenantRegistry,
    tenant_merged,
    tenant_schema,
    validate_slug,
)
from service.store.roles import OWNER_MAX_OVERFLOW, OWNER_POOL_SIZE, use_lock_function
from service.store.sqlite import ChainedSQLiteFactory

log = logging.getLogger(__name__)


class _Backend(ABC):
    registry: TenantRegistry

    @abstractmethod
    def open_app(self, slug: str, *, writable: bool) -> TenantApplication:
        """Open the application of an existing tenant (no DDL)."""

    @abstractmethod
    def read_models(self, slug: str) -> ReadModelDB:
        """Where the tenant's read models are (its SQLite file, or its schema)."""

    @abstractmethod
    def close(self) -> None:
        """Release what the backend holds."""


class _SQLiteBackend(_Backend):
    """One SQLite file per tenant under ``<data_dir>/tenants``, plus ``registry.sqlite``."""

    def __init__(self, data_dir: Path, keys: KeySource) -> None:
        self.keys = keys
        self.tenants_dir = data_dir / "tenants"
        self.tenants_dir.mkdir(parents=True, exist_ok=True)
        self.registry = SQLiteTenantRegistry(
            data_dir / "registry.sqlite", tenant_path=self.tenant_path, provision=self._provision
        )

    def tenant_path(self, slug: str) -> Path:
        return self.tenants_dir / f"{validate_slug(slug)}.sqlite"

    def _build(self, slug: str, *, create_table: bool, writable: bool) -> TenantApplication:
        env = {
            "SQLITE_DBNAME": str(self.tenant_path(slug)),
            "CREATE_TABLE": "y" if create_table else "n",
        }
        return TenantApplication(
            slug, factory_builder=ChainedSQLiteFactory, env=env, writable=writable, keys=self.keys
        )

    def _provision(self, slug: str) -> None:
        self._build(slug, create_table=True, writable=True).close()

    def open_app(self, slug: str, *, writable: bool) -> TenantApplication:
        if not self.tenant_path(slug).exists():
            raise DomainError(
                "TENANT_STORAGE_MISSING",
                f"Không tìm thấy tệp dữ liệu của đơn vị '{slug}'; cần quản trị viên kiểm tra.",
                f"The data file of tenant '{slug}' is missing; an operator must check it.",
                field="tenant",
            )
        return self._build(slug, create_table=False, writable=writable)

    def read_models(self, slug: str) -> ReadModelDB:
        return SQLiteReadModels(slug, self.tenant_path(slug))

    def close(self) -> None:
        """Nothing shared: each tenant application owns its SQLite connections."""


class _PostgresBackend(_Backend):
    """One pool for the process; schema ``platform`` for the registry, ``t_<slug>`` per tenant."""

    def __init__(self, settings: Settings, keys: KeySource) -> None:
        self.keys = keys
        self.datastore = SharedPostgresDatastore(
            settings.postgres(),
            pool_size=settings.pg_pool_size,
            max_overflow=settings.pg_max_overflow,
            pool_timeout=settings.pg_pool_timeout,
        )
        # KETNAP_DATABASE_OWNER_URL: DDL and registry writes as the owner (service.store.roles).
        owner_params = settings.owner_postgres()
        self.owner: SharedPostgresDatastore | None = None
        if owner_params is not None:
            self.owner = SharedPostgresDatastore(
                owner_params, pool_size=OWNER_POOL_SIZE, max_overflow=OWNER_MAX_OVERFLOW
            )
        try:
            self.registry = PostgresTenantRegistry(
                self.datastore,
                create_statements=self.create_statements,
                owner=self.owner,
                citus=settings.citus,
            )
        except BaseException:
            self.close()
            raise

    def _build(self, slug: str, *, writable: bool) -> TenantApplication:
        datastore = self.datastore.for_schema(tenant_schema(slug))

        def factory(env: Environment) -> InfrastructureFactory[Any]:
            return TenantPostgresFactory(env, datastore=datastore)

        # CREATE_TABLE off: tables and types are created once, by the registry, at creation.
        app = TenantApplication(
            slug,
            factory_builder=factory,
            env={"CREATE_TABLE": "n"},
            writable=writable,
            keys=self.keys,
        )
        if self.owner is not None:
            # The application's role may not LOCK the events table itself (roles module).
            use_lock_function(app.recorder, datastore.schema)
        return app

    def create_statements(self, slug: str) -> Sequence[sql.Composed]:
        """The DDL creating a tenant's tables and types in its (new) schema."""
        app = self._build(slug, writable=True)
        recorder = app.recorder
        assert isinstance(recorder, PostgresRecorder)
        return list(recorder.sql_create_statements)

    def open_app(self, slug: str, *, writable: bool) -> TenantApplication:
        return self._build(slug, writable=writable)

    def read_models(self, slug: str) -> ReadModelDB:
        return PostgresReadModels(slug, tenant_schema(slug), self.datastore)

    def close(self) -> None:
        self.datastore.close()
        if self.owner is not None:
            self.owner.close()


class Store:
    """Persistence for the process: the tenant registry and the tenants' applications.

    ``app(slug)`` opens a tenant's application lazily and keeps at most
    ``settings.app_cache_size`` of them open (least recently used first out). With PostgreSQL
    all of them share one pool, so the process never holds more than
    ``pg_pool_size + pg_max_overflow`` connections, whatever the number of tenants.
    """

    def __init__(self, settings: Settings, backend: _Backend) -> None:
        self.settings = settings
        self._backend = backend
        self.registry: TenantRegistry = backend.registry
        self._apps: OrderedDict[str, TenantApplication] = OrderedDict()
        self._read_models: dict[str, ReadModelDB] = {}
        self._lock = threading.RLock()
        self._closed = False
        self.registry.on_change(self._tenant_changed)
        self.registry.on_create(self._tenant_created)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store the settings describe (``service.bootstrap`` reads them)."""
        keys = KeySource.configured(key_file=settings.key_file, inline=settings.inline_keys)
        backend: _Backend
        if settings.backend == "postgres":
            backend = _PostgresBackend(settings, keys)
        else:
            backend = _SQLiteBackend(settings.data_dir, keys)
        return cls(settings, backend)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgres"``."""
        return self.settings.backend

    def app(self, tenant: str, *, write: bool = True) -> TenantApplication:
        """The application of ``tenant``.

        Bilingual errors: invalid slug (:class:`~domain.errors.InvalidInput`), unknown tenant
        (:class:`~domain.errors.NotFound`), and, when ``write`` is true, a disabled tenant
        (:class:`~service.errors.TenantDisabled`). With ``write=False`` a disabled tenant's
        application is returned for reading; its ``save`` still refuses.

        Registry changes other processes made are brought in first (``registry.sync``: on
        SQLite one ``PRAGMA``; on PostgreSQL a no-op, a listener thread does it).
        """
        slug = validate_slug(tenant)
        self.registry.sync()
        with self._lock:
            if self._closed:
                msg = "the store is closed"
                raise RuntimeError(msg)
            app = self._apps.get(slug)
            if app is not None:
                self._apps.move_to_end(slug)
            else:
                record = self.registry.get(slug)
                app = self._backend.open_app(slug, writable=not record.disabled)
                self._apps[slug] = app
                while len(self._apps) > self.settings.app_cache_size:
                    # Not closed explicitly: another thread may still be using it. With
                    # PostgreSQL there is nothing to close (the pool is shared); a SQLite
                    # application closes its file when the last reference goes.
                    self._apps.popitem(last=False)
        if write and not app.writable:
            record = self.registry.get(slug)
            if record.merged_into is not None:
                raise tenant_merged(record, "tenant")
            raise TenantDisabled(slug)
        return app

    @property
    def owner_datastore(self) -> SharedPostgresDatastore | None:
        """PostgreSQL with ``KETNAP_DATABASE_OWNER_URL``: the owner role's datastore (DDL and
        other owner-only work); None otherwise (one role does everything)."""
        return getattr(self._backend, "owner", None)

    def head(self, tenant: str) -> int:
        """Position of ``tenant``'s last recorded event (0 when none); readable when disabled."""
        return int(self.app(tenant, write=False).recorder.max_notification_id() or 0)

    def pool_stats(self) -> dict[str, dict[str, int]]:
        """psycopg-pool's ``get_stats()`` of each PostgreSQL pool of the process, by role
        (``app``; ``owner`` when it has its own): for the metrics. SQLite: none."""
        stats: dict[str, dict[str, int]] = {}
        for role, datastore in (
            ("app", getattr(self._backend, "datastore", None)),
            ("owner", self.owner_datastore),
        ):
            if datastore is not None:
                stats[role] = dict(datastore.pool.get_stats())
        return stats

    def read_models(self, tenant: str) -> ReadModelDB:
        """Where ``tenant``'s read models are (one handle per tenant and process)."""
        slug = validate_slug(tenant)
        with self._lock:
            db = self._read_models.get(slug)
            if db is None:
                self.registry.get(slug)  # bilingual NotFound for an unknown tenant
                db = self._read_models[slug] = self._backend.read_models(slug)
            return db

    @property
    def open_tenants(self) -> list[str]:
        """Slugs of the applications currently open, least recently used first."""
        with self._lock:
            return list(self._apps)

    def _tenant_created(self, tenant: Tenant) -> None:
        """Create the new tenant's read-model tables now, so normal operation runs no DDL.

        A failure is logged, not raised: the tenant exists, and whoever first runs its
        projections (worker, inline mode, rebuild) creates the missing tables then.
        """
        # Own handle, closed at once: creating many tenants holds no file or cache slot.
        db = self._backend.read_models(tenant.slug)
        try:
            ensure_tables(db, all_projections())
        except Exception:
            log.exception("could not create the read-model tables of tenant %s", tenant.slug)
        finally:
            db.close()

    def _tenant_changed(self, tenant: Tenant) -> None:
        with self._lock:
            app = self._apps.get(tenant.slug)
            if app is not None:
                app.writable = not tenant.disabled

    def close(self) -> None:
        """Close every open application and the connection pool."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            apps = list(self._apps.values())
            self._apps.clear()
            dbs = list(self._read_models.values())
            self._read_models.clear()
        for app in apps:
            app.close()
        for db in dbs:
            db.close()
        self.registry.close()
        self._backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()
