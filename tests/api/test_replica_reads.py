"""Queries served by a real PostgreSQL streaming replica, read-your-writes kept.

A primary of the test's own (``initdb``, ``wal_level=replica``, a replication role and its
``pg_hba`` line) and a hot standby made from it with ``pg_basebackup -R``, each on its own port
on loopback (:mod:`bench.replica_cluster`); the service bootstrapped from the environment with
``KETNAP_DATABASE_URL`` on the primary and ``KETNAP_READ_DATABASE_URL`` on the standby, and
spoken to over HTTP. Projections run inline (no worker): the primary's read models pass each
write before its mutation answers, so any wait is the replica's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from bench.cluster import PostgresMissing
from bench.replica_cluster import ReplicatedCluster
from domain.values import Actor, Role
from service.api.auth import issue_dev_token
from service.bootstrap import bootstrap
from service.replica_reads import ReplicaReadModels
from service.store.replica import APPLICATION_NAME
from service.write_marks import TABLE
from tests.api.conftest import serving
from tests.processes import wait_until

pytestmark = pytest.mark.postgres

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
TODAY = date(2026, 11, 21)
ESTABLISH = (
    "mutation($input: EstablishUnitInput!) { establishUnit(input: $input) { __typename "
    "... on UnitPayload { position } ... on DomainError { code messageEn } } }"
)
UNITS = "{ orgUnits(first: 50) { edges { node { code } } } }"
#: How long a query waits for the replica before answering "not yet" (generous: a loaded
#: machine replays late, and the paused case waits it out once).
WAIT = 2.0


@pytest.fixture
def replicated() -> Iterator[ReplicatedCluster]:
    """A primary and its streaming replica of the test's own: skipped without PostgreSQL,
    except in CI, where that fails."""
    try:
        clusters = ReplicatedCluster()
    except PostgresMissing:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found (never skipped in CI)")
        pytest.skip("PostgreSQL binaries not found")
    try:
        yield clusters
    finally:
        clusters.remove()


def _post(client: httpx.Client, url: str, token: str, query: str, variables: Any = None) -> Any:
    response = client.post(
        url,
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _codes(body: Any) -> set[str]:
    assert not body.get("errors"), body
    return {edge["node"]["code"] for edge in body["data"]["orgUnits"]["edges"]}


def _unit(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Đơn vị {code}",
        "kind": "COMMITTEE",
        "parentCode": None,
        "occurredOn": "2015-01-01",
    }


def test_queries_are_served_by_the_replica_and_wait_for_the_callers_own_write(
    replicated: ReplicatedCluster, tmp_path: Path
) -> None:
    environ = {
        "KETNAP_DATA_DIR": str(tmp_path / "data"),
        "KETNAP_KEY_FILE": str(tmp_path / "keys.json"),
        "KETNAP_DATABASE_URL": replicated.primary_url,
        "KETNAP_READ_DATABASE_URL": replicated.replica_url,
        "KETNAP_READ_YOUR_WRITES_TIMEOUT": str(WAIT),
        "KETNAP_PG_POOL_SIZE": "2",
        "KETNAP_PG_MAX_OVERFLOW": "2",
        "KETNAP_PG_POOL_TIMEOUT": "1",  # the replica stopped at the end: answered in 1 s
    }
    # Two servers, as two ``ketnap serve`` processes behind a proxy: writes go to A, the same
    # caller's queries to B, which must learn of the write from the primary.
    with (
        bootstrap(environ=environ, inline=True, today=lambda: TODAY) as parts_a,
        bootstrap(environ=environ, inline=True, today=lambda: TODAY) as parts_b,
    ):
        parts_a.handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ alpha", "other")
        replica = parts_b.replica
        assert isinstance(replica, ReplicaReadModels)

        def token(subject: str) -> str:
            return issue_dev_token(
                parts_a.settings, subject=subject, roles=[Role.ORGANIZER], tenant="alpha"
            )

        writer, other = token("writer@example.org"), token("other@example.org")
        with (
            serving(parts_a) as api_a,
            serving(parts_b) as api_b,
            httpx.Client(timeout=60) as client,
        ):
            write, read = api_a.url, api_b.url
            # A write, then a query: served by the replica, and it shows the write.
            done = _post(client, write, writer, ESTABLISH, {"input": _unit("U1")})
            assert done["data"]["establishUnit"]["__typename"] == "UnitPayload", done
            assert "U1" in _codes(_post(client, read, writer, UNITS))
            assert replicated.on_replica("SELECT pg_is_in_recovery()") is True
            readers = replicated.on_replica(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'ketnap' "
                f"AND application_name = '{APPLICATION_NAME}'"
            )
            assert readers >= 1
            with replica.replica.datastore.get_connection() as pooled:
                row = pooled.execute("SHOW default_transaction_read_only").fetchone()
            assert row == {"default_transaction_read_only": "on"}

            # Replay paused: the next write is on the primary only.
            replicated.on_replica("SELECT pg_wal_replay_pause()")
            wait_until(
                lambda: replicated.on_replica("SELECT pg_get_wal_replay_pause_state()") == "paused",
                20,
                "replay paused",
            )
            done = _post(client, write, writer, ESTABLISH, {"input": _unit("U2")})
            assert done["data"]["establishUnit"]["__typename"] == "UnitPayload", done

            # Another caller is not held up, and reads the replica's (older) state.
            started = time.monotonic()
            assert _codes(_post(client, read, other, UNITS)) == {"U1"}
            unheld = time.monotonic() - started

            # The writer's query waits, bounded, and says "not yet" instead of stale data.
            started = time.monotonic()
            body = _post(client, read, writer, UNITS)
            waited = time.monotonic() - started
            codes = [e["extensions"]["code"] for e in body.get("errors", [])]
            assert codes == ["PROJECTION_LAGGING"], body
            assert "U1" not in str(body.get("data"))
            assert waited >= WAIT * 0.9
            assert waited < WAIT + 10 + unheld

            ready = client.get(read.replace("/graphql", "/readyz"))
            assert ready.status_code == 200, ready.text
            status = ready.json()["replica"]
            assert status["reachable"] is True
            assert status["inRecovery"] is True
            assert status["replayPaused"] is True
            assert status["lagBytes"] > 0

            # Replay resumed: the same query now shows the write, and the mark is gone.
            replicated.on_replica("SELECT pg_wal_replay_resume()")
            assert _codes(_post(client, read, writer, UNITS)) == {"U1", "U2"}
            with psycopg.connect(replicated.primary_url) as conn:
                marks = conn.execute(f"SELECT count(*) FROM t_alpha.{TABLE}").fetchone()
            assert marks == (0,)

            # The replica gone: not ready, and queries answer 503 instead of hanging.
            replicated.primary._run(
                "pg_ctl", "-D", str(replicated.replica_data), "-m", "immediate", "-w", "stop"
            )
            ready = client.get(read.replace("/graphql", "/readyz"))
            assert ready.status_code == 503, ready.text
            assert ready.json()["status"] == "replica unreachable"
            gone = client.post(
                read, json={"query": UNITS}, headers={"authorization": f"Bearer {other}"}
            )
            assert gone.status_code == 503, gone.text
            assert gone.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"
