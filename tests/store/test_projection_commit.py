"""Read-model batches commit without waiting for their WAL flush; events still do.

The read models are derived data: each batch commits its rows together with its tracking
position, so a batch lost in a crash is projected again from the durable events. The worker's
commit therefore runs with ``synchronous_commit`` off (one fsync less on every read-your-writes
wait), while the event store keeps the database's setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from psycopg import sql

from domain.values import Actor, Role
from service.bootstrap import bootstrap
from service.settings import Settings
from tests.conftest import PostgresDatabase

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)


def test_read_model_writes_skip_the_flush_and_event_writes_keep_it(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    with postgres_database.admin_connect() as admin:  # durable by default, as in production
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = on").format(
                sql.Identifier(postgres_database.name)
            )
        )
    parts = bootstrap(
        Settings(
            data_dir=tmp_path,
            database_url=postgres_database.url,
            key_file=tmp_path / "keys.json",
            pg_pool_size=2,
            pg_max_overflow=0,
        ),
        inline=False,
    )
    try:
        parts.handlers.create_tenant(OPERATOR, "alpha", "Khối DN", "other")
        db = parts.store.read_models("alpha")
        with db.transaction(write=True) as tx:
            assert tx.fetchone("SHOW synchronous_commit") == ("off",)
        with db.transaction(write=False) as tx:
            assert tx.fetchone("SHOW synchronous_commit") == ("on",)
        recorder: Any = parts.store.app("alpha").recorder
        with recorder.datastore.transaction(commit=False) as cur:
            cur.execute("SHOW synchronous_commit")
            assert cur.fetchone()["synchronous_commit"] == "on"
    finally:
        parts.close()
