"""Tenants over HTTP: platform operators list, create, disable and enable tenants, and read
nothing inside any of them; tenant users cannot manage tenants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from domain.commands import EstablishUnit
from domain.errors import DomainError
from domain.org_units import UnitKind
from domain.values import Role
from tests.api.conftest import Api

TENANTS = "{ tenants { slug name kind disabled createdAt } }"

RESULT = """
  __typename
  ... on TenantPayload { tenant { slug name kind disabled createdAt } }
  ... on DomainError { code messageVi messageEn field }
"""
CREATE = f"""
mutation ($slug: String!, $name: String!, $kind: TenantKind!) {{
  createTenant(slug: $slug, name: $name, kind: $kind) {{ {RESULT} }}
}}
"""
DISABLE = f"""mutation ($slug: String!, $reason: String!) {{
  disableTenant(slug: $slug, reason: $reason) {{ {RESULT} }} }}"""
ENABLE = f"""mutation ($slug: String!, $reason: String!) {{
  enableTenant(slug: $slug, reason: $reason) {{ {RESULT} }} }}"""
HISTORY = """query ($slug: String!) {
  tenantHistory(slug: $slug) { change actor role reason recordedAt } }"""


def operator(api: Api) -> str:
    return api.token(None, Role.PLATFORM_OPERATOR, subject="ops-7")


def create(api: Api, slug: str, name: str, kind: str = "CORPORATE_GROUP") -> dict[str, Any]:
    data = api.data(CREATE, {"slug": slug, "name": name, "kind": kind}, token=operator(api))
    result: dict[str, Any] = data["createTenant"]
    return result


def assert_forbidden(api: Api, query: str, token: str) -> None:
    response = api.post(query, token=token)
    assert response.status_code == 403, response.text
    errors = response.json()["errors"]
    assert errors
    assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}


def test_an_operator_lists_the_tenants(api: Api) -> None:
    tenants = api.data(TENANTS, token=operator(api))["tenants"]
    assert [(t["slug"], t["name"], t["kind"], t["disabled"]) for t in tenants] == [
        ("alpha", "Đảng bộ alpha", "OTHER", False),
        ("beta", "Đảng bộ beta", "OTHER", False),
    ]
    assert all(datetime.fromisoformat(t["createdAt"]).tzinfo is not None for t in tenants)


def test_an_operator_creates_a_tenant_that_its_users_can_then_use(api: Api) -> None:
    created = create(api, "gamma_corp", "  Đảng bộ Tập đoàn Gamma  ")
    assert created["__typename"] == "TenantPayload"
    tenant = created["tenant"]
    assert (tenant["slug"], tenant["name"], tenant["kind"], tenant["disabled"]) == (
        "gamma_corp",
        "Đảng bộ Tập đoàn Gamma",
        "CORPORATE_GROUP",
        False,
    )
    slugs = [t["slug"] for t in api.data(TENANTS, token=operator(api))["tenants"]]
    assert slugs == ["alpha", "beta", "gamma_corp"]

    # the new tenant answers its own users: no cases, and its default policy signed by the operator
    organizer = api.token("gamma_corp", Role.ORGANIZER)
    assert api.data("{ candidates { totalCount } }", token=organizer) == {
        "candidates": {"totalCount": 0}
    }
    history = api.data(
        "{ auditEntries { edges { node { actorId role aggregateType } } } }", token=organizer
    )["auditEntries"]["edges"]
    assert [e["node"] for e in history] == [
        {"actorId": "ops-7", "role": "platform_operator", "aggregateType": "TenantPolicy"}
    ]


def test_creating_a_tenant_is_refused_bilingually_for_bad_or_taken_slugs(api: Api) -> None:
    taken = create(api, "alpha", "Lần nữa")
    assert taken["__typename"] == "DomainError"
    assert (taken["code"], taken["field"]) == ("TENANT_SLUG_TAKEN", "slug")
    assert taken["messageVi"]
    assert taken["messageEn"]
    bad = create(api, "Not A Slug!", "Tên")
    assert (bad["code"], bad["field"]) == ("TENANT_SLUG_INVALID", "slug")
    empty = create(api, "delta", "   ")
    assert (empty["code"], empty["field"]) == ("TENANT_NAME_INVALID", "name")
    slugs = [t["slug"] for t in api.data(TENANTS, token=operator(api))["tenants"]]
    assert slugs == ["alpha", "beta"]


def test_an_operator_disables_and_enables_a_tenant(api: Api) -> None:
    beta = api.principal("beta")
    api.handlers.handle(beta, EstablishUnit(code="KDN", name="Đảng bộ Khối", kind=UnitKind.COMMITTEE, parent_code=None, occurred_on=date(2015, 1, 1)))  # fmt: skip
    ops = operator(api)
    unpaid = {"slug": "beta", "reason": "Chưa gia hạn hợp đồng"}
    disabled = api.data(DISABLE, unpaid, token=ops)["disableTenant"]
    assert disabled["tenant"]["disabled"] is True
    again = api.data(DISABLE, unpaid, token=ops)["disableTenant"]
    assert again["code"] == "TENANT_ALREADY_DISABLED"  # refused: nothing recorded twice
    listed = {t["slug"]: t["disabled"] for t in api.data(TENANTS, token=ops)["tenants"]}
    assert listed == {"alpha": False, "beta": True}
    # a disabled tenant's history stays readable by its users; nothing more can be recorded
    reader = api.token("beta", Role.AUDITOR)
    history = api.data("{ auditEntries { totalCount } }", token=reader)["auditEntries"]
    assert history["totalCount"] == 2
    with pytest.raises(DomainError) as refused:
        api.handlers.handle(beta, EstablishUnit(code="DU", name="Đảng bộ", kind=UnitKind.COMMITTEE, parent_code="KDN", occurred_on=date(2015, 1, 1)))  # fmt: skip
    assert refused.value.code == "TENANT_DISABLED"
    no_reason = api.data(ENABLE, {"slug": "beta", "reason": "  "}, token=ops)["enableTenant"]
    assert (no_reason["code"], no_reason["field"]) == ("TEXT_REQUIRED", "reason")
    enabled = api.data(ENABLE, {"slug": "beta", "reason": "Đã gia hạn"}, token=ops)
    assert enabled["enableTenant"]["tenant"]["disabled"] is False
    unknown = api.data(DISABLE, {"slug": "nobody", "reason": "x"}, token=ops)["disableTenant"]
    assert (unknown["__typename"], unknown["code"]) == ("DomainError", "TENANT_NOT_FOUND")
    # the platform's history of the tenant: who, what, why (the refusals left no trace)
    history = api.data(HISTORY, {"slug": "beta"}, token=ops)["tenantHistory"]
    assert [(h["change"], h["actor"], h["role"], h["reason"]) for h in history] == [
        ("CREATED", "ops", "platform_operator", ""),
        ("DISABLED", "ops-7", "platform_operator", "Chưa gia hạn hợp đồng"),
        ("ENABLED", "ops-7", "platform_operator", "Đã gia hạn"),
    ]
    assert history[0]["recordedAt"] <= history[1]["recordedAt"] <= history[2]["recordedAt"]


def test_an_operator_reads_no_tenant_data(api: Api) -> None:
    ops = operator(api)
    assert api.data("{ me { tenant roles } }", token=ops) == {
        "me": {"tenant": None, "roles": ["platform_operator"]}
    }
    for query in (
        "{ candidates { totalCount } }",
        '{ candidate(caseCode: "HS-1") { caseCode } }',
        "{ auditEntries { totalCount } }",
        '{ candidateTimeline(caseCode: "HS-1") { position } }',
        "{ verifyHistory { intact } }",
        "{ accessLog { totalCount } }",
    ):
        assert_forbidden(api, query, ops)


def test_tenant_users_cannot_manage_tenants(api: Api) -> None:
    for role in (Role.ORGANIZER, Role.AUDITOR, Role.LEADER):
        token = api.token("alpha", role)
        assert_forbidden(api, TENANTS, token)
        response = api.post(CREATE, {"slug": "sneaky", "name": "X", "kind": "OTHER"}, token=token)
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert_forbidden(
            api, 'mutation { disableTenant(slug: "beta", reason: "x") { __typename } }', token
        )
        assert_forbidden(api, '{ tenantHistory(slug: "beta") { reason } }', token)
    slugs = [t.slug for t in api.store.registry.list()]
    assert slugs == ["alpha", "beta"]
    assert not api.store.registry.get("beta").disabled
