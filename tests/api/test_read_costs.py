"""What a read costs the server beyond its SQL: a page of cases is one read transaction with its
count and every unit it shows (a fixed number of statements), its units resolve without a
DataLoader round per case, a token is checked once and not again until it expires, and the
response bodies encoded with orjson are the same JSON."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from graphql import GraphQLObjectType

from service.api import types
from service.api.app import encode_body
from service.api.auth import VERIFIED_SECONDS, AuthError, TokenVerifier
from service.api.schema import build_schema
from service.read_models import ReadModels
from tests.api.conftest import Api
from tests.api.test_dataloaders import BRANCHES, CASES, Statements, seed, statements

__all__ = ["statements"]  # the fixture, used here by name

#: A page with its count and its units through a fragment (as clients write them).
PAGE = """query Page($first: Int!) {
  candidates(first: $first) {
    totalCount
    edges { node { caseCode stage deadline { dueOn overdue } ...Where } }
  }
}
fragment Where on Candidate { unit { code name parent { code } } }"""
#: The page's statements whatever its size and however many units it shows: the cases, their
#: count, one batch of units (versions, depths, headcounts).
PAGE_STATEMENTS = 1 + 1 + 3


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tenants of every read transaction opened (the real one still runs)."""
    opened: list[str] = []
    original = ReadModels.read

    def counted(self: ReadModels, tenant: str) -> Any:
        opened.append(tenant)
        return original(self, tenant)

    monkeypatch.setattr(ReadModels, "read", counted)
    return opened


@pytest.fixture
def unit_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Units asked of the request's DataLoader (one coroutine each)."""
    asked: list[str] = []
    original = types._load_unit

    def counted(ctx: Any, cut: Any, unit_id: str) -> Any:
        asked.append(unit_id)
        return original(ctx, cut, unit_id)

    monkeypatch.setattr(types, "_load_unit", counted)
    return asked


def test_a_page_its_count_and_its_units_are_one_read_in_a_fixed_number_of_statements(
    api: Api, statements: Statements, transactions: list[str], unit_loads: list[str]
) -> None:
    seed(api.handlers, api.principal())
    pages: dict[int, dict[str, Any]] = {}
    for first in (1, CASES):
        transactions.clear()
        with statements.counting():
            pages[first] = api.data(PAGE, {"first": first})["candidates"]
        assert transactions == ["alpha"], f"{first}: {len(transactions)} read transactions"
        # one unit on the page of one, all three branches on the full page: the same cost
        assert statements.total == PAGE_STATEMENTS, statements.report()

    full = pages[CASES]
    assert full["totalCount"] == pages[1]["totalCount"] == CASES
    assert len(full["edges"]) == CASES
    for n, edge in enumerate(full["edges"]):
        branch = list(BRANCHES)[n % len(BRANCHES)]
        assert edge["node"]["unit"] == {
            "code": branch,
            "name": f"Chi bộ {branch}",
            "parent": {"code": BRANCHES[branch]},
        }
    assert unit_loads == [], "units of a page are resolved from its read, not one by one"


def test_a_page_without_its_count_or_units_reads_neither(
    api: Api, statements: Statements, transactions: list[str]
) -> None:
    seed(api.handlers, api.principal())
    with statements.counting():
        data = api.data("{ candidates(first: 3) { edges { node { caseCode } } } }")
    assert len(data["candidates"]["edges"]) == 3
    assert transactions == ["alpha"]
    assert statements.total == 1, statements.report()


def test_a_count_asked_alone_is_still_counted(api: Api) -> None:
    seed(api.handlers, api.principal())
    data = api.data("{ candidates(first: 1) { totalCount } }")
    assert data["candidates"]["totalCount"] == CASES


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Tokens whose signature and claims were checked."""
    checked: list[str] = []
    original = TokenVerifier._verify

    def counted(self: TokenVerifier, token: str) -> Any:
        checked.append(token)
        return original(self, token)

    monkeypatch.setattr(TokenVerifier, "_verify", counted)
    return checked


def test_a_token_is_verified_once_for_its_requests(api: Api, verifications: list[str]) -> None:
    token = api.token(subject="once")
    for _ in range(3):
        assert api.data("{ me { subject } }", token=token) == {"me": {"subject": "once"}}
    assert verifications == [token]
    other = api.token(subject="other")
    api.data("{ __typename }", token=other)
    assert verifications == [token, other]


def test_a_remembered_token_is_verified_again_once_expired_or_after_a_while(api: Api) -> None:
    now = time.time()
    clock = [now]
    verifier = TokenVerifier(api.services.settings, clock=lambda: clock[0])
    header = f"Bearer {api.token()}"
    assert verifier.already_verified(header) is None
    principal = verifier.from_header(header)
    assert verifier.already_verified(header) == principal
    assert verifier.already_verified(f"Bearer {api.token(subject='never-seen')}") is None

    clock[0] = now + VERIFIED_SECONDS + 1
    assert verifier.already_verified(header) is None  # checked again after a while
    clock[0] = now
    verifier.from_header(header)
    clock[0] = now + 9 * 3600  # dev tokens last 8 h
    assert verifier.already_verified(header) is None  # expired: never taken from memory


def test_a_refused_token_is_not_remembered(api: Api) -> None:
    verifier = TokenVerifier(api.services.settings)
    header = f"Bearer {api.token()}x"
    with pytest.raises(AuthError):
        verifier.from_header(header)
    assert verifier.already_verified(header) is None


@pytest.mark.parametrize(
    "data",
    [
        {"data": {"candidates": {"totalCount": 2, "edges": []}}},
        {"data": {"unit": {"name": "Chi bộ Điện 2", "percent": "150.00", "ratio": 0.1 + 0.2}}},
        {"data": None, "errors": [{"message": "x / y", "extensions": {"code": "FORBIDDEN"}}]},
        {"data": {"big": 2**70, "nested": [[1, None, True], {"ký tự": "Đảng"}]}},
    ],
)
def test_bodies_are_the_same_json_as_before(data: dict[str, Any]) -> None:
    body = encode_body(data)
    assert json.loads(body) == data
    assert json.loads(body) == json.loads(json.dumps(data, separators=(",", ":")))


def test_a_response_body_is_utf8_json(api: Api) -> None:
    seed(api.handlers, api.principal())
    response = api.post("{ orgUnits { edges { node { name } } } }", token=api.token())
    assert response.status_code == 200
    assert "Chi bộ".encode() in response.content  # not \\u escapes
    assert response.json()["data"]["orgUnits"]["edges"]


def test_the_direct_resolvers_are_those_graphql_core_calls() -> None:
    graphql_schema = build_schema()._schema
    for (type_name, field_name), resolve in types.DIRECT_RESOLVERS.items():
        graphql_type = graphql_schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        assert graphql_type.fields[field_name].resolve is resolve


def test_an_audit_page_and_its_count_are_one_read(api: Api, transactions: list[str]) -> None:
    seed(api.handlers, api.principal())
    query = "query Page($first: Int!) { auditEntries(first: $first) { %s edges { node { position } } } }"
    total = api.data(query % "totalCount", {"first": 5})["auditEntries"]["totalCount"]
    transactions.clear()
    page = api.data(query % "totalCount", {"first": 5})["auditEntries"]
    assert transactions == ["alpha"]
    assert page["totalCount"] == total > 5
    assert len(page["edges"]) == 5
    transactions.clear()
    api.data(query % "", {"first": 5})
    assert transactions == ["alpha"]
