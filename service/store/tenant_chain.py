"""One tenant's chain tables in the store, for the tools that read or write them directly.

Where they are — the tenant's SQLite file (:func:`sqlite_tenant_file`), or its PostgreSQL
datastore, schema and events table (:func:`postgres_tenant`) — and :func:`init_tenant`
(``ketnap audit chain --init``), which links the events of tenants that existed before the
chain (``service.store.chain``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from service.store.chain import InitResult, init_chain_postgres, init_chain_sqlite
from service.store.postgres import ChainedPostgresApplicationRecorder
from service.store.sqlite import ChainedSQLiteApplicationRecorder
from service.store.store import Store


def sqlite_tenant_file(store: Store, slug: str) -> Path:
    """The SQLite file of tenant ``slug`` (SQLite backend only)."""
    recorder = store.app(slug, write=False).recorder
    assert isinstance(recorder, ChainedSQLiteApplicationRecorder)
    return Path(str(recorder.datastore.pool.db_name))


def postgres_tenant(store: Store, slug: str) -> tuple[Any, str, str]:
    """(tenant datastore, schema, events table) of tenant ``slug`` (PostgreSQL backend)."""
    recorder = store.app(slug, write=False).recorder
    assert isinstance(recorder, ChainedPostgresApplicationRecorder)
    return recorder.datastore, recorder.datastore.schema, recorder.events_table_name


def init_tenant(store: Store, slug: str) -> InitResult:
    """``chain --init`` for one tenant: create the tables if missing, link unlinked events."""
    if store.backend == "postgres":
        datastore, schema, events_table = postgres_tenant(store, slug)
        # With KETNAP_DATABASE_OWNER_URL the tables must be created (and owned) by the owner.
        owner = store.owner_datastore
        if owner is not None:
            datastore = owner.for_schema(schema)
        with datastore.transaction(commit=True) as curs:
            result = init_chain_postgres(curs, schema, events_table, slug)
        # Tables it created belong to the owner: the application role needs its rights on them.
        grant = getattr(store.registry, "grant_tenant_rights", None)
        if owner is not None and grant is not None:
            grant(slug)
        return result
    conn = sqlite3.connect(sqlite_tenant_file(store, slug), isolation_level=None)
    try:
        return init_chain_sqlite(conn, slug)
    finally:
        conn.close()
