"""PostgreSQL only: many tenants over one bounded pool."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import psycopg.errors
import pytest

from domain.values import Actor, DocumentRef, Role
from service.settings import Settings
from service.store import Store, TenantKind
from tests.conftest import PostgresDatabase
from tests.store.test_store import Dossier

pytestmark = pytest.mark.postgres

ACTOR = Actor("u-1", Role.ORGANIZER)
DOC = DocumentRef("5-KNĐ", "1", date(2024, 1, 2), "Chi bộ")


def make_store(
    database: PostgresDatabase, tmp_path: Path, *, pool_size: int, max_overflow: int, cache: int
) -> Store:
    return Store.from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database.url,
            pg_pool_size=pool_size,
            pg_max_overflow=max_overflow,
            app_cache_size=cache,
        )
    )


def store_connections(database: PostgresDatabase) -> list[tuple[str, str]]:
    """(application_name, state) of the client connections to the test database."""
    with database.admin_connect() as conn:
        rows = conn.execute(
            "SELECT application_name, coalesce(state, '') FROM pg_stat_activity"
            " WHERE datname = %s AND backend_type = 'client backend'",
            (database.name,),
        ).fetchall()
    return [(str(name), str(state)) for name, state in rows]


def test_two_hundred_tenants_stay_within_the_connection_bound(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    started = time.monotonic()
    store = make_store(postgres_database, tmp_path, pool_size=2, max_overflow=2, cache=64)
    try:
        slugs = [f"tenant_{i:03d}" for i in range(200)]
        for slug in slugs:
            store.registry.create(slug, slug, TenantKind.OTHER)

        peak = 0
        stop = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, len(store_connections(postgres_database)))
                time.sleep(0.05)

        def write(chunk: list[str]) -> None:
            for slug in chunk:
                dossier = Dossier(slug, "c-1")
                dossier.record_step(date(2024, 1, 3), DOC, ACTOR)
                store.app(slug).save(dossier)
                dossier.record_step(date(2024, 1, 4), DOC, ACTOR, "again")
                store.app(slug).save(dossier)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write, [slugs[i::4] for i in range(4)]))
        stop.set()
        watcher.join()

        connections = store_connections(postgres_database)
        assert 0 < len(connections) <= 4, connections
        assert 0 < peak <= 4
        assert {name for name, _ in connections} == {"ketnap-test-store"}
        assert len(store.registry.list()) == 200
        for slug in slugs[::37]:
            dossier = store.app(slug).get(Dossier.create_id(slug, "c-1"), Dossier)
            assert (dossier.tenant, dossier.version) == (slug, 3)
        print(
            f"\n200 tenants, 4 threads: {len(connections)} connections at the end, "
            f"peak {peak}, {time.monotonic() - started:.1f}s"
        )
    finally:
        store.close()
    # a closed connection leaves pg_stat_activity when its backend has exited: wait for it
    deadline = time.monotonic() + 5
    while store_connections(postgres_database) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store_connections(postgres_database) == []


def test_tenants_share_one_connection_without_type_confusion(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    # One connection, several schemas' composite types on it, apps evicted and reopened: each
    # insert must use its own schema's stored_event type (psycopg caches composite classes by
    # type name, which would mix them up).
    store = make_store(postgres_database, tmp_path, pool_size=1, max_overflow=0, cache=1)
    try:
        slugs = ["alpha", "beta", "gamma"]
        for slug in slugs:
            store.registry.create(slug, slug, TenantKind.OTHER)
        for round_ in range(3):
            for slug in slugs:
                dossier = Dossier(slug, f"c-{round_}")
                dossier.record_step(date(2024, 2, 1), DOC, ACTOR)
                store.app(slug).save(dossier)
        for slug in slugs:
            app = store.app(slug)
            for round_ in range(3):
                assert app.get(Dossier.create_id(slug, f"c-{round_}"), Dossier).version == 2
        assert len(store_connections(postgres_database)) == 1
    finally:
        store.close()


def test_normal_operation_runs_no_ddl(postgres_database: PostgresDatabase, tmp_path: Path) -> None:
    store = make_store(postgres_database, tmp_path, pool_size=1, max_overflow=0, cache=8)
    try:
        store.registry.create("acme", "Acme", TenantKind.OTHER)
    finally:
        store.close()
    # From now on any DDL in this database fails (event trigger), as a Citus coordinator with
    # DDL propagation off would make it misbehave.
    with psycopg.connect(postgres_database.url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION forbid_ddl() RETURNS event_trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'DDL in normal operation: %', tg_tag; END $$"
        )
        conn.execute(
            "CREATE EVENT TRIGGER forbid_ddl ON ddl_command_start EXECUTE FUNCTION forbid_ddl()"
        )
        with pytest.raises(psycopg.errors.RaiseException):
            conn.execute("CREATE TABLE IF NOT EXISTS t_acme.ketnap_events (x int)")

    reopened = make_store(postgres_database, tmp_path, pool_size=1, max_overflow=0, cache=8)
    try:
        app = reopened.app("acme")
        dossier = Dossier("acme", "c-1")
        dossier.record_step(date(2024, 2, 1), DOC, ACTOR)
        app.save(dossier)
        assert app.get(dossier.id, Dossier).version == 2
        assert [t.slug for t in reopened.registry.list()] == ["acme"]
    finally:
        reopened.close()
