"""Citus schema-based sharding of the tenant schemas (``KETNAP_CITUS=on``).

Each tenant's schema ``t_<slug>`` becomes a Citus *distributed schema*: its tables are
single-shard tables of one colocation group, so the whole tenant (events, hash chain, tracking,
read models) lives on one worker node, and any statement or transaction that stays inside the
tenant is routed there whole. That holds only because no statement of Ketnap names two tenant
schemas (``tests/deploy/test_one_tenant_per_statement.py`` proves it from PostgreSQL's own
statement log).

The registry creates a tenant in one transaction on the coordinator (row, history, schema,
event-store tables, grants). With Citus on, that transaction first runs
:data:`DISTRIBUTE_NEW_SCHEMA`: Citus then registers the ``CREATE SCHEMA`` that follows as a
distributed schema, and every table created in it from then on (the event store now, the read
models right after, a rebuild later) is created as a single-shard table on the schema's node. A
``SET LOCAL`` rather than a database default: the ``platform`` schema (created ``IF NOT
EXISTS`` at start) must *not* become distributed; it stays an ordinary table on the coordinator,
which every connection goes through.

Tenants created before Citus was turned on are distributed once with
``citus_schema_distribute`` (``deploy/citus/distribute-existing.sql``), run as the owner.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

#: Run in the tenant-creation transaction, right before its ``CREATE SCHEMA``.
DISTRIBUTE_NEW_SCHEMA = "SET LOCAL citus.enable_schema_based_sharding TO on"


def citus_version(curs: Any) -> str | None:
    """The version of the ``citus`` extension in the connected database, or None."""
    curs.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
    row = curs.fetchone()
    if row is None:
        return None
    return str(row["extversion"] if isinstance(row, dict) else row[0])


def warn_unless_citus(curs: Any) -> None:
    """Log (once, at start) when ``KETNAP_CITUS=on`` but the database has no Citus.

    A warning rather than a refusal: on plain PostgreSQL the ``SET LOCAL`` only sets a
    placeholder variable and tenants are created as ordinary schemas, which is what the
    statement-log test runs; an operator sees the line and ``citus_schemas`` stays empty.
    """
    if citus_version(curs) is None:
        log.warning(
            "KETNAP_CITUS=on but the citus extension is not installed in this database:"
            " new tenant schemas will be ordinary schemas, not distributed"
        )
