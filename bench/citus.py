"""Ketnap on a Citus cluster: ``python -m bench.citus --coordinator URL [--owner URL]``.

Runs the suite's end-to-end flow (:func:`run_flow`: two tenants created through GraphQL, units
and a case through admission in each, a case transferred from one to the other, the dashboards,
``verifyHistory``, a form, then the second tenant merged into the first) against the database
at ``--coordinator``
with ``KETNAP_CITUS=on``, in this process: a GraphQL server on a free loopback port and a
projection worker in a thread, both on the coordinator (every connection goes there). Then it
checks, in Citus's own catalog, that every tenant schema the flow created is a distributed
schema (``citus_schemas``), that each one's tables all live on one worker node
(``citus_shards``), and that the ``platform`` schema stayed local to the coordinator. Exit 0
when everything holds, 1 (with the reason) otherwise.

``--coordinator`` is the application's role (``KETNAP_DATABASE_URL``); ``--owner`` the owner's
(``KETNAP_DATABASE_OWNER_URL``), when the two roles are separate (``deploy/citus/``). The
tenants get fresh names (``citus_a_<hex>``, ``citus_b_<hex>``), so the script can be run
again on the same cluster; it leaves them there for inspection.

**This could not run on our machines**: Citus is not packaged for them (see deploy/README.md,
"Citus"). The same flow runs in the suite on plain PostgreSQL with statement logging
(``tests/deploy/test_one_tenant_per_statement.py``), which proves the property Citus needs: no
statement names two tenant schemas.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from domain.candidates import Stage
from domain.commands import AcceptTransferredCase, Command, TransferCandidateOut
from domain.values import Role
from service.audit.checkpoints import generate_key
from service.bootstrap import bootstrap
from service.settings import Settings
from service.store import Store
from service.worker import Worker, WorkerOptions
from tests.api.conftest import Api, serving
from tests.faults.clients import mutation_name, request_of
from tests.walks import DOSSIER_2025, bloc_tree, issued_by, walk

TODAY = date(2026, 11, 21)
LEFT = date(2025, 4, 25)
doc = issued_by("Chi bộ 1")

CREATE_TENANT = (
    "mutation($slug: String!, $name: String!) { createTenant(slug: $slug, name: $name) {"
    " __typename ... on DomainError { code messageEn } } }"
)
#: The dashboards, the organisation and the cases of a tenant, in one request.
DASHBOARDS = """
{ stageCounts { stage count } funnel(period: "2020-2025") { __typename }
  stalledCases { totalCount } quotaAttainment(period: "2025") { __typename }
  orgTree { code } orgUnits(first: 50) { edges { node { code } } }
  candidates(first: 50) { edges { node { caseCode stage } } }
  candidateTimeline(caseCode: "HS-1") { __typename }
  caseChecklist(caseCode: "HS-1") { __typename }
  auditEntries(first: 20) { edges { node { __typename } } } }
"""
VERIFY = "{ verifyHistory { tenant intact events } }"
MERGE = """
mutation ($input: MergeTenantInput!) {
  mergeTenant(input: $input) {
    __typename ... on MergeTenantPayload { cases } ... on DomainError { code messageEn }
  }
}
"""
OFFER = (
    'query($from: String!) { transferOffer(fromTenant: $from, caseCode: "HS-2") { __typename } }'
)


class FlowFailed(RuntimeError):
    """A step of the flow was refused or answered wrong."""


@dataclass
class Flow:
    """What :func:`run_flow` did: each step with its seconds, the tenants it created."""

    tenants: tuple[str, ...]
    steps: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.steps.append((name, time.perf_counter() - started))


def _send(api: Api, tenant: str, command: Command) -> None:
    """``command`` as its mutation, as the tenant's organizer; raise unless it was recorded."""
    request = request_of(command)
    body = api.gql(request["query"], request["variables"], token=api.token(tenant))
    if body.get("errors"):
        raise FlowFailed(f"{tenant} {type(command).__name__}: {body['errors']}")
    result = body["data"][mutation_name(command)]
    if result["__typename"] == "DomainError":
        raise FlowFailed(f"{tenant} {type(command).__name__}: {result['code']}")


def _query(
    api: Api,
    tenant: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    role: Role = Role.ORGANIZER,
) -> Any:
    """The data of ``query`` as the tenant's organizer (or ``role``); raise on errors."""
    body = api.gql(query, variables, token=api.token(tenant, role, subject=role.value))
    if body.get("errors"):
        raise FlowFailed(f"{tenant} {query.split()[1]}…: {body['errors']}")
    return body["data"]


def _flow(api: Api, flow: Flow) -> None:
    a, b = flow.tenants
    operator = api.token(None, Role.PLATFORM_OPERATOR, subject="operator")
    with flow.step("create tenants (GraphQL createTenant, as the platform operator)"):
        for slug in flow.tenants:
            created = api.data(CREATE_TENANT, {"slug": slug, "name": slug}, token=operator)
            if created["createTenant"]["__typename"] != "TenantPayload":
                raise FlowFailed(f"createTenant {slug}: {created}")
    with flow.step("units and a case through admission (to full member in the first), in each"):
        for slug, until in zip(flow.tenants, (Stage.FULL_MEMBER, Stage.PROBATIONARY), strict=True):
            for command in [*bloc_tree(("CB1", "Chi bộ 1")), *walk("HS-1", until)]:
                _send(api, slug, command)
        for command in walk("HS-2", Stage.SYMPATHIZER, steps=DOSSIER_2025):
            _send(api, a, command)
    with flow.step("a case transferred from one tenant to the other"):
        _send(
            api,
            a,
            TransferCandidateOut(
                case_code="HS-2",
                destination="Đảng ủy Khối B",
                destination_tenant=b,
                occurred_on=LEFT,
                document=doc("Giấy giới thiệu chuyển sinh hoạt", LEFT),
            ),
        )
        offer = _query(api, b, OFFER, {"from": a})
        if offer["transferOffer"] is None:
            raise FlowFailed(f"{b} sees no transfer offer from {a}")
        _send(
            api,
            b,
            AcceptTransferredCase(
                case_code="NHAN-1",
                from_tenant=a,
                from_case_code="HS-2",
                unit_code="CB1",
                occurred_on=date(2025, 5, 5),
            ),
        )
    with flow.step("dashboards, tree, cases, audit entries (GraphQL), in each tenant"):
        for slug in flow.tenants:
            data = _query(api, slug, DASHBOARDS)
            if not data["candidates"]["edges"]:
                raise FlowFailed(f"{slug}: no cases in the read models")
    with flow.step("audit verify (verifyHistory), in each tenant"):
        for slug in flow.tenants:
            verified = _query(api, slug, VERIFY, role=Role.AUDITOR)["verifyHistory"]
            if not verified["intact"]:
                raise FlowFailed(f"{slug}: history not intact: {verified}")
    with flow.step("a form (/reports/new-members.csv), in each tenant"):
        for slug in flow.tenants:
            response = api.client.get(
                api.url.removesuffix("/graphql") + "/reports/new-members.csv",
                params={"period": "2025"},
                headers={"authorization": f"Bearer {api.token(slug)}"},
            )
            if response.status_code != 200:
                raise FlowFailed(f"{slug}: form {response.status_code} {response.text[:200]}")
    with flow.step("the second tenant merged into the first (mergeTenant, signed checkpoint)"):
        document = {"kind": "Nghị quyết", "number": "202/2025/QH15", "issuedOn": "2025-06-12"}
        merge = {
            "slug": b,
            "into": a,
            "effectiveOn": "2025-07-01",
            "underUnit": "KDN",
            "document": {**document, "issuer": "Quốc hội"},
            "reason": "Hợp nhất tỉnh",
        }
        merged = api.data(MERGE, {"input": merge}, token=operator)["mergeTenant"]
        if merged["__typename"] != "MergeTenantPayload" or not merged["cases"]:
            raise FlowFailed(f"mergeTenant {b} into {a}: {merged}")
        verified = _query(api, a, VERIFY, role=Role.AUDITOR)["verifyHistory"]
        if not verified["intact"]:
            raise FlowFailed(f"{a}: history not intact after the merge: {verified}")


def run_flow(settings: Settings, tenants: tuple[str, str]) -> Flow:
    """The end-to-end flow over ``settings``' database, for two new tenants: the server and a
    projection worker in this process, each with its own pool, as ``ketnap serve`` and
    ``ketnap worker`` run (projections by the worker, mutations waiting for them)."""
    flow = Flow(tenants)
    if settings.signing_key_file is None:  # a merge closes the source with a signed checkpoint
        key = settings.data_dir / "signing.pem"
        generate_key(key)
        settings = dataclasses.replace(settings, signing_key_file=key)
    parts = bootstrap(settings, inline=False, today=lambda: TODAY)
    worker_store = Store.from_settings(settings)
    worker = Worker(
        worker_store,
        options=WorkerOptions(name="ketnap-flow-worker", poll_interval=0.5, takeover_interval=0.2),
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="flow-worker", daemon=True)
    thread.start()
    try:
        if not worker.ready.wait(20):
            raise FlowFailed("the projection worker did not start")
        with serving(parts) as api:
            _flow(api, flow)
    finally:
        stop.set()
        thread.join(20)
        worker_store.close()
        parts.close()
    return flow


def fresh_tenants() -> tuple[str, str]:
    """Two tenant slugs not used before (the script may run again on the same cluster)."""
    suffix = uuid.uuid4().hex[:6]
    return (f"citus_a_{suffix}", f"citus_b_{suffix}")


def citus_placement(url: str, tenants: tuple[str, ...]) -> list[str]:
    """What is wrong with the tenants' placement on the Citus cluster at ``url`` (empty: all
    good): each tenant schema distributed, its tables on one node, ``platform`` local."""
    problems: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('citus_schemas')").fetchone() == (None,):
            return ["not a Citus coordinator: there is no citus_schemas view in this database"]
        colocation = {
            str(row[0]): int(row[1])
            for row in conn.execute(
                "SELECT schema_name::text, colocation_id FROM citus_schemas"
            ).fetchall()
        }
        for slug in tenants:
            schema = f"t_{slug}"
            if schema not in colocation:
                problems.append(f"{schema} is not in citus_schemas")
                continue
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,)
            ).fetchone()
            shards = conn.execute(
                "SELECT count(*), count(DISTINCT (nodename, nodeport)),"
                " string_agg(DISTINCT nodename || ':' || nodeport, ', ')"
                " FROM citus_shards WHERE colocation_id = %s",
                (colocation[schema],),
            ).fetchone()
            assert tables is not None
            assert shards is not None
            print(f"{schema}: {shards[0]} of {tables[0]} tables placed, on {shards[2]}")
            if shards[0] != tables[0] or shards[1] != 1:
                problems.append(f"{schema}: {shards[0]}/{tables[0]} tables, {shards[1]} nodes")
        local = conn.execute(
            "SELECT count(*) FROM citus_tables WHERE table_name::text LIKE 'platform.%'"
        ).fetchone()
        assert local is not None
        if local[0]:
            problems.append("platform tables are Citus tables; they should stay local")
    return problems


def main(argv: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.citus", description=__doc__)
    parser.add_argument("--coordinator", required=True, help="the application role's URL")
    parser.add_argument("--owner", default="", help="the owner role's URL (two roles)")
    args = parser.parse_args(argv)
    tenants = fresh_tenants()
    with tempfile.TemporaryDirectory(prefix="ketnap-citus.") as work:
        settings = Settings(
            data_dir=Path(work),
            key_file=Path(work) / "keys.json",
            database_url=args.coordinator,
            database_owner_url=args.owner,
            citus=True,
        )
        try:
            flow = run_flow(settings, tenants)
        except FlowFailed as failed:
            say(f"FAILED: {failed}")
            return 1
    for name, seconds in flow.steps:
        say(f"{seconds:7.2f} s  {name}")
    problems = citus_placement(args.owner or args.coordinator, tenants)
    for problem in problems:
        say(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
