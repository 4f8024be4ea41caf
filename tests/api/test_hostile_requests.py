"""Every malformed request gets a typed, bilingual answer, and records nothing.

The table below is the list of hostile requests: each :class:`Hostile` names one value put in one
place of one operation (``$v`` marks the place) and the code the answer must carry. The test
sends each value twice, **as a literal** written into the document and **through a variable**
(``$v`` declared with the case's type), over real HTTP on both backends, and checks for each
answer: the expected ``extensions.code`` (never ``INTERNAL_ERROR``), non-empty ``messageVi`` and
``messageEn``, no echo of a long client value, and that the tenant's history has not one more
event. :class:`Raw` cases are single requests (a document and its variables) for what exists in
one form only (a variable that is never given, a NUL in a variable).

To add a case, add a row: ``Hostile(name, operation, variable type, value, code)`` or
``Raw(name, document, variables, code)``. Enum values in a literal are written ``Enum("X")``.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api


@dataclass(frozen=True)
class Enum:
    """An enum value: bare in a literal, a string in variables."""

    name: str


@dataclass(frozen=True)
class Hostile:
    """One malformed value at ``$v`` of ``operation``, sent as a literal and as a variable."""

    name: str
    operation: str  # "query { … $v … }" or "mutation { … $v … }"
    var_type: str  # the GraphQL type of $v in the variable form
    value: Any
    code: str

    def requests(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(form, document, variables) of the literal and the variable form."""
        kind, _, body = self.operation.partition(" ")
        yield "literal", f"{kind} {body.replace('$v', literal(self.value))}", {}
        yield "variable", f"{kind}($v: {self.var_type}) {body}", {"v": as_json(self.value)}


@dataclass(frozen=True)
class Raw:
    """One request as it is: a document, its variables, the expected code."""

    name: str
    document: str
    variables: dict[str, Any] = field(default_factory=dict)
    code: str = ""

    def requests(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        yield "raw", self.document, self.variables


def literal(value: Any) -> str:
    """``value`` written as a GraphQL literal (strings with JSON's escapes, which GraphQL shares)."""
    if isinstance(value, Enum):
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def as_json(value: Any) -> Any:
    """``value`` as it goes into the variables (enum values become strings)."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# --- Operations and valid inputs (each is checked to pass with its valid value) --------------

AS_OF = "query { candidates(first: 1, asOf: $v) { totalCount } }"
AS_RECORDED_AT = "query { candidates(first: 1, asRecordedAt: $v) { totalCount } }"
FIRST = "query { candidates(first: $v) { totalCount } }"
AFTER = "query { candidates(first: 1, after: $v) { totalCount } }"
AUDIT_AFTER = "query { auditEntries(first: 1, after: $v) { totalCount } }"
UNITS_AFTER = "query { orgUnits(first: 1, after: $v) { totalCount } }"
ORDER = "query { candidates(first: 1, orderBy: $v) { totalCount } }"
FILTER = "query { candidates(first: 1, filter: $v) { totalCount } }"
NODE = "query { node(id: $v) { id } }"
CASE = "query { candidate(caseCode: $v) { caseCode } }"
ESTABLISH = "mutation { establishUnit(input: $v) { __typename } }"
DISCOVER = "mutation { discoverCandidate(input: $v) { __typename } }"
HEADCOUNT = "mutation { reportHeadcount(input: $v) { __typename } }"

UNIT: dict[str, Any] = {
    "code": "HOSTILE-1",
    "name": "Đảng bộ thử",
    "kind": Enum("COMMITTEE"),
    "parentCode": None,
    "occurredOn": "2020-01-01",
}
DOCUMENT: dict[str, Any] = {
    "kind": "Quyết định",
    "number": "12-QĐ/ĐU",
    "issuedOn": "2020-01-02",
    "issuer": "Đảng ủy",
}
PERSON: dict[str, Any] = {
    "fullName": "Nguyễn Văn An",
    "birthDate": "2000-05-01",
    "gender": Enum("MALE"),
    "ethnicity": Enum("MUONG"),
    "religion": Enum("CATHOLICISM"),
    "education": Enum("UPPER_SECONDARY"),
    "professionalLevel": Enum("UNIVERSITY"),
    "politicalTheory": Enum("ELEMENTARY"),
    "occupation": Enum("CIVIL_SERVANT"),
    "workplaceType": Enum("STATE_AGENCY"),
    "youthUnionMember": True,
    "tradeUnionMember": True,
}
DISCOVERY: dict[str, Any] = {
    "caseCode": "HS-9001",
    "unitCode": "HOSTILE-1",
    "person": PERSON,
    "occurredOn": "2026-01-05",
    "introducedBy": Enum("BRANCH"),
}
HEADCOUNT_REPORT: dict[str, Any] = {"code": "HOSTILE-1", "members": 12, "occurredOn": "2026-01-05"}

#: Each operation with a value that passes GraphQL's checks (the control: the hostile answers
#: come from the hostile value, not from a broken document).
VALID: dict[str, tuple[str, Any]] = {
    AS_OF: ("Date", "2024-02-29"),
    AS_RECORDED_AT: ("DateTime", "2026-01-01T00:00:00+00:00"),
    FIRST: ("Int", 5),
    AFTER: ("String", None),
    AUDIT_AFTER: ("String", None),
    UNITS_AFTER: ("String", None),
    ORDER: ("CandidateOrder!", Enum("DEADLINE")),
    FILTER: ("CandidateFilter", {"stages": [Enum("APPLIED")]}),
    NODE: ("ID!", b64(f"Candidate:{uuid.uuid4()}")),
    CASE: ("String!", "HS-0001"),
    ESTABLISH: ("EstablishUnitInput!", UNIT),
    DISCOVER: ("DiscoverCandidateInput!", DISCOVERY),
    HEADCOUNT: ("ReportHeadcountInput!", HEADCOUNT_REPORT),
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` with fields changed (a value of ``MISSING`` removes the field)."""
    result = dict(base)
    for key, value in changes.items():
        if value is MISSING:
            result.pop(key, None)
        else:
            result[key] = value
    return result


MISSING = object()
HUGE = "x" * 200_000
NUL = "HS-0001\x00"

CASES: list[Hostile | Raw] = [
    # Dates
    Hostile("date 30 February", AS_OF, "Date", "2024-02-30", "DATE_INVALID"),
    Hostile("date month 13", AS_OF, "Date", "2024-13-01", "DATE_INVALID"),
    Hostile("date empty", AS_OF, "Date", "", "DATE_INVALID"),
    Hostile("date in words", AS_OF, "Date", "yesterday", "DATE_INVALID"),
    Hostile("date as a number", AS_OF, "Date", 20240201, "DATE_INVALID"),
    Hostile("date as a boolean", AS_OF, "Date", True, "DATE_INVALID"),
    Hostile("date with a time", AS_OF, "Date", "2024-02-01T10:00:00", "DATE_INVALID"),
    Hostile("date huge", AS_OF, "Date", HUGE, "DATE_INVALID"),
    Hostile("date year 0", AS_OF, "Date", "0000-01-01", "DATE_INVALID"),
    Hostile("datetime nonsense", AS_RECORDED_AT, "DateTime", "now", "DATETIME_INVALID"),
    Hostile(
        "datetime 25 o'clock", AS_RECORDED_AT, "DateTime", "2024-01-01T25:00", "DATETIME_INVALID"
    ),
    Hostile(
        "date in an input",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, occurredOn="2023-02-29"),
        "DATE_INVALID",
    ),
    Hostile(
        "date nested two levels",
        DISCOVER,
        "DiscoverCandidateInput!",
        with_(DISCOVERY, person=with_(PERSON, birthDate="2000-00-10")),
        "DATE_INVALID",
    ),
    Hostile("date with full-width digits", AS_OF, "Date", "２０２４-01-01", "DATE_INVALID"),
    Hostile("date in week form", AS_OF, "Date", "2024-W05-4", "DATE_INVALID"),
    Hostile("date with spaces around", AS_OF, "Date", " 2024-01-01 ", "DATE_INVALID"),
    Hostile("datetime as a number", AS_RECORDED_AT, "DateTime", 1700000000, "DATETIME_INVALID"),
    Hostile(
        "date in an audit filter",
        "query { auditEntries(first: 1, filter: $v) { totalCount } }",
        "AuditFilterInput",
        {"occurredFrom": "2024-02-31"},
        "DATE_INVALID",
    ),
    # Ints
    Hostile("int 10^10", FIRST, "Int", 10**10, "INT_INVALID"),
    Hostile("int 2^31", FIRST, "Int", 2**31, "INT_INVALID"),
    Hostile("int -2^31-1", FIRST, "Int", -(2**31) - 1, "INT_INVALID"),
    Hostile("int 10^30", FIRST, "Int", 10**30, "INT_INVALID"),
    Hostile("int as a string", FIRST, "Int", "5", "INT_INVALID"),
    Hostile("int 1.5", FIRST, "Int", 1.5, "INT_INVALID"),
    Hostile("int as a boolean", FIRST, "Int", True, "INT_INVALID"),
    Hostile("int as a list of strings", FIRST, "Int", ["5"], "INT_INVALID"),
    Hostile("int as an object", FIRST, "Int", {"a": 1}, "INT_INVALID"),
    Hostile(
        "int 2^31 in an input",
        HEADCOUNT,
        "ReportHeadcountInput!",
        with_(HEADCOUNT_REPORT, members=2**31),
        "INT_INVALID",
    ),
    Hostile(
        "int as a string in an input",
        HEADCOUNT,
        "ReportHeadcountInput!",
        with_(HEADCOUNT_REPORT, members="12"),
        "INT_INVALID",
    ),
    Hostile("page size 0", FIRST, "Int", 0, "PAGE_SIZE_INVALID"),
    Hostile("page size negative", FIRST, "Int", -1, "PAGE_SIZE_INVALID"),
    # Strings and booleans
    Hostile("string as a boolean", CASE, "String!", True, "STRING_INVALID"),
    Hostile("string as a number", CASE, "String!", 42, "STRING_INVALID"),
    Hostile("string as an object", CASE, "String!", {"a": "b"}, "STRING_INVALID"),
    Hostile(
        "string as a list in an input",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, name=["Đảng bộ", "thử"]),
        "STRING_INVALID",
    ),
    Hostile(
        "boolean as a string",
        FILTER,
        "CandidateFilter",
        {"overdueOnly": "yes"},
        "BOOLEAN_INVALID",
    ),
    Hostile(
        "boolean as a string in a directive",
        "query { me @include(if: $v) { subject } }",
        "Boolean!",
        "yes",
        "BOOLEAN_INVALID",
    ),
    # Enums
    Hostile("enum unknown", ORDER, "CandidateOrder!", Enum("NEWEST"), "ENUM_VALUE_UNKNOWN"),
    Hostile("enum lowercase", ORDER, "CandidateOrder!", Enum("deadline"), "ENUM_VALUE_UNKNOWN"),
    Hostile(
        "enum unknown in an input",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, kind=Enum("PALACE")),
        "ENUM_VALUE_UNKNOWN",
    ),
    Hostile(
        "enum lowercase in a list",
        FILTER,
        "CandidateFilter",
        {"stages": [Enum("APPLIED"), Enum("applied")]},
        "ENUM_VALUE_UNKNOWN",
    ),
    Hostile(
        "enum given as a number",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, kind=3),
        "ENUM_VALUE_UNKNOWN",
    ),
    Hostile(
        "enum lowercase nested",
        DISCOVER,
        "DiscoverCandidateInput!",
        with_(DISCOVERY, person=with_(PERSON, gender=Enum("male"))),
        "ENUM_VALUE_UNKNOWN",
    ),
    # Input objects: missing, unknown, null, wrong shape
    Hostile(
        "missing required field",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, code=MISSING),
        "INPUT_FIELD_MISSING",
    ),
    Hostile(
        "missing nested required field",
        DISCOVER,
        "DiscoverCandidateInput!",
        with_(DISCOVERY, person=with_(PERSON, fullName=MISSING)),
        "INPUT_FIELD_MISSING",
    ),
    Hostile("empty input", ESTABLISH, "EstablishUnitInput!", {}, "INPUT_FIELD_MISSING"),
    Hostile(
        "unknown field",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, tenant="beta"),
        "INPUT_FIELD_UNKNOWN",
    ),
    Hostile(
        "unknown nested field",
        DISCOVER,
        "DiscoverCandidateInput!",
        with_(DISCOVERY, person=with_(PERSON, salary=1000)),
        "INPUT_FIELD_UNKNOWN",
    ),
    Hostile(
        "unknown field with a huge name",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, **{"x" * 10_000: 1}),
        "INPUT_FIELD_UNKNOWN",
    ),
    Hostile("null for a non-null argument", ORDER, "CandidateOrder", None, "NULL_NOT_ALLOWED"),
    Hostile(
        "null for a non-null field",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, name=None),
        "NULL_NOT_ALLOWED",
    ),
    Hostile(
        "null for a non-null list item",
        FILTER,
        "CandidateFilter",
        {"stages": [Enum("APPLIED"), None]},
        "NULL_NOT_ALLOWED",
    ),
    Hostile("null input", ESTABLISH, "EstablishUnitInput!", None, "NULL_NOT_ALLOWED"),
    Hostile(
        "list where an object is expected",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, document=[DOCUMENT]),
        "INPUT_OBJECT_EXPECTED",
    ),
    Hostile(
        "string where an object is expected",
        ESTABLISH,
        "EstablishUnitInput!",
        "HOSTILE-1",
        "INPUT_OBJECT_EXPECTED",
    ),
    Hostile(
        "number where a nested object is expected",
        DISCOVER,
        "DiscoverCandidateInput!",
        with_(DISCOVERY, person=7),
        "INPUT_OBJECT_EXPECTED",
    ),
    # Forged cursors
    Hostile("cursor not base64", AFTER, "String", "%%%not-a-cursor%%%", "CURSOR_INVALID"),
    Hostile("cursor of another shape", AFTER, "String", b64("x:HS-0001"), "CURSOR_INVALID"),
    Hostile("cursor with a NUL", AFTER, "String", b64("k:HS-0001\x00"), "CURSOR_INVALID"),
    Hostile("cursor huge", AFTER, "String", b64("k:" + "9" * 5000), "CURSOR_INVALID"),
    Hostile(
        "audit cursor 21 digits", AUDIT_AFTER, "String", b64("k:" + "9" * 21), "CURSOR_INVALID"
    ),
    Hostile("audit cursor 2^63", AUDIT_AFTER, "String", b64(f"k:{2**63}"), "CURSOR_INVALID"),
    Hostile("audit cursor superscript digit", AUDIT_AFTER, "String", b64("k:²"), "CURSOR_INVALID"),
    Hostile("audit cursor NUL", AUDIT_AFTER, "String", b64("k:1\x00"), "CURSOR_INVALID"),
    Hostile("unit cursor with a NUL", UNITS_AFTER, "String", b64("k:A\x00"), "CURSOR_INVALID"),
    Hostile(
        "deadline cursor of another order",
        "query { candidates(first: 1, orderBy: DEADLINE, after: $v) { totalCount } }",
        "String",
        b64("k:HS-0001"),
        "CURSOR_INVALID",
    ),
    Hostile(
        "deadline cursor with a bad date",
        "query { candidates(first: 1, orderBy: DEADLINE, after: $v) { totalCount } }",
        "String",
        b64("k:2024-02-30|HS-0001"),
        "CURSOR_INVALID",
    ),
    # Forged global ids
    Hostile("id not base64", NODE, "ID!", "%%%", "ID_INVALID"),
    Hostile("id without a type", NODE, "ID!", b64(str(uuid.uuid4())), "ID_INVALID"),
    Hostile("id of an unknown type", NODE, "ID!", b64(f"Tenant:{uuid.uuid4()}"), "ID_INVALID"),
    Hostile("id with a key that is no uuid", NODE, "ID!", b64("Candidate:HS-0001"), "ID_INVALID"),
    Hostile("id with a NUL", NODE, "ID!", b64(f"Candidate:{uuid.uuid4()}\x00"), "ID_INVALID"),
    Hostile("id not text", NODE, "ID!", base64.b64encode(b"\xff\xfe\x00").decode(), "ID_INVALID"),
    Hostile("id huge", NODE, "ID!", b64("Candidate:" + "a" * 100_000), "ID_INVALID"),
    Hostile("id as a boolean", NODE, "ID!", True, "ID_INVALID"),
    Hostile("id as a float", NODE, "ID!", 1.5, "ID_INVALID"),
    # NUL characters never reach storage or SQL
    Hostile("NUL in a query argument", CASE, "String!", NUL, "NUL_CHARACTER"),
    Hostile(
        "NUL in a mutation input",
        ESTABLISH,
        "EstablishUnitInput!",
        with_(UNIT, code="HOSTILE\x00-2"),
        "NUL_CHARACTER",
    ),
    Hostile(
        "NUL in nested notes",
        DISCOVER,
        "DiscoverCandidateInput!",
        with_(DISCOVERY, person=with_(PERSON, fullName="An\x00"), notes="x\x00"),
        "NUL_CHARACTER",
    ),
    Hostile(
        "NUL in a unit code",
        "query { orgTree(rootCode: $v) { code } }",
        "String",
        "A\x00",
        "NUL_CHARACTER",
    ),
    Hostile("NUL in a list", FILTER, "CandidateFilter", {"unitCodes": ["A\x00"]}, "NUL_CHARACTER"),
    # Huge values are refused without being echoed
    Hostile("huge string for an int", FIRST, "Int", HUGE, "INT_INVALID"),
    Hostile("huge enum value", ORDER, "CandidateOrder!", Enum("X" * 50_000), "ENUM_VALUE_UNKNOWN"),
    # One form only
    Raw(
        "variable never given",
        "query($d: Date!) { candidates(first: 1, asOf: $d) { totalCount } }",
        {},
        "VARIABLE_MISSING",
    ),
    Raw(
        "required argument missing",
        "mutation { establishUnit { __typename } }",
        {},
        "ARGUMENT_MISSING",
    ),
    Raw(
        "lone surrogate in a variable",
        "query($c: String!) { candidate(caseCode: $c) { caseCode } }",
        {"c": "HS-\ud800"},
        "UNICODE_INVALID",
    ),
    Raw(
        "lone surrogate in a mutation's input",
        "mutation($v: EstablishUnitInput!) { establishUnit(input: $v) { __typename } }",
        {"v": as_json(with_(UNIT, name="Chi bộ \udfff"))},
        "UNICODE_INVALID",
    ),
    Raw(
        "lone surrogate escaped in a literal",
        '{ candidate(caseCode: "HS-\\ud800") { caseCode } }',
        {},
        "GRAPHQL_PARSE_FAILED",
    ),
    Raw(
        "not a number for an Int (JSON NaN)",
        "query($n: Int) { candidates(first: $n) { totalCount } }",
        {"n": float("nan")},
        "INT_INVALID",
    ),
    Raw(
        "NUL in a variable's name",
        "query($d: Date) { candidates(first: 1, asOf: $d) { totalCount } }",
        {"d\x00": "2024-01-01"},
        "NUL_CHARACTER",
    ),
]


def echoed(value: Any) -> list[str]:
    """The strings of ``value`` long enough that finding one in an answer means it was echoed."""
    if isinstance(value, str):
        return [value] if len(value) >= 6 and value.isprintable() else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in echoed(v)]
    if isinstance(value, list):
        return [s for v in value for s in echoed(v)]
    return []


def history_length(api: Api, tenant: str = "alpha") -> int:
    return int(api.store.app(tenant, write=False).recorder.max_notification_id() or 0)


def send(api: Api, document: str, variables: dict[str, Any]) -> httpx.Response:
    """POST the request as ASCII JSON (so that lone surrogates and NaN travel as JSON has them)."""
    body = json.dumps({"query": document, "variables": variables})
    headers = {"authorization": f"Bearer {api.token()}", "content-type": "application/json"}
    return api.client.post(api.url, content=body.encode(), headers=headers)


def failures_of(api: Api, case: Hostile | Raw) -> list[str]:
    """What is wrong with the answers to ``case`` (empty when all is right)."""
    problems: list[str] = []
    for form, document, variables in case.requests():
        response = send(api, document, variables)
        where = f"{case.name} ({form})"
        if not case.code:  # not an error at all
            if response.status_code != 200 or response.json().get("errors"):
                problems.append(f"{where}: {response.status_code} {response.text[:300]}")
            continue
        if response.status_code not in (200, 400):
            problems.append(f"{where}: status {response.status_code}")
        body = response.json()
        errors = body.get("errors") or []
        if not errors:
            problems.append(f"{where}: no error: {response.text[:300]}")
            continue
        extensions = errors[0].get("extensions") or {}
        if extensions.get("code") != case.code:
            problems.append(f"{where}: {extensions.get('code')} {errors[0]['message'][:300]}")
        if not str(extensions.get("messageVi", "")).strip():
            problems.append(f"{where}: no messageVi")
        if not str(extensions.get("messageEn", "")).strip():
            problems.append(f"{where}: no messageEn")
        if len(response.text) > 5_000:
            problems.append(f"{where}: answer of {len(response.text)} characters")
        values = echoed(case.value) if isinstance(case, Hostile) else []
        for text in values:
            if text in response.text or json.dumps(text)[1:-1] in response.text:
                problems.append(f"{where}: the answer repeats the value {text[:40]!r}")
    return problems


def test_every_hostile_request_gets_its_typed_bilingual_error_and_records_nothing(
    api: Api,
) -> None:
    before = history_length(api)
    problems = [problem for case in CASES for problem in failures_of(api, case)]
    assert not problems, "\n".join(problems)
    assert history_length(api) == before


def test_the_table_s_operations_pass_with_valid_values(api: Api) -> None:
    # The control: with a valid value in the same place, each operation passes GraphQL's checks.
    for operation, (var_type, value) in VALID.items():
        for form, document, variables in Hostile(
            "valid", operation, var_type, value, ""
        ).requests():
            result = api.gql(document, variables)
            assert not result.get("errors"), (operation, form, result)


def test_the_client_s_faults_are_not_logged_with_their_values(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Nguyễn Thị Bí Mật 079123456789"
    caplog.set_level(logging.DEBUG)
    # graphql-core's own message for a missing field repeats the whole object.
    person = with_(PERSON, fullName=secret, gender=MISSING)
    for _form, document, variables in Hostile(
        "log", DISCOVER, "DiscoverCandidateInput!", with_(DISCOVERY, person=person), ""
    ).requests():
        answer = api.gql(document, variables)
        assert answer["errors"][0]["extensions"]["code"] == "INPUT_FIELD_MISSING"
        assert secret not in json.dumps(answer, ensure_ascii=False)
    assert secret not in caplog.text


def test_json_nested_too_deeply_is_refused_cleanly(api: Api) -> None:
    before = history_length(api)
    body = '{"query": "{ me { subject } }", "variables": {"v": ' + "[" * 100_000
    body += "]" * 100_000 + "}}"
    headers = {"authorization": f"Bearer {api.token()}", "content-type": "application/json"}
    response = api.client.post(api.url, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "JSON_TOO_DEEP"
    assert api.data("{ me { subject } }")["me"]["subject"] == "user-1"
    assert history_length(api) == before


def test_the_table_has_enough_cases() -> None:
    assert sum(isinstance(case, Hostile) for case in CASES) >= 40
