"""Hostile and careless values in mutation inputs (docs/commands.md, "Canonical input").

Each value is sent twice, as a GraphQL literal and through variables, to a real server: each
gets its typed, bilingual refusal with the field's path as the client wrote it (a NUL character
is refused for the whole request before any command, ``NUL_CHARACTER``), and the tenant's
history does not grow by one event. Malformed requests (bad scalars, unknown enum values,
forged cursors and ids) are in ``test_hostile_requests.py``. Look-alike codes never open a second case or
unit: they are refused, or they are the same code.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.commands import DiscoverCandidate, EstablishUnit, SetQuota
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget
from domain.values import Gender, MassOrganization
from tests.api.conftest import Api
from tests.api.test_organisation_mutations import events, seed_tree
from tests.walks import person


@dataclass(frozen=True)
class Enum:
    """An enum value: bare in a literal, a string in variables."""

    name: str


DOC = {"kind": "QĐ", "number": "12-QĐ/ĐU", "issuedOn": "2026-01-05", "issuer": "Đảng ủy Khối"}
PERSON = {
    "fullName": "Nguyễn Thị Lan",
    "birthDate": "1998-04-12",
    "gender": Enum("FEMALE"),
    "ethnicity": Enum("TAY"),
    "religion": Enum("NONE"),
    "education": Enum("UPPER_SECONDARY"),
    "professionalLevel": Enum("COLLEGE"),
    "politicalTheory": Enum("NONE"),
    "occupation": Enum("FARMER"),
    "workplaceType": Enum("RESIDENTIAL_AREA"),
    "youthUnionMember": True,
    "tradeUnionMember": False,
}
CASE = "HS-ĐỒNG-1"
UNIT = "CB-ĐỒNG"


def discover(**changes: Any) -> dict[str, Any]:
    person = {**PERSON, **changes.pop("person", {})}
    return {
        "caseCode": "HS-2",
        "unitCode": "CB",
        "person": person,
        "occurredOn": "2025-01-06",
        "introducedBy": Enum("BRANCH"),
        **changes,
    }


def quota(**changes: Any) -> dict[str, Any]:
    target = {"kind": Enum("NUMBER"), "minimum": "5", **changes.pop("target", {})}
    return {"unitCode": "CB", "period": "2024", "target": target, "occurredOn": "2024-01-02"} | (
        changes
    )


def supplementary(**changes: Any) -> dict[str, Any]:
    return {
        "unitCode": "CB",
        "period": "2025",
        "amount": 3,
        "reason": "Bổ sung",
        "occurredOn": "2025-06-01",
        "document": DOC,
        **changes,
    }


def step(**changes: Any) -> dict[str, Any]:
    return {"caseCode": CASE, "occurredOn": "2025-02-01", **changes}


def sponsor(**changes: Any) -> dict[str, Any]:
    member = {"memberId": "DV-1", "fullName": "Trần Văn B", "togetherSince": "2019-01-01"}
    return step(sponsor={**member, **changes}, document=DOC)


def branch(**changes: Any) -> dict[str, Any]:
    return step(**{"officialMembers": 9, "votesFor": 9, "document": DOC, **changes})


NFD_CASE = unicodedata.normalize("NFD", CASE)
NFD_UNIT = unicodedata.normalize("NFD", UNIT)
LONG_NAME = "Nguyễn " * 1500

#: (mutation, arguments, path of the refused field, code)
HOSTILE: list[tuple[str, dict[str, Any], str, str]] = [
    # look-alike case codes
    ("discoverCandidate", discover(caseCode=NFD_CASE), "input.caseCode", "CASE_CODE_TAKEN"),
    (
        "discoverCandidate",
        discover(caseCode="HS\u200b2"),
        "input.caseCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(caseCode="\ufeffHS-2"),
        "input.caseCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(caseCode="HS-\u202e2"),
        "input.caseCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(caseCode="HS-\u20662"),
        "input.caseCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    ("discoverCandidate", discover(caseCode="HS-2\n"), "input.caseCode", "CODE_WHITESPACE"),
    ("discoverCandidate", discover(caseCode="HS\n2"), "input.caseCode", "CODE_INVISIBLE_CHARACTER"),
    (
        "discoverCandidate",
        discover(caseCode="HS\x1b[2J2"),
        "input.caseCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    ("discoverCandidate", discover(caseCode="HS\x002"), "", "NUL_CHARACTER"),
    ("discoverCandidate", discover(caseCode=" HS-2"), "input.caseCode", "CODE_WHITESPACE"),
    ("discoverCandidate", discover(caseCode="HS-2 "), "input.caseCode", "CODE_WHITESPACE"),
    ("discoverCandidate", discover(caseCode="HS 2"), "input.caseCode", "CODE_INVISIBLE_CHARACTER"),
    (
        "discoverCandidate",
        discover(caseCode="HS\u00a02"),
        "input.caseCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    ("discoverCandidate", discover(caseCode="HS-\uff12"), "input.caseCode", "CODE_DIGITS"),
    ("discoverCandidate", discover(caseCode="HS-\u0662"), "input.caseCode", "CODE_DIGITS"),
    ("discoverCandidate", discover(caseCode=""), "input.caseCode", "CODE_REQUIRED"),
    ("discoverCandidate", discover(caseCode="H" * 65), "input.caseCode", "CODE_TOO_LONG"),
    (
        "discoverCandidate",
        discover(unitCode="C\u200bB"),
        "input.unitCode",
        "CODE_INVISIBLE_CHARACTER",
    ),
    ("discoverCandidate", discover(unitCode="CB\t"), "input.unitCode", "CODE_WHITESPACE"),
    # names
    (
        "discoverCandidate",
        discover(person={"fullName": "\u200b\u200c"}),
        "input.person.fullName",
        "NAME_INVALID_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(person={"fullName": "   "}),
        "input.person.fullName",
        "NAME_REQUIRED",
    ),
    (
        "discoverCandidate",
        discover(person={"fullName": "1234"}),
        "input.person.fullName",
        "NAME_REQUIRED",
    ),
    (
        "discoverCandidate",
        discover(person={"fullName": LONG_NAME}),
        "input.person.fullName",
        "NAME_TOO_LONG",
    ),
    ("discoverCandidate", discover(person={"fullName": "Lan\x00"}), "", "NUL_CHARACTER"),
    (
        "discoverCandidate",
        discover(person={"fullName": "Lan\u202eAnh"}),
        "input.person.fullName",
        "NAME_INVALID_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(person={"ethnicityNote": "Tày\x07"}),
        "input.person.ethnicityNote",
        "NAME_INVALID_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(person={"religionNote": "\u200b"}),
        "input.person.religionNote",
        "NAME_INVALID_CHARACTER",
    ),
    # ethnicity and religion from their lists (the enums refuse any other value)
    (
        "discoverCandidate",
        discover(person={"ethnicity": Enum("UNDETERMINED")}),
        "input.person.ethnicity",
        "ETHNICITY_UNDETERMINED",
    ),
    (
        "discoverCandidate",
        discover(person={"religion": Enum("OTHER"), "religionNote": " "}),
        "input.person.religionNote",
        "RELIGION_OTHER_UNNAMED",
    ),
    # identity numbers and birth dates
    (
        "discoverCandidate",
        discover(person={"identityNumber": "' OR 1=1 --"}),
        "input.person.identityNumber",
        "IDENTITY_NUMBER_INVALID",
    ),
    (
        "discoverCandidate",
        discover(person={"identityNumber": "0790981234"}),
        "input.person.identityNumber",
        "IDENTITY_NUMBER_INVALID",
    ),
    (
        "discoverCandidate",
        discover(person={"identityNumber": "\uff10" * 12}),
        "input.person.identityNumber",
        "IDENTITY_NUMBER_INVALID",
    ),
    (
        "discoverCandidate",
        discover(person={"birthDate": "1800-01-01"}),
        "input.person.birthDate",
        "DATE_TOO_EARLY",
    ),
    (
        "discoverCandidate",
        discover(person={"birthDate": "2099-01-01"}),
        "input.person.birthDate",
        "DATE_IN_FUTURE",
    ),
    (
        "discoverCandidate",
        discover(person={"birthDate": "2015-01-01"}),
        "input.person.birthDate",
        "BIRTH_DATE_INVALID",
    ),
    # dates of the step and its document
    ("discoverCandidate", discover(occurredOn="2099-12-31"), "input.occurredOn", "DATE_IN_FUTURE"),
    ("discoverCandidate", discover(occurredOn="0001-01-01"), "input.occurredOn", "DATE_TOO_EARLY"),
    (
        "discoverCandidate",
        discover(document={**DOC, "issuedOn": "9999-12-31"}),
        "input.document.issuedOn",
        "DATE_IN_FUTURE",
    ),
    (
        "discoverCandidate",
        discover(document={**DOC, "number": "12\u200b/QĐ"}),
        "input.document.number",
        "CODE_INVISIBLE_CHARACTER",
    ),
    (
        "discoverCandidate",
        discover(document={**DOC, "kind": ""}),
        "input.document.kind",
        "CODE_REQUIRED",
    ),
    (
        "discoverCandidate",
        discover(document={**DOC, "issuer": "  "}),
        "input.document.issuer",
        "NAME_REQUIRED",
    ),
    # notes
    ("discoverCandidate", discover(notes="x" * 900_000), "input.notes", "TEXT_TOO_LONG"),
    (
        "discoverCandidate",
        discover(notes="ghi chú \u202e đảo"),
        "input.notes",
        "TEXT_INVALID_CHARACTER",
    ),
    ("discoverCandidate", discover(notes="a\x00b"), "", "NUL_CHARACTER"),
    # units
    (
        "establishUnit",
        {
            "code": NFD_UNIT,
            "name": "Chi bộ",
            "kind": Enum("BRANCH"),
            "parentCode": "DU",
            "occurredOn": "2020-01-01",
        },
        "input.code",
        "UNIT_CODE_TAKEN",
    ),
    (
        "establishUnit",
        {
            "code": "CB\u200b2",
            "name": "Chi bộ",
            "kind": Enum("BRANCH"),
            "parentCode": "DU",
            "occurredOn": "2020-01-01",
        },
        "input.code",
        "CODE_INVISIBLE_CHARACTER",
    ),
    (
        "establishUnit",
        {
            "code": "CB2",
            "name": "\u200b",
            "kind": Enum("BRANCH"),
            "parentCode": "DU",
            "occurredOn": "2020-01-01",
        },
        "input.name",
        "NAME_INVALID_CHARACTER",
    ),
    (
        "establishUnit",
        {
            "code": "CB2",
            "name": "Chi bộ",
            "kind": Enum("BRANCH"),
            "parentCode": "DU\x00",
            "occurredOn": "2020-01-01",
        },
        "",
        "NUL_CHARACTER",
    ),
    (
        "renameUnit",
        {"code": "CB", "name": "\u202e", "occurredOn": "2020-01-01"},
        "input.name",
        "NAME_INVALID_CHARACTER",
    ),
    (
        "renameUnit",
        {"code": "CB", "name": "C" * 201, "occurredOn": "2020-01-01"},
        "input.name",
        "NAME_TOO_LONG",
    ),
    (
        "moveUnit",
        {"code": "CB", "newParentCode": "DU\n", "occurredOn": "2020-01-01"},
        "input.newParentCode",
        "CODE_WHITESPACE",
    ),
    (
        "reportHeadcount",
        {"code": "CB", "members": 2_147_483_647, "occurredOn": "2025-01-01"},
        "input.members",
        "NUMBER_OUT_OF_RANGE",
    ),
    (
        "reportHeadcount",
        {"code": "CB", "members": -1, "occurredOn": "2025-01-01"},
        "input.members",
        "NUMBER_OUT_OF_RANGE",
    ),
    (
        "reportHeadcount",
        {"code": "CB", "members": 1_000_001, "occurredOn": "2025-01-01"},
        "input.members",
        "NUMBER_OUT_OF_RANGE",
    ),
    # quotas
    ("setQuota", quota(period="\uff12\uff10\uff12\uff14"), "input.period", "CODE_DIGITS"),
    ("setQuota", quota(period="2024-13"), "input.period", "PERIOD_INVALID"),
    ("setQuota", quota(period=" 2024"), "input.period", "CODE_WHITESPACE"),
    ("setQuota", quota(period="20\u200b24"), "input.period", "CODE_INVISIBLE_CHARACTER"),
    ("setQuota", quota(target={"minimum": "1e30"}), "input.target.minimum", "NUMBER_INVALID"),
    ("setQuota", quota(target={"minimum": "-5"}), "input.target.minimum", "NUMBER_OUT_OF_RANGE"),
    (
        "setQuota",
        quota(target={"minimum": "99999999"}),
        "input.target.minimum",
        "NUMBER_OUT_OF_RANGE",
    ),
    ("setQuota", quota(target={"minimum": "\u0663"}), "input.target.minimum", "NUMBER_INVALID"),
    (
        "assignSupplementaryQuota",
        supplementary(amount=2_147_483_647),
        "input.amount",
        "NUMBER_OUT_OF_RANGE",
    ),
    (
        "assignSupplementaryQuota",
        supplementary(amount=-2_147_483_648),
        "input.amount",
        "NUMBER_OUT_OF_RANGE",
    ),
    ("assignSupplementaryQuota", supplementary(amount=0), "input.amount", "NUMBER_ZERO"),
    ("assignSupplementaryQuota", supplementary(reason="\u200b "), "input.reason", "TEXT_REQUIRED"),
    # the tenant's policy
    ("declareDayOff", {"day": "0001-01-01"}, "input.day", "DATE_TOO_EARLY"),
    ("declareDayOff", {"day": "9999-12-31"}, "input.day", "DATE_TOO_LATE"),
    ("setStalledThreshold", {"days": 0}, "days", "NUMBER_OUT_OF_RANGE"),
    ("setStalledThreshold", {"days": 2_147_483_647}, "days", "NUMBER_OUT_OF_RANGE"),
    (
        "setSourcePoolRatio",
        {"minimum": "\uff11.\uff15", "maximum": "2"},
        "minimum",
        "NUMBER_INVALID",
    ),
    ("setSourcePoolRatio", {"minimum": "1e3", "maximum": "2"}, "minimum", "NUMBER_INVALID"),
    ("setSourcePoolRatio", {"minimum": "1.5", "maximum": "Infinity"}, "maximum", "NUMBER_INVALID"),
    # steps of a case
    (
        "addSponsor",
        sponsor(memberId="DV\u200b1"),
        "input.sponsor.memberId",
        "CODE_INVISIBLE_CHARACTER",
    ),
    (
        "addSponsor",
        sponsor(togetherSince="1800-01-01"),
        "input.sponsor.togetherSince",
        "DATE_TOO_EARLY",
    ),
    ("addSponsor", sponsor(fullName=""), "input.sponsor.fullName", "NAME_REQUIRED"),
    (
        "addSponsor",
        sponsor(fullMemberSince="2099-01-01"),
        "input.sponsor.fullMemberSince",
        "DATE_IN_FUTURE",
    ),
    (
        "recordBranchResolution",
        branch(officialMembers=2_147_483_647),
        "input.officialMembers",
        "NUMBER_OUT_OF_RANGE",
    ),
    ("recordBranchResolution", branch(votesFor=-5), "input.votesFor", "NUMBER_OUT_OF_RANGE"),
    ("assignTestTask", step(task=""), "input.task", "TEXT_REQUIRED"),
    (
        "correctStepDate",
        step(step="sympathizer", correctedDate="2099-01-01", reason="Nhầm"),
        "input.correctedDate",
        "DATE_IN_FUTURE",
    ),
    (
        "correctStepDate",
        step(step="sympathizer\x00", correctedDate="2025-01-01", reason="Nhầm"),
        "",
        "NUL_CHARACTER",
    ),
    ("withdrawCandidate", step(explanation="\t\n "), "input.explanation", "TEXT_REQUIRED"),
    (
        "transferCandidateOut",
        step(destination="\u200b", document=DOC),
        "input.destination",
        "NAME_INVALID_CHARACTER",
    ),
]

INLINE = {"setStalledThreshold", "setSourcePoolRatio"}
SELECT = "__typename ... on DomainError { code messageVi messageEn field violations { path code } }"


def literal(value: Any) -> str:
    """``value`` written as a GraphQL literal."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # ASCII with \\u escapes: a valid GraphQL string


def plain(value: Any) -> Any:
    """``value`` as JSON variables."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def input_type(api: Api, mutation: str) -> str:
    found = api.data(
        '{ __type(name: "Mutation") { fields { name args { name type { ofType { name } } } } } }'
    )
    for field in found["__type"]["fields"]:
        if field["name"] == mutation:
            return str(field["args"][0]["type"]["ofType"]["name"])
    raise AssertionError(mutation)


def answer(api: Api, mutation: str, document: str, variables: dict[str, Any] | None = None) -> Any:
    """The mutation's result, or a refusal of the whole request (NUL characters are refused
    at the transport, before any command) in the same shape, with no field."""
    body = api.post(document, variables, token=api.token()).json()
    if (body.get("data") or {}).get(mutation) is not None:
        return body["data"][mutation]
    refusal = body["errors"][0]["extensions"]
    return {"__typename": "RequestError", **refusal, "field": "", "violations": []}


def send_both_ways(api: Api, mutation: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The mutation's answers to ``arguments`` as a literal and through variables."""
    if mutation in INLINE:
        written = ", ".join(f"{k}: {literal(v)}" for k, v in arguments.items())
        params = ", ".join(
            f"${k}: {'Int!' if isinstance(v, int) else 'String!'}" for k, v in arguments.items()
        )
        passed = ", ".join(f"{k}: ${k}" for k in arguments)
        return [
            answer(api, mutation, f"mutation {{ {mutation}({written}) {{ {SELECT} }} }}"),
            answer(
                api,
                mutation,
                f"mutation({params}) {{ {mutation}({passed}) {{ {SELECT} }} }}",
                plain(arguments),
            ),
        ]
    kind = input_type(api, mutation)
    return [
        answer(
            api, mutation, f"mutation {{ {mutation}(input: {literal(arguments)}) {{ {SELECT} }} }}"
        ),
        answer(
            api,
            mutation,
            f"mutation($input: {kind}!) {{ {mutation}(input: $input) {{ {SELECT} }} }}",
            {"input": plain(arguments)},
        ),
    ]


def seed(api: Api) -> None:
    """The tree of ``seed_tree``, a unit and a case with Vietnamese codes, a 2025 quota."""
    seed_tree(api)
    h, p = api.handlers, api.principal()
    h.handle(
        p,
        EstablishUnit(
            code=UNIT,
            name="Chi bộ Đồng",
            kind=UnitKind.BRANCH,
            parent_code="DU",
            occurred_on=date(2015, 1, 1),
        ),
    )
    h.handle(
        p,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code=CASE,
            unit_code="CB",
            person=person("Lê Văn Đồng", date(1996, 3, 2), gender=Gender.MALE),
            occurred_on=date(2025, 1, 6),
        ),
    )
    h.handle(
        p,
        SetQuota(
            unit_code="CB",
            period=Period.year(2025),
            target=QuotaTarget.number(5),
            occurred_on=date(2025, 1, 2),
        ),
    )


def test_the_table_is_long_and_every_value_differs() -> None:
    assert len(HOSTILE) >= 60
    assert len({json.dumps(plain(args), sort_keys=True) + m for m, args, _, _ in HOSTILE}) == len(
        HOSTILE
    )


def test_every_hostile_value_gets_its_typed_bilingual_refusal_and_records_nothing(
    api: Api,
) -> None:
    seed(api)
    before = events(api)
    for mutation, arguments, path, code in HOSTILE:
        for answered in send_both_ways(api, mutation, arguments):
            where = (mutation, path, code, answered)
            assert answered["__typename"] in {"DomainError", "RequestError"}, where
            assert answered["code"] != "INTERNAL_ERROR", where
            found = {v["path"]: v["code"] for v in answered["violations"]} or {
                answered["field"]: answered["code"]
            }
            assert found == {path: code}, where
            assert answered["messageVi"].strip(), where
            assert answered["messageEn"].strip(), where
            assert answered["messageVi"] != answered["messageEn"], where
    assert events(api) == before


def test_the_same_input_twice_with_look_alike_codes_is_one_case(api: Api) -> None:
    seed(api)
    cases = api.data("{ candidates(first: 50) { totalCount } }")["candidates"]["totalCount"]
    refused = send_both_ways(api, "discoverCandidate", discover(caseCode=NFD_CASE))
    assert {r["code"] for r in refused} == {"CASE_CODE_TAKEN"}
    assert api.data("{ candidates(first: 50) { totalCount } }")["candidates"]["totalCount"] == cases


def test_all_violations_of_one_input_come_back_together(api: Api) -> None:
    seed(api)
    arguments = discover(
        caseCode="HS\u200b3",
        person={"fullName": "\u200b", "identityNumber": "x"},
        occurredOn="2099-01-01",
    )
    for answer in send_both_ways(api, "discoverCandidate", arguments):
        assert answer["code"] == "INPUT_INVALID"
        assert [v["path"] for v in answer["violations"]] == [
            "input.caseCode",
            "input.person.fullName",
            "input.person.identityNumber",
            "input.occurredOn",
        ]
        assert answer["field"] == "input.caseCode"
