"""Taking signed checkpoints of a tenant's live chain (``ketnap audit checkpoint``).

:func:`record_checkpoint` verifies the chain (``service.audit.verify``), signs its head
(``service.audit.checkpoints``) and stores the statement in the tenant's checkpoints table.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from domain.errors import DomainError
from service.audit.checkpoints import Checkpoint, sign_checkpoint
from service.audit.verify import verify_tenant
from service.store import Store
from service.store.chain import CHECKPOINTS_TABLE
from service.store.tenant_chain import postgres_tenant, sqlite_tenant_file


def record_checkpoint(
    store: Store, slug: str, key: Ed25519PrivateKey, *, now: datetime | None = None
) -> Checkpoint:
    """Verify ``slug``'s chain, sign its head and store the statement in the tenant.

    Refuses (bilingual ``AUDIT_CHAIN_BROKEN``) when the chain is broken: a checkpoint must
    never vouch for tampered history.
    """
    result = verify_tenant(store, slug)
    if result.first_break is not None:
        b = result.first_break
        raise DomainError(
            "AUDIT_CHAIN_BROKEN",
            f"Không tạo điểm kiểm tra: chuỗi băm của đơn vị '{slug}' đứt tại vị trí "
            f"{b.position} ({b.message_vi}).",
            f"No checkpoint taken: the hash chain of tenant '{slug}' is broken at position "
            f"{b.position} ({b.message_en}).",
            field="tenant",
        )
    recorded_at = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    checkpoint = sign_checkpoint(
        key,
        tenant=slug,
        position=result.head_position,
        events=result.events,
        head_hash=result.head_hash,
        recorded_at=recorded_at,
    )
    store_checkpoint(store, slug, checkpoint)
    return checkpoint


def store_checkpoint(store: Store, slug: str, checkpoint: Checkpoint) -> None:
    """Append ``checkpoint`` to the tenant's ``ketnap_checkpoints`` table."""
    if store.backend == "postgres":
        datastore, schema, _ = postgres_tenant(store, slug)
        with datastore.transaction(commit=True) as curs:
            curs.execute(
                sql.SQL("INSERT INTO {} (recorded_at, statement) VALUES (%s, %s)").format(
                    sql.Identifier(schema, CHECKPOINTS_TABLE)
                ),
                (checkpoint.recorded_at, checkpoint.to_json()),
            )
    else:
        conn = sqlite3.connect(sqlite_tenant_file(store, slug))
        try:
            with conn:
                conn.execute(
                    f"INSERT INTO {CHECKPOINTS_TABLE} (recorded_at, statement) VALUES (?, ?)",
                    (checkpoint.recorded_at, checkpoint.to_json()),
                )
        finally:
            conn.close()
