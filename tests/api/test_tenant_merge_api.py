"""Merging tenants over HTTP (2025 reform: a provincial committee merged into another from
1/7/2025): only a platform operator merges; the merged tenant's history stays readable and
refuses writes; figures before the merge date stay the source's and the target does not count
them twice; a tenant's token still reaches only its own tenant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.candidates import Stage
from domain.commands import Command, RecordAdmissionDecision, RecordCommitteeResolution
from domain.rules import AdmissionAuthority
from domain.values import Actor, Role
from service.api.app import make_app
from service.api.context import Services
from service.audit.checkpoints import generate_key
from service.commands import Principal
from tests.api.conftest import OPERATOR, TODAY, Api, Server
from tests.conftest import StoreMaker
from tests.walks import DOSSIER_2025, bloc_tree, issued_by, walk

MERGED_ON = date(2025, 7, 1)
doc = issued_by("Chi bộ 1")

MERGE = """
mutation ($input: MergeTenantInput!) {
  mergeTenant(input: $input) {
    __typename
    ... on MergeTenantPayload {
      tenant { slug disabled mergedInto mergedOn }
      into units cases collisions leftBehind checkpointPosition checkpointHeadHash
    }
    ... on DomainError { code messageVi messageEn field }
  }
}
"""
MERGE_INPUT: dict[str, Any] = {
    "slug": "beta",
    "into": "alpha",
    "effectiveOn": "2025-07-01",
    "underUnit": "KDN",
    "document": {
        "kind": "Nghị quyết",
        "number": "202/2025/QH15",
        "issuedOn": "2025-06-12",
        "issuer": "Quốc hội",
    },
    "reason": "Hợp nhất tỉnh",
}
ADMITTED = """
query ($period: String!, $asOf: Date) {
  membershipChange(period: $period, unitCode: "KDN", asOf: $asOf) { admitted }
}
"""
STAGES = """
query ($asOf: Date) { stageCounts(asOf: $asOf) { unit { code } stage count } }
"""
CASE = """query ($code: String!) { candidate(caseCode: $code) { caseCode stage } }"""
HEADCOUNT = """
mutation {
  reportHeadcount(input: {code: "CB1", members: 3, occurredOn: "2025-08-01"}) {
    __typename ... on DomainError { code messageVi messageEn }
  }
}
"""


@pytest.fixture
def api(store_maker: StoreMaker, tmp_path: Path) -> Iterator[Api]:
    """The service with tenants ``alpha`` (the target) and ``beta`` (the source), same tree
    (bloc KDN → committee DU → branch CB1); ``beta`` has a member admitted on 16/06/2025
    (HS-2) and a case with its branch's resolution (HS-1); ``alpha`` has a case HS-1 of its own.
    The deployment signs checkpoints."""
    key = tmp_path / "signing.pem"
    generate_key(key)
    parts = store_maker.parts(today=lambda: TODAY, signing_key_file=key)
    h = parts.handlers
    for slug in ("alpha", "beta"):
        h.create_tenant(OPERATOR, slug, f"Đảng bộ {slug}", "provincial_committee")
        for unit in bloc_tree(("CB1", "Chi bộ 1")):
            h.handle(Principal(slug, Actor("seed", Role.ORGANIZER)), unit)
    steps: list[Command] = [
        *walk("HS-1", Stage.BRANCH_RESOLVED, steps=DOSSIER_2025, documents=doc),
        *walk("HS-2", Stage.PROBATIONARY, steps=DOSSIER_2025, documents=doc),
    ]
    for step in steps:
        h.handle(Principal("beta", Actor("seed", Role.ORGANIZER)), step)
    for step in walk("HS-1", Stage.SYMPATHIZER, steps=DOSSIER_2025):
        h.handle(Principal("alpha", Actor("seed", Role.ORGANIZER)), step)
    server = Server(make_app(Services.of(parts)))
    server.start()
    try:
        with httpx.Client(timeout=30) as client:
            yield Api(f"http://127.0.0.1:{server.port}/graphql", Services.of(parts), client)
    finally:
        server.stop()


def operator(api: Api) -> str:
    return api.token(None, Role.PLATFORM_OPERATOR, subject="ops-7")


def merge(api: Api, token: str | None = None, **changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.data(
        MERGE, {"input": {**MERGE_INPUT, **changes}}, token=token or operator(api)
    )["mergeTenant"]
    return result


def admitted(api: Api, tenant: str, period: str = "2025", as_of: str | None = None) -> int:
    token = api.token(tenant, Role.LEADER)
    data = api.data(ADMITTED, {"period": period, "asOf": as_of}, token=token)
    return int(data["membershipChange"]["admitted"])


def test_an_operator_merges_a_tenant_and_reads_what_it_did(api: Api) -> None:
    """The payload says what moved and where the source's closing checkpoint stands; the
    tenant list shows the source merged into the target from 01/07/2025."""
    merged = merge(api)
    assert merged["__typename"] == "MergeTenantPayload"
    assert merged["tenant"] == {
        "slug": "beta",
        "disabled": True,
        "mergedInto": "alpha",
        "mergedOn": "2025-07-01",
    }
    assert (merged["units"], merged["cases"]) == (3, 2)
    assert sorted(merged["collisions"]) == ["CB1", "DU", "HS-1", "KDN"]
    assert merged["checkpointPosition"] > 0
    assert len(merged["checkpointHeadHash"]) == 64
    tenants = api.data("{ tenants { slug mergedInto mergedOn } }", token=operator(api))
    assert {"slug": "beta", "mergedInto": "alpha", "mergedOn": "2025-07-01"} in tenants["tenants"]


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.AUDITOR, Role.LEADER])
@pytest.mark.parametrize("tenant", ["alpha", "beta"])
def test_a_tenants_token_cannot_merge_tenants(api: Api, tenant: str, role: Role) -> None:
    """Tenant isolation is a security property: only a platform operator merges."""
    response = api.post(MERGE, {"input": MERGE_INPUT}, token=api.token(tenant, role))
    assert response.status_code == 403, response.text
    assert {e["extensions"]["code"] for e in response.json()["errors"]} == {"FORBIDDEN"}
    assert api.store.registry.get("beta").merged_into is None


def test_a_merge_that_cannot_happen_is_refused_in_both_languages(api: Api) -> None:
    refused = merge(api, into="beta")
    assert refused["__typename"] == "DomainError"
    assert refused["code"] == "TENANT_MERGE_INTO_ITSELF"
    assert refused["messageVi"]
    assert refused["messageEn"]
    future = merge(api, effectiveOn="2027-01-01")
    assert future["code"] == "INPUT_INVALID" or future["field"] == "input.effectiveOn"


def test_the_merged_tenant_stays_readable_refuses_writes_and_others_cannot_reach_it(
    api: Api,
) -> None:
    """After the merge: beta's users still read beta's history; a write there is refused as
    merged; alpha's token sees only alpha (the merged cases under alpha's own codes)."""
    merge(api)
    beta = api.token("beta")
    assert api.data(CASE, {"code": "HS-2"}, token=beta)["candidate"]["stage"] == "PROBATIONARY"
    refused = api.data(HEADCOUNT, token=beta)["reportHeadcount"]
    assert refused["code"] == "TENANT_MERGED"
    assert "alpha" in refused["messageEn"]
    assert "01/07/2025" in refused["messageVi"]

    alpha = api.token("alpha")
    assert api.data(CASE, {"code": "HS-2"}, token=alpha)["candidate"]["stage"] == "PROBATIONARY"
    assert api.data(CASE, {"code": "beta-HS-1"}, token=alpha)["candidate"]["stage"] == (
        "BRANCH_RESOLVED"
    )
    assert api.data(CASE, {"code": "HS-1"}, token=alpha)["candidate"]["stage"] == "SYMPATHIZER"
    assert api.data(HEADCOUNT, token=alpha)["reportHeadcount"]["__typename"] == "UnitPayload"


def test_figures_before_the_merge_date_stay_the_sources_and_are_not_counted_twice(
    api: Api,
) -> None:
    """The member admitted in beta on 16/06/2025 counts in beta's 2025 figures, not in
    alpha's; the case received with its branch's resolution and decided in alpha on 20/07/2025
    counts in alpha's; before 01/07/2025 alpha shows none of beta's cases."""
    assert admitted(api, "beta") == 1
    merge(api)
    assert admitted(api, "beta") == 1
    assert admitted(api, "alpha") == 0

    def merged_counts(as_of: str) -> set[tuple[str, str, int]]:
        rows = api.data(STAGES, {"asOf": as_of}, token=api.token("alpha"))["stageCounts"]
        return {
            (r["unit"]["code"], r["stage"], r["count"])
            for r in rows
            if r["unit"]["code"].startswith("beta-")
        }

    assert merged_counts("2025-06-30") == set()
    assert merged_counts("2025-07-02") == {
        ("beta-CB1", "BRANCH_RESOLVED", 1),
        ("beta-CB1", "PROBATIONARY", 1),
    }

    h, alpha = api.handlers, api.principal("alpha")
    h.handle(
        alpha,
        RecordCommitteeResolution(
            case_code="beta-HS-1",
            committee_members=9,
            votes_for=7,
            occurred_on=date(2025, 7, 10),
            document=doc("8-KNĐ", date(2025, 7, 10)),
        ),
    )
    h.handle(
        alpha,
        RecordAdmissionDecision(
            case_code="beta-HS-1",
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            occurred_on=date(2025, 7, 20),
            document=doc("9-KNĐ", date(2025, 7, 20)),
        ),
    )
    assert admitted(api, "alpha") == 1
    assert admitted(api, "beta") == 1


TRANSFER_OUT = """
mutation {
  transferCandidateOut(input: {
    caseCode: "HS-1", destination: "Đảng bộ alpha", destinationTenant: "alpha",
    occurredOn: "2025-06-02",
    document: {kind: "Giấy giới thiệu", number: "12/GGT", issuedOn: "2025-06-02",
               issuer: "Chi bộ 1"}
  }) { __typename ... on DomainError { code } }
}
"""
OFFER = """
query ($from: String!) {
  transferOffer(fromTenant: $from, caseCode: "HS-1") { fromTenant caseCode stage dossierDocuments }
}
"""
ACCEPT = """
mutation ($from: String!) {
  acceptTransferredCase(input: {
    caseCode: "NHAN-1", fromTenant: $from, fromCaseCode: "HS-1", unitCode: "CB1",
    occurredOn: "2025-06-09"
  }) {
    __typename
    ... on CandidatePayload { candidate { caseCode stage } }
    ... on DomainError { code messageVi messageEn }
  }
}
"""


def test_a_case_goes_to_another_tenant_only_through_its_own_organizer(api: Api) -> None:
    """Beta's organizer records the exit naming alpha; only alpha sees the pending transfer;
    beta cannot accept it for itself; alpha's organizer accepts it at the stage it had; no
    token writes into the other tenant."""
    beta, alpha = api.token("beta"), api.token("alpha")
    sent = api.data(TRANSFER_OUT, token=beta)["transferCandidateOut"]
    assert sent["__typename"] == "CandidatePayload"
    assert api.data(OFFER, {"from": "beta"}, token=beta)["transferOffer"] is None
    offer = api.data(OFFER, {"from": "beta"}, token=alpha)["transferOffer"]
    assert offer == {
        "fromTenant": "beta",
        "caseCode": "HS-1",
        "stage": "BRANCH_RESOLVED",
        "dossierDocuments": 7,
    }
    leader = api.post(OFFER, {"from": "beta"}, token=api.token("alpha", Role.LEADER))
    assert leader.status_code == 403

    refused = api.data(ACCEPT, {"from": "beta"}, token=beta)["acceptTransferredCase"]
    assert refused["code"] == "TRANSFER_NOT_FOUND"
    accepted = api.data(ACCEPT, {"from": "beta"}, token=alpha)["acceptTransferredCase"]
    assert accepted["candidate"] == {"caseCode": "NHAN-1", "stage": "BRANCH_RESOLVED"}
    assert api.data(CASE, {"code": "NHAN-1"}, token=beta)["candidate"] is None
