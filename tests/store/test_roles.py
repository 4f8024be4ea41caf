"""Append-only events in the database: an owner role for DDL, an application role that can only
``SELECT`` and ``INSERT`` event rows (``KETNAP_DATABASE_OWNER_URL``, ``service.store.roles``).

The PostgreSQL tests create two login roles in the test cluster (roles are cluster-wide: unique
names per test, dropped afterwards), hand the fresh test database to neither, and run the store
with the owner URL and the application URL. Nothing is mocked.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.errors
import pytest
from psycopg import sql

from domain.commands import SetStalledThreshold
from domain.errors import InvalidInput
from domain.values import Actor, Role
from service.bootstrap import read_settings
from service.commands import Handlers, Principal
from service.read_models import ReadModels
from service.settings import Settings
from service.store import Store, TenantKind
from service.store.roles import GUARD_TRIGGER, LOCK_FUNCTION, is_append_only
from service.store.tenant_chain import init_tenant
from service.worker import Worker, WorkerOptions
from tests.conftest import PostgresDatabase, with_database
from tests.store.test_store import ORGANIZER, Dossier, document

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
TODAY = date(2026, 11, 21)
EVENTS = "t_acme.ketnap_events"
#: The event-store tables of tenant acme, with a column each to attempt an UPDATE on.
CHAIN_TABLES = {
    EVENTS: "originator_version",
    "t_acme.ketnap_links": "position",
    "t_acme.ketnap_checkpoints": "id",
}


# --- settings (no database) -------------------------------------------------------------------
APP_URL = "postgresql://ketnap_app:secret@db.example:5432/ketnap"
OWNER_URL = "postgresql://ketnap_owner:hidden@db.example:5432/ketnap"


def test_owner_url_is_optional_and_read_from_the_environment() -> None:
    assert read_settings({"KETNAP_DATABASE_URL": APP_URL}).separate_owner is False
    settings = read_settings(
        {"KETNAP_DATABASE_URL": APP_URL, "KETNAP_DATABASE_OWNER_URL": f" {OWNER_URL} "}
    )
    assert settings.separate_owner is True
    owner = settings.owner_postgres()
    assert owner is not None
    assert (owner.user, owner.dbname) == ("ketnap_owner", "ketnap")
    assert Settings(database_url=APP_URL).owner_postgres() is None


@pytest.mark.parametrize(
    ("env", "vi", "en"),
    [
        (
            {"KETNAP_DATABASE_URL": APP_URL, "KETNAP_DATABASE_OWNER_URL": "mysql://x@h/db"},
            "phải bắt đầu bằng postgresql://",
            "must start with postgresql://",
        ),
        (
            {"KETNAP_DATABASE_OWNER_URL": OWNER_URL},
            "chỉ dùng cùng với KETNAP_DATABASE_URL",
            "only used together with KETNAP_DATABASE_URL",
        ),
        (
            {
                "KETNAP_DATABASE_URL": APP_URL,
                "KETNAP_DATABASE_OWNER_URL": OWNER_URL.replace("/ketnap", "/other"),
            },
            "phải trỏ tới cùng cơ sở dữ liệu",
            "must name the same database",
        ),
    ],
)
def test_bad_owner_url_is_a_bilingual_error(env: dict[str, str], vi: str, en: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_settings(env)
    error = caught.value
    assert error.code == "SETTING_INVALID"
    assert error.field == "KETNAP_DATABASE_OWNER_URL"
    assert vi in error.message_vi
    assert en in error.message_en
    assert "hidden" not in error.message_en  # the owner's password is never shown


def test_append_only_rule_is_by_name() -> None:
    for table in ("ketnap_events", "ketnap_links", "ketnap_checkpoints"):
        assert is_append_only(table)
    for table in ("projection_tracking", "rm_candidates", "rm_audit"):
        assert not is_append_only(table)


# --- PostgreSQL, two roles ---------------------------------------------------------------------
@dataclass
class TwoRoles:
    """An owner and an application role on the test database, and stores using them."""

    database: PostgresDatabase
    data_dir: Path
    owner: str
    app: str
    stores: list[Store] = field(default_factory=list)

    def url(self, role: str, application_name: str = "ketnap-test-roles") -> str:
        parts = urlsplit(with_database(self.database.admin_url, self.database.name))
        netloc = f"{role}:pw-{role}@{parts.hostname}:{parts.port or 5432}"
        query = "&".join(q for q in (parts.query, f"application_name={application_name}") if q)
        return urlunsplit(parts._replace(netloc=netloc, query=query))

    def settings(self, *, owner: bool = True, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": self.data_dir,
            "database_url": self.url(self.app),
            "database_owner_url": self.url(self.owner) if owner else "",
            "pg_pool_size": 2,
            "pg_max_overflow": 2,
        }
        values.update(overrides)
        return Settings(**values)

    def store(self, **overrides: Any) -> Store:
        store = Store.from_settings(self.settings(**overrides))
        self.stores.append(store)
        return store

    def connect(self, role: str) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(role), autocommit=True)


@pytest.fixture
def two_roles(postgres_database: PostgresDatabase, tmp_path: Path) -> Iterator[TwoRoles]:
    suffix = uuid.uuid4().hex[:12]
    roles = TwoRoles(postgres_database, tmp_path, f"ketnap_own_{suffix}", f"ketnap_app_{suffix}")
    with postgres_database.admin_connect() as conn:
        for role in (roles.owner, roles.app):
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(f"pw-{role}")
                )
            )
        conn.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(postgres_database.name), sql.Identifier(roles.owner)
            )
        )
    try:
        yield roles
    finally:
        for store in roles.stores:
            store.close()
        admin_db = with_database(postgres_database.admin_url, postgres_database.name)
        with psycopg.connect(admin_db, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP OWNED BY {}, {} CASCADE").format(
                    sql.Identifier(roles.owner), sql.Identifier(roles.app)
                )
            )
        with postgres_database.admin_connect() as conn:
            # Drop the database's connections of the roles first (pools of crashed tests).
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)",
                ([roles.owner, roles.app],),
            )
            for role in (roles.app, roles.owner):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _save_dossier(store: Store, tenant: str = "acme", code: str = "c-1") -> Dossier:
    app = store.app(tenant)
    dossier = Dossier(tenant, code)
    dossier.record_step(date(2024, 2, 1), document(), ORGANIZER)
    app.save(dossier)
    return dossier


def _refused(conn: psycopg.Connection[Any], statement: str) -> str:
    """Run ``statement`` (expected to fail with a permission error); the error message."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught, conn.transaction():
        conn.execute(statement.encode())
    return str(caught.value)


def _count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
def test_app_role_cannot_update_delete_or_truncate_events(two_roles: TwoRoles) -> None:
    store = two_roles.store()
    store.registry.create("acme", "Acme", TenantKind.OTHER)
    dossier = _save_dossier(store)  # the application appends events: allowed
    assert store.app("acme").get(dossier.id, Dossier).version == 2

    with two_roles.connect(two_roles.app) as conn:
        assert _count(conn, EVENTS) == 2  # SELECT: allowed
        for table, column in CHAIN_TABLES.items():
            update = f"UPDATE {table} SET {column} = {column} + 1"
            assert "permission denied" in _refused(conn, update)
            assert "permission denied" in _refused(conn, f"DELETE FROM {table}")
            assert "permission denied" in _refused(conn, f"TRUNCATE {table}")
            assert "must be owner" in _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            assert "must be owner" in _refused(conn, f"DROP TABLE {table}")
        # INSERT: allowed (rolled back: a raw row would have no hash-chain link).
        with conn.transaction(force_rollback=True):
            conn.execute(
                b"INSERT INTO t_acme.ketnap_events (originator_id, originator_version, topic,"
                b" state) VALUES (gen_random_uuid(), 1, 'x', '\\x00')"
            )
        # The sequence: nextval yes, setval no (no rewinding of notification ids).
        assert "permission denied" in _refused(
            conn, "SELECT setval('t_acme.ketnap_events_notification_id_seq', 1)"
        )
        # Why the lock function exists: INSERT privilege does not allow LOCK … EXCLUSIVE.
        assert "permission denied" in _refused(conn, f"LOCK TABLE {EVENTS} IN EXCLUSIVE MODE")
        with conn.transaction():
            conn.execute(f"SELECT t_acme.{LOCK_FUNCTION}()".encode())
            row = conn.execute(
                b"SELECT mode FROM pg_locks WHERE relation = 't_acme.ketnap_events'::regclass"
                b" AND pid = pg_backend_pid() AND mode = 'ExclusiveLock'"
            ).fetchone()
            assert row is not None  # held until the end of the transaction
        # The registry: read only.
        assert _count(conn, "platform.tenants") == 1
        assert "permission denied" in _refused(conn, "UPDATE platform.tenants SET disabled = true")
        assert "permission denied" in _refused(conn, "DELETE FROM platform.tenants")
        assert _count(conn, "platform.tenant_events") == 1  # its creation
        assert "permission denied" in _refused(conn, "DELETE FROM platform.tenant_events")

    # Nothing changed, and the application still appends.
    _save_dossier(store, code="c-2")
    with two_roles.connect(two_roles.app) as conn:
        assert _count(conn, EVENTS) == 4
        assert _count(conn, "t_acme.ketnap_links") == 4


@pytest.mark.postgres
def test_the_owner_is_refused_too_by_the_append_only_triggers(two_roles: TwoRoles) -> None:
    store = two_roles.store()
    store.registry.create("acme", "Acme", TenantKind.OTHER)
    _save_dossier(store)
    with two_roles.connect(two_roles.owner) as conn:
        for table, column in CHAIN_TABLES.items():
            if table != "t_acme.ketnap_checkpoints":  # empty: a row trigger has nothing to see
                update = f"UPDATE {table} SET {column} = {column} + 1"
                assert "append-only" in _refused(conn, update)
                assert "append-only" in _refused(conn, f"DELETE FROM {table}")
            assert "append-only" in _refused(conn, f"TRUNCATE {table}")
        assert _count(conn, EVENTS) == 2
        row = conn.execute(
            b"SELECT count(*) FROM pg_trigger WHERE tgname LIKE %s AND NOT tgisinternal",
            (f"{GUARD_TRIGGER}%",),
        ).fetchone()
        assert row is not None
        # row and truncate triggers on events, links and checkpoints, and on the platform's
        # history of tenants and their merges
        assert row[0] == 10
        assert "append-only" in _refused(conn, "DELETE FROM platform.tenant_events")
        assert "append-only" in _refused(conn, "TRUNCATE platform.tenant_merges")  # empty


@pytest.mark.postgres
def test_registry_writes_and_ddl_run_as_the_owner(two_roles: TwoRoles) -> None:
    store = two_roles.store()
    store.registry.create("acme", "Acme", TenantKind.OTHER)
    assert store.registry.disable("acme").disabled
    assert not store.registry.enable("acme").disabled
    with two_roles.connect(two_roles.owner) as conn:
        rows = conn.execute(
            b"SELECT n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n"
            b" WHERE n.nspname IN ('platform', 't_acme') ORDER BY 1"
        ).fetchall()
        assert rows == [("platform", two_roles.owner), ("t_acme", two_roles.owner)]
        owners = dict(
            conn.execute(
                b"SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 't_acme'"
            ).fetchall()
        )
    for table, owner in owners.items():
        # Event-store tables belong to the owner; read models to the application's role.
        assert owner == (two_roles.owner if is_append_only(table) else two_roles.app), table
    assert {"ketnap_events", "ketnap_links", "projection_tracking"} <= set(owners)


@pytest.mark.postgres
def test_projections_catch_up_and_rebuild_as_the_app_role(two_roles: TwoRoles) -> None:
    store = two_roles.store()
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(OPERATOR, "acme", "Acme", "other")
    for days in (30, 31, 32):
        handlers.handle(Principal("acme", ORGANIZER), SetStalledThreshold(days=days))
    read_models = ReadModels(store, inline=False)
    report = read_models.catch_up("acme")
    assert report.events == 4
    head = read_models.projector("acme").head()
    assert all(s.position == head for s in read_models.status("acme"))
    rebuilt = read_models.rebuild("acme")  # drops and recreates the read-model tables
    assert rebuilt.events == 4
    assert all(s.position == head for s in read_models.status("acme"))


@pytest.mark.postgres
def test_the_worker_listens_and_catches_up_as_the_app_role(two_roles: TwoRoles) -> None:
    store = two_roles.store()
    handlers = Handlers(store, today=lambda: TODAY)
    handlers.create_tenant(OPERATOR, "acme", "Acme", "other")
    read_models = ReadModels(store, inline=False)
    worker_store = two_roles.store(database_url=two_roles.url(two_roles.app, "roles-worker"))
    worker = Worker(
        worker_store,
        options=WorkerOptions(name="roles-worker", poll_interval=30, takeover_interval=0.2),
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert worker.ready.wait(10), "worker did not start"
        _wait_until(lambda: worker.owned == {"acme"}, "the worker owns acme")
        # Poll interval 30 s: only the notification (LISTEN) can wake it up this fast.
        handlers.handle(Principal("acme", ORGANIZER), SetStalledThreshold(days=40))
        head = read_models.projector("acme").head()
        _wait_until(lambda: read_models.reached("acme") >= head, "caught up")
        handlers.create_tenant(OPERATOR, "beta", "Beta", "other")
        _wait_until(lambda: "beta" in worker.owned, "the worker owns beta")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


@pytest.mark.postgres
def test_tenants_of_a_single_role_get_the_rights_when_the_owner_url_is_set(
    two_roles: TwoRoles,
) -> None:
    # Before: the (future) owner did everything alone.
    alone = two_roles.store(database_url=two_roles.url(two_roles.owner), database_owner_url="")
    before = Handlers(alone, today=lambda: TODAY)
    before.create_tenant(OPERATOR, "acme", "Acme", "other")
    before.handle(Principal("acme", ORGANIZER), SetStalledThreshold(days=30))
    assert ReadModels(alone, inline=False).catch_up("acme").events == 2
    alone.close()

    store = two_roles.store()  # startup grants the application's role its rights on acme
    Handlers(store, today=lambda: TODAY).handle(
        Principal("acme", ORGANIZER), SetStalledThreshold(days=31)
    )
    read_models = ReadModels(store, inline=False)
    assert read_models.catch_up("acme").events == 1  # read models of the owner: written
    with two_roles.connect(two_roles.app) as conn:
        assert _count(conn, EVENTS) == 3
        assert "permission denied" in _refused(conn, f"DELETE FROM {EVENTS}")
        assert "permission denied" in _refused(conn, f"TRUNCATE {EVENTS}")


@pytest.mark.postgres
def test_one_role_named_twice_is_refused(two_roles: TwoRoles) -> None:
    with pytest.raises(InvalidInput) as caught:
        two_roles.store(database_owner_url=two_roles.url(two_roles.app, "other-name"))
    assert caught.value.code == "SETTING_INVALID"
    assert "two different PostgreSQL roles" in caught.value.message_en
    assert "hai vai trò" in caught.value.message_vi


@pytest.mark.postgres
def test_single_role_mode_is_unchanged(two_roles: TwoRoles) -> None:
    alone = two_roles.store(database_url=two_roles.url(two_roles.owner), database_owner_url="")
    alone.registry.create("acme", "Acme", TenantKind.OTHER)
    _save_dossier(alone)
    with two_roles.connect(two_roles.owner) as conn:
        # No lock function, no guard triggers: one role, today's behaviour.
        row = conn.execute(
            b"SELECT to_regprocedure(%s) IS NULL", (f"t_acme.{LOCK_FUNCTION}()",)
        ).fetchone()
        assert row == (True,)
        with conn.transaction(force_rollback=True):
            conn.execute(f"DELETE FROM {EVENTS}".encode())


def _wait_until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting: {what}")
        time.sleep(0.02)


@pytest.mark.postgres
def test_chain_init_as_the_owner_grants_the_application_its_rights(two_roles: TwoRoles) -> None:
    store = two_roles.store()
    Handlers(store, today=lambda: TODAY).create_tenant(OPERATOR, "acme", "Acme", "other")
    # A tenant from before the chain: its links table does not exist yet.
    with two_roles.connect(two_roles.owner) as conn:
        conn.execute(b"DROP TABLE t_acme.ketnap_links")
    init_tenant(store, "acme")
    # The owner created the table; the application writes events and their links into it.
    _save_dossier(store)
    with two_roles.connect(two_roles.app) as conn:
        assert _count(conn, "t_acme.ketnap_links") == _count(conn, EVENTS)
        assert "permission denied" in _refused(conn, "DELETE FROM t_acme.ketnap_links")
