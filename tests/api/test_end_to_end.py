"""End to end on PostgreSQL: one candidate from discovery to full membership over real HTTP.

The service runs under uvicorn on a free port with its read models *not* run in-process; the
real ``ketnap worker`` runs them in a subprocess, as in production. Every step is a mutation;
right after each one (the same token), the case, the quota attainment and the audit history
already show it: the mutation waits for the worker to pass its position (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.values import Actor, Role
from service.api.app import make_app
from service.api.context import Services
from service.api.schema import schema
from service.commands import Handlers
from service.read_models import ReadModels
from service.store import Store
from tests.api.conftest import TODAY, Api, Server
from tests.api.test_case_mutations import procedure
from tests.conftest import PostgresDatabase, with_database
from tests.processes import Ketnap, env_for, start

DOC = {"kind": "NQ", "number": "01/NQ-ĐU", "issuedOn": "2025-01-10", "issuer": "Đảng ủy Khối"}
#: Stages counted as admitted in the period (counting basis: the decision's date, 2025-06-16).
ADMITTED = {"DECIDED", "PROBATIONARY", "RECOGNITION_VOTED", "FULL_MEMBER"}


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: the worker is the PostgreSQL way of running projections."""
    return "postgres"


@pytest.fixture
def worker(postgres_database: PostgresDatabase, store: Store, tmp_path: Path) -> Iterator[Ketnap]:
    env = env_for(
        store.settings,
        KETNAP_DATABASE_URL=with_database(postgres_database.admin_url, postgres_database.name),
    )
    process = start(env, tmp_path / "worker.log", "worker", "--poll-interval", "0.5")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def service(store: Store, worker: Ketnap) -> Iterator[Api]:
    read_models = ReadModels(store, inline=False)
    handlers = Handlers(store, today=lambda: TODAY, after_save=read_models.after_save)
    handlers.create_tenant(Actor("ops", Role.PLATFORM_OPERATOR), "alpha", "Đảng bộ Khối", "other")
    services = Services(
        store=store,
        handlers=handlers,
        read_models=read_models,
        settings=store.settings,
        today=lambda: TODAY,
    )
    server = Server(make_app(services))
    server.start()
    try:
        with httpx.Client(timeout=30) as client:
            yield Api(f"http://127.0.0.1:{server.port}/graphql", services, client)
    finally:
        server.stop()


def mutate(api: Api, name: str, input: dict[str, Any], select: str) -> dict[str, Any]:
    """Send mutation ``name`` (its input type read from the schema); its success payload."""
    kind = schema._schema.mutation_type.fields[name].args["input"].type  # type: ignore[union-attr]
    query = (
        f"mutation($input: {kind}) {{ {name}(input: $input) {{ __typename {select} "
        "... on DomainError { code messageEn } } }"
    )
    result: dict[str, Any] = api.data(query, {"input": input})[name]
    assert result["__typename"] != "DomainError", (name, result)
    return result


WATCH = """
query {
  candidate(caseCode: "HS-1") { stage }
  quotaAttainment(period: "2025", unitCode: "DU") { code quota admitted }
  auditEntries(first: 1, newestFirst: true) {
    totalCount
    edges { node { position eventType caseCode actorId role } }
  }
}
"""


def test_one_candidate_from_discovery_to_full_membership_over_http(service: Api) -> None:
    api = service
    unit = "... on UnitPayload { position unit { code } }"
    for code, kind, parent, extra in (
        ("KDN", "COMMITTEE", None, {}),
        ("DU", "GRASSROOTS_COMMITTEE", "KDN", {"admissionAuthority": "GRASSROOTS_COMMITTEE"}),
        ("CB1", "BRANCH", "DU", {}),
    ):
        mutate(
            api,
            "establishUnit",
            {
                "code": code,
                "name": f"Đơn vị {code}",
                "kind": kind,
                "parentCode": parent,
                "occurredOn": "2015-01-01",
                **extra,
            },
            unit,
        )
    # the company has no Youth Union organisation: the Trade Union and a member introduce
    mutate(
        api,
        "declareYouthUnionOrganisation",
        {"code": "DU", "present": False, "occurredOn": "2015-01-01"},
        unit,
    )
    mutate(
        api,
        "setQuota",
        {
            "unitCode": "DU",
            "period": "2025",
            "target": {"kind": "NUMBER", "minimum": "1"},
            "occurredOn": "2025-01-10",
            "document": DOC,
        },
        "... on QuotaPayload { position }",
    )
    events_before = api.data(WATCH)["auditEntries"]["totalCount"]
    for number, (name, input, stage) in enumerate(procedure(), start=1):
        payload = mutate(
            api, name, input, "... on CandidatePayload { position candidate { stage } }"
        )
        assert payload["candidate"]["stage"] == stage, (name, payload)
        seen = api.data(WATCH)
        assert seen["candidate"] == {"stage": stage}
        row = next(r for r in seen["quotaAttainment"] if r["code"] == "DU")
        assert row == {"code": "DU", "quota": 1, "admitted": 1 if stage in ADMITTED else 0}
        audit = seen["auditEntries"]
        assert audit["totalCount"] == events_before + number
        [edge] = audit["edges"]
        assert edge["node"]["position"] == payload["position"]
        assert edge["node"]["caseCode"] == "HS-1"
        assert edge["node"]["actorId"] == "user-1"
        assert edge["node"]["role"] == "organizer"
    assert stage == "FULL_MEMBER"
