"""Tenant isolation and role refusals, for every query and mutation of the schema.

The fields are enumerated from the schema itself, so a new field is covered the day it is added:
arguments are generated from their types, naming tenant ``beta``'s case, units and ids wherever
an argument names a case, a unit or an object. With a token of tenant ``alpha``:

- no answer contains anything of ``beta`` (its candidate's name and case code, its unit codes and
  names, its global ids);
- after every mutation was sent, ``beta``'s history has not grown by a single event;
- for each field, each role without the field's capability is refused with code ``FORBIDDEN``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from strawberry.types.base import StrawberryObjectDefinition

from domain import ids
from domain.candidates import Stage
from domain.commands import EstablishUnit
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority
from domain.values import Role
from service.api.auth import TOKEN_ROLES
from service.api.permissions import ROLE_CAPABILITIES, Capability, allows, capability_of
from service.api.relay import global_id
from service.api.schema import schema
from service.commands import Principal
from tests.api.conftest import Api
from tests.walks import Steps, person, walk

SECRET_NAME = "Bạch Thị Bảo Mật"
BETA_CASE = "BETA-0001"
BETA_UNITS = {"BETA-DU": "Đảng bộ Bê-ta Bí Mật", "BETA-CB": "Chi bộ Bê-ta Kín"}
ALPHA_CASE = "ALPHA-0001"
SELECTION_DEPTH = 3


def _seed(api: Api, tenant: str, case_code: str, units: dict[str, str], name: str) -> None:
    p = Principal(tenant, api.principal(tenant).actor)
    h = api.handlers
    established = date(2015, 1, 1)
    h.handle(
        p,
        EstablishUnit(
            code="KDN",
            name=f"Đảng bộ Khối {tenant}",
            kind=UnitKind.COMMITTEE,
            parent_code=None,
            occurred_on=established,
        ),
    )
    (du, du_name), (cb, cb_name) = units.items()
    h.handle(
        p,
        EstablishUnit(
            code=du,
            name=du_name,
            kind=UnitKind.GRASSROOTS_COMMITTEE,
            parent_code="KDN",
            occurred_on=established,
            admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        ),
    )
    h.handle(
        p,
        EstablishUnit(
            code=cb, name=cb_name, kind=UnitKind.BRANCH, parent_code=du, occurred_on=established
        ),
    )
    who = person(name, date(1998, 5, 4), identity_number="079098123456")
    steps = Steps(discovered=date(2025, 1, 10), sympathizer=date(2025, 2, 1))
    for command in walk(case_code, Stage.SYMPATHIZER, steps=steps, unit_code=cb, who=who):
        h.handle(p, command)


@pytest.fixture
def two_tenants(api: Api) -> Api:
    _seed(api, "alpha", ALPHA_CASE, {"ALPHA-DU": "Đảng bộ An", "ALPHA-CB": "Chi bộ An"}, "An A")
    _seed(api, "beta", BETA_CASE, BETA_UNITS, SECRET_NAME)
    return api


def _secrets() -> list[str]:
    beta_ids = [
        global_id("Candidate", str(ids.candidate_id("beta", BETA_CASE))),
        *(global_id("OrgUnit", str(ids.unit_id("beta", code))) for code in BETA_UNITS),
        global_id("OrgUnit", str(ids.unit_id("beta", "KDN"))),
    ]
    return [SECRET_NAME, BETA_CASE, *BETA_UNITS, *BETA_UNITS.values(), "Khối beta", *beta_ids]


# --- documents generated from the schema ------------------------------------------------------
def _literal(name: str, kind: GraphQLInputType, depth: int = 0) -> str | None:
    """A GraphQL literal for an argument or input field, aimed at tenant ``beta``."""
    if isinstance(kind, GraphQLNonNull):
        return _literal(name, kind.of_type, depth)
    if isinstance(kind, GraphQLList):
        inner = _literal(name, kind.of_type, depth)
        return None if inner is None else f"[{inner}]"
    if isinstance(kind, GraphQLEnumType):
        return str(next(iter(kind.values)))
    if isinstance(kind, GraphQLInputObjectType):
        if depth > 3:
            return None
        parts = []
        for field_name, field in kind.fields.items():
            rendered = _literal(field_name, field.type, depth + 1)
            wanted = isinstance(field.type, GraphQLNonNull) or "ode" in field_name
            if rendered is not None and wanted:
                parts.append(f"{field_name}: {rendered}")
        return "{" + ", ".join(parts) + "}"
    assert isinstance(kind, GraphQLScalarType)
    lowered = name.lower()
    value: str
    if kind.name == "ID":
        value = global_id("Candidate", str(ids.candidate_id("beta", BETA_CASE)))
    elif kind.name == "Date":
        value = "2025-04-01"
    elif kind.name == "DateTime":
        value = "2026-01-01T00:00:00+00:00"
    elif kind.name == "Int":
        return "1"
    elif kind.name == "Float":
        return "1.5"
    elif kind.name == "Boolean":
        return "false"
    elif kind.name == "Decimal":
        value = "1.5"
    elif lowered == "casecode" or lowered.endswith("casecode"):
        value = BETA_CASE
    elif lowered.endswith("code") or lowered.endswith("codes"):
        value = "BETA-CB"
    elif lowered == "period":
        value = "2025"
    elif lowered in ("slug", "tenant"):
        value = "beta"
    else:
        value = "x"
    return json.dumps(value, ensure_ascii=False)


def _selection(kind: GraphQLOutputType, depth: int) -> str:
    named = get_named_type(kind)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLUnionType):
        members = " ".join(
            f"... on {member.name} {{ {_fields(member, depth - 1)} }}" for member in named.types
        )
        return f"{{ __typename {members} }}"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    return f"{{ {_fields(named, depth)} }}"


def _fields(named: GraphQLNamedType, depth: int) -> str:
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth > 0:
            parts.append(f"{name} {_selection(field.type, depth - 1)}")
    return " ".join(parts)


def document(operation: str, name: str, field: GraphQLField, depth: int | None = None) -> str:
    """``operation { name(args…) { selection } }`` for one root field (nested ``depth`` deep)."""
    args = []
    for arg_name, arg in field.args.items():
        value = _literal(arg_name, arg.type)
        required = isinstance(arg.type, GraphQLNonNull)
        if value is not None and (required or "ode" in arg_name or arg_name == "id"):
            args.append(f"{arg_name}: {value}")
    arguments = f"({', '.join(args)})" if args else ""
    depth = SELECTION_DEPTH if depth is None else depth
    return f"{operation} {{ {name}{arguments} {_selection(field.type, depth)} }}"


def _too_costly(answer: dict[str, Any]) -> bool:
    """The request's row estimate alone refused it (before any permission was asked)."""
    return any(
        (e.get("extensions") or {}).get("code") == "QUERY_TOO_COSTLY"
        for e in answer.get("errors") or []
    )


def root_fields(operation: str) -> list[tuple[str, GraphQLField, Capability | None]]:
    """Every root field of ``operation`` with the capability its permission classes require."""
    graphql_schema = schema._schema
    root = graphql_schema.query_type if operation == "query" else graphql_schema.mutation_type
    assert root is not None
    definition = schema.get_type_by_name(root.name)
    assert isinstance(definition, StrawberryObjectDefinition)
    converter = schema.config.name_converter
    capabilities = {
        converter.get_graphql_name(f): capability_of(list(f.permission_classes))
        for f in definition.fields
    }
    return [(name, field, capabilities.get(name)) for name, field in root.fields.items()]


QUERIES = root_fields("query")
MUTATIONS = root_fields("mutation")


def test_every_root_field_is_guarded_by_a_capability() -> None:
    unguarded = [name for name, _, capability in QUERIES + MUTATIONS if capability is None]
    assert unguarded == []


def _reader_token(api: Api, capability: Capability | None) -> str:
    """A token of tenant alpha holding ``capability`` (auditor and organizer cover all reads)."""
    if capability in (Capability.VERIFY_HISTORY,):
        return api.token("alpha", Role.AUDITOR)
    return api.token("alpha", Role.ORGANIZER)


def _leaked(secrets: list[str], sent: str, answer: str) -> list[str]:
    """Secrets of beta in an answer, except those the request itself named (echoed in errors)."""
    return [s for s in secrets if s in answer and s not in sent]


def _events(api: Api, tenant: str) -> int:
    return int(api.store.app(tenant, write=False).recorder.max_notification_id() or 0)


def test_a_token_of_alpha_reads_nothing_of_beta(two_tenants: Api) -> None:
    api = two_tenants
    secrets = _secrets()
    checked = 0
    seen_by_beta = []
    for name, field, capability in QUERIES:
        if capability is Capability.MANAGE_TENANTS:
            continue  # tenants are the operator's: listing slugs is the point of it
        query = document("query", name, field)
        response = api.post(query, token=_reader_token(api, capability))
        assert response.status_code in (200, 403), (name, response.text)
        leaked = _leaked(secrets, query, response.text)
        assert leaked == [], f"{name} answered {leaked!r} of tenant beta: {response.text[:500]}"
        checked += 1
        # Control: the same document with a token of beta does reach beta's data.
        token = api.token(
            "beta", Role.AUDITOR if capability is Capability.VERIFY_HISTORY else Role.ORGANIZER
        )
        if any(s in api.post(query, token=token).text for s in secrets):
            seen_by_beta.append(name)
    assert checked >= 5
    assert {"candidates", "candidate", "node"} <= set(seen_by_beta)


def test_a_token_of_alpha_changes_nothing_of_beta(two_tenants: Api) -> None:
    api = two_tenants
    before = _events(api, "beta")
    secrets = _secrets()
    for name, field, capability in MUTATIONS:
        if capability is Capability.MANAGE_TENANTS:
            continue
        query = document("mutation", name, field)
        response = api.post(query, token=api.token("alpha"))
        assert response.status_code in (200, 403), (name, response.text)
        leaked = _leaked(secrets, query, response.text)
        assert leaked == [], f"{name} answered {leaked!r} of tenant beta: {response.text[:500]}"
    assert _events(api, "beta") == before


def test_an_id_of_beta_is_answered_as_if_it_did_not_exist(two_tenants: Api) -> None:
    api = two_tenants
    beta_id = global_id("Candidate", str(ids.candidate_id("beta", BETA_CASE)))
    alpha_id = global_id("Candidate", str(ids.candidate_id("alpha", ALPHA_CASE)))
    query = "query($id: ID!) { node(id: $id) { id ... on Candidate { caseCode } } }"
    assert api.data(query, {"id": beta_id})["node"] is None
    assert api.data(query, {"id": alpha_id})["node"]["caseCode"] == ALPHA_CASE
    missing = global_id("Candidate", "00000000-0000-0000-0000-000000000000")
    assert api.data(query, {"id": missing})["node"] is None


def _refused(response_json: dict[str, Any], name: str) -> bool:
    errors = response_json.get("errors") or []
    data = response_json.get("data") or {}
    return data.get(name) is None and any(
        (e.get("extensions") or {}).get("code") == "FORBIDDEN" for e in errors
    )


@pytest.mark.parametrize("role", TOKEN_ROLES, ids=lambda r: r.value)
def test_each_role_is_refused_what_it_may_not_do(api: Api, role: Role) -> None:
    tenant = None if role is Role.PLATFORM_OPERATOR else "alpha"
    token = api.token(tenant, role, units=("ALPHA-CB",))
    before = _events(api, "alpha")
    refused = allowed = 0
    for operation, fields in (("query", QUERIES), ("mutation", MUTATIONS)):
        for name, field, capability in fields:
            assert capability is not None
            if allows(frozenset({role}), tenant, capability):
                allowed += 1
                continue
            # a field whose whole selection is too costly is asked less deeply: the refusal
            # must come from the permission, not from the row estimate
            for depth in range(SELECTION_DEPTH, -1, -1):
                response = api.post(document(operation, name, field, depth), token=token)
                if response.status_code != 200 or not _too_costly(response.json()):
                    break
            assert response.status_code in (200, 403), (name, response.text)
            assert _refused(response.json(), name), (
                f"{role.value} not refused {name}: {response.text}"
            )
            refused += 1
    assert refused > 0
    assert _events(api, "alpha") == before
    if role is Role.AUDITOR:
        writes = [n for n, _, c in MUTATIONS if c is not None and role in ROLE_CAPABILITIES[c]]
        assert writes == [], "an auditor writes nothing"
