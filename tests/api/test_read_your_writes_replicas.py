"""Read-your-writes across service replicas (PostgreSQL with the projection worker).

Two servers, each with its own store, pool and read models exactly as two ``ketnap serve``
processes behind a proxy, over one database; no worker runs, so the test decides when the read
models catch up. A write on replica A whose wait runs out (the worker is slow) leaves a mark in
the database: the same caller's next query on replica B waits for the read models to pass it and
sees the write, while another caller's query on B is not held up. ``deploy/smoke.sh`` proves the
same with real processes and a real worker.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import httpx
import psycopg
import pytest

from domain.values import Actor, Role
from service.api.auth import issue_dev_token
from service.api.context import Services
from service.write_marks import TABLE, SharedWriteMarks
from tests.api.conftest import serving
from tests.conftest import PostgresDatabase, StoreMaker

pytestmark = pytest.mark.postgres

OPERATOR = Actor("ops", Role.PLATFORM_OPERATOR)
TODAY = date(2026, 11, 21)
ESTABLISH = (
    "mutation($input: EstablishUnitInput!) { establishUnit(input: $input) { __typename "
    "... on UnitPayload { position unit { code } } ... on DomainError { code messageEn } } }"
)
UNITS = "{ orgUnits(first: 50) { edges { node { code } } } }"


@pytest.fixture
def backend() -> str:
    """Replicas with a worker exist on PostgreSQL only."""
    return "postgres"


def _post(
    client: httpx.Client, url: str, token: str, query: str, variables: Any = None
) -> dict[str, Any]:
    response = client.post(
        url,
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def _codes(data: dict[str, Any]) -> set[str]:
    return {edge["node"]["code"] for edge in data["orgUnits"]["edges"]}


def test_a_write_whose_wait_ran_out_on_one_replica_is_read_back_on_the_other(
    store_maker: StoreMaker, postgres_database: PostgresDatabase
) -> None:
    # Replica A gives up its own wait quickly (a slow worker); replica B waits long enough.
    replica_a = store_maker.parts(today=lambda: TODAY, inline=False, read_your_writes_timeout=0.2)
    replica_b = store_maker.parts(today=lambda: TODAY, inline=False, read_your_writes_timeout=20)
    replica_a.handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ alpha", "other")
    replica_a.read_models.catch_up("alpha")  # the worker's first pass
    assert isinstance(Services.of(replica_b).marks, SharedWriteMarks)

    def token(subject: str) -> str:
        return issue_dev_token(
            replica_a.settings, subject=subject, roles=[Role.ORGANIZER], tenant="alpha"
        )

    writer, other = token("writer@example.org"), token("other@example.org")
    unit = {
        "code": "U1",
        "name": "Đơn vị U1",
        "kind": "COMMITTEE",
        "parentCode": None,
        "occurredOn": "2015-01-01",
    }
    with (
        serving(replica_a) as api_a,
        serving(replica_b) as api_b,
        httpx.Client(timeout=60) as client,
    ):
        url_a, url_b = api_a.url, api_b.url
        # A's wait runs out: the write is stored, its answer says PROJECTION_LAGGING.
        response = client.post(
            url_a,
            json={"query": ESTABLISH, "variables": {"input": unit}},
            headers={"authorization": f"Bearer {writer}"},
        )
        codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
        assert codes == ["PROJECTION_LAGGING"], response.text
        position = replica_a.read_models.projector("alpha").head()
        assert replica_b.read_models.reached("alpha") < position  # nobody projected it

        # Another caller on B is not held up by the writer's mark (and sees the old state).
        started = time.monotonic()
        assert "U1" not in _codes(_post(client, url_b, other, UNITS))
        assert time.monotonic() - started < 5

        # The worker catches up a moment later; the writer's query on B waits for it.
        worker = threading.Timer(0.5, replica_a.read_models.catch_up, args=("alpha",))
        worker.start()
        try:
            assert "U1" in _codes(_post(client, url_b, writer, UNITS))
        finally:
            worker.join()

        # Seen passed, the mark is gone: the writer's later reads cost no wait.
        with psycopg.connect(postgres_database.url) as conn:
            rows = conn.execute(f"SELECT count(*) FROM t_alpha.{TABLE}").fetchone()
        assert rows == (0,)
        assert "U1" in _codes(_post(client, url_b, writer, UNITS))


def test_a_mark_keeps_the_callers_latest_position_and_goes_only_once_passed(
    store_maker: StoreMaker,
) -> None:
    parts = store_maker.parts(today=lambda: TODAY, inline=False)
    parts.handlers.create_tenant(OPERATOR, "alpha", "Đảng bộ alpha", "other")
    writer, reader = SharedWriteMarks(parts.store), SharedWriteMarks(parts.store)  # two replicas
    assert reader.get("alpha", "u1") is None
    writer.outstanding("alpha", "u1", 7)
    writer.outstanding("alpha", "u1", 5)  # an older write's wait ran out later
    assert reader.get("alpha", "u1") == 7
    assert reader.get("alpha", "u2") is None  # per caller
    reader.passed("alpha", "u1", 6)  # not far enough: the mark stays
    assert reader.get("alpha", "u1") == 7
    writer.outstanding("alpha", "u1", 9)  # a newer write meanwhile
    reader.passed("alpha", "u1", 8)  # passed the mark it read (7), not the newer one
    assert reader.get("alpha", "u1") == 9
    reader.passed("alpha", "u1", 9)
    assert writer.get("alpha", "u1") is None
