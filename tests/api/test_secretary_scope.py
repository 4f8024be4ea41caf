"""A branch secretary's scope over real HTTP, on both backends: a case is the secretary's only
while it is in the secretary's units — on the cut asked for *and* now — so nothing recorded after
it left shows through an earlier ``asOf``; a case outside the scope answers exactly like a case
that does not exist; and writes are checked against the case's unit now, a dissolved unit being
no one's."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import ids
from domain.commands import (
    CorrectProfile,
    DissolveUnit,
    MergeUnits,
    MoveCandidate,
    ProfileCorrection,
)
from domain.values import DocumentRef, PersonProfile, Role
from service.api.auth import ApiPrincipal
from service.api.context import ApiContext
from tests.api.conftest import Api
from tests.api.test_case_mutations import doc, events, mutate, seed_case
from tests.walks import bloc_tree

CASE = """
    query($code: String!, $asOf: Date, $at: DateTime) {
        candidate(caseCode: $code, asOf: $asOf, asRecordedAt: $at) {
            id caseCode fullName unit { code } profile { identityNumber }
        }
    }
"""
LIST = """
    query($asOf: Date) {
        candidates(asOf: $asOf) { totalCount edges { node { caseCode profile { identityNumber } } } }
    }
"""
STALLED = "query($asOf: Date) { stalledCases(asOf: $asOf) { edges { node { caseCode } } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Candidate { caseCode fullName } } }"

ORIGINAL_ID = "001095000111"
CORRECTED_ID = "001095000999"
MOVED_ON = date(2025, 10, 1)  # HS-M leaves CB1 for CB2
IN_CB1 = "2025-09-01"  # HS-M in CB1, its last step (2025-02-03) 210 days old: stalled
IN_CB2 = "2025-11-03"


def decision(on: date) -> DocumentRef:
    return DocumentRef("Quyết định", f"QĐ-{on:%Y%m%d}", on, "Đảng ủy Công ty")


@pytest.fixture
def moved(api: Api) -> tuple[Api, datetime]:
    """Tenant alpha (KDN → DU → CB1, CB2): case HS-M opened in CB1, moved to CB2 on
    1 October 2025, its identity number corrected after the move; HS-S stays in CB1. Returns
    the API and a recording time before the move."""
    for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật"), ("CB2", "Chi bộ Kinh doanh")):
        api.handlers.handle(api.principal(), command)
    seed_case(api, "HS-M", "CB1")
    seed_case(api, "HS-S", "CB1")
    api.handlers.handle(
        api.principal(),
        CorrectProfile(
            case_code="HS-M",
            person=ProfileCorrection(identity_number=ORIGINAL_ID),
            reason="Bổ sung số định danh",
            occurred_on=date(2025, 3, 3),
        ),
    )
    time.sleep(0.05)
    before_move = datetime.now(UTC)
    time.sleep(0.05)
    api.handlers.handle(
        api.principal(),
        MoveCandidate(
            case_code="HS-M", unit_code="CB2", occurred_on=MOVED_ON, document=decision(MOVED_ON)
        ),
    )
    api.handlers.handle(
        api.principal(),
        CorrectProfile(
            case_code="HS-M",
            person=ProfileCorrection(identity_number=CORRECTED_ID),
            reason="Sai số định danh",
            occurred_on=date(2025, 10, 6),
        ),
    )
    return api, before_move


def secretary_of(api: Api, *units: str) -> str:
    return api.token("alpha", Role.BRANCH_SECRETARY, units=units, subject=f"bi-thu-{units[0]}")


def case(api: Api, token: str, code: str = "HS-M", **cut: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = api.data(CASE, {"code": code, **cut}, token=token)["candidate"]
    return found


def listed(api: Api, token: str, query: str, as_of: str) -> list[str]:
    data = api.data(query, {"asOf": as_of}, token=token)
    return sorted(edge["node"]["caseCode"] for edge in next(iter(data.values()))["edges"])


def test_a_secretary_sees_a_case_only_while_it_is_in_its_units(
    moved: tuple[Api, datetime],
) -> None:
    api, before_move = moved
    cb1 = secretary_of(api, "CB1")
    # the organizer sees the case in CB1 before the move, with the data recorded since
    then = case(api, api.token(), asOf=IN_CB1)
    assert then is not None
    assert then["unit"] == {"code": "CB1"}
    assert then["profile"] == {"identityNumber": CORRECTED_ID}

    # CB1's secretary no longer sees it, at no cut: not now, not on a date it was in CB1, not
    # as recorded before the move, not in its lists, not by its global id
    assert case(api, cb1) is None
    assert case(api, cb1, asOf=IN_CB1) is None
    assert case(api, cb1, asOf=IN_CB1, at=before_move.isoformat()) is None
    assert listed(api, cb1, LIST, IN_CB1) == ["HS-S"]
    assert api.data(LIST, {"asOf": IN_CB1}, token=cb1)["candidates"]["totalCount"] == 1
    assert listed(api, cb1, STALLED, IN_CB1) == ["HS-S"]
    assert api.data(NODE, {"id": then["id"]}, token=cb1)["node"] is None

    # CB2's secretary has it from the day it came in, not before
    cb2 = secretary_of(api, "CB2")
    now = case(api, cb2, asOf=IN_CB2)
    assert now is not None
    assert (now["unit"], now["profile"]) == ({"code": "CB2"}, {"identityNumber": CORRECTED_ID})
    assert case(api, cb2, asOf=IN_CB1) is None  # it was in CB1 then
    assert listed(api, cb2, LIST, IN_CB1) == []
    assert listed(api, cb2, STALLED, IN_CB1) == []
    assert listed(api, cb2, LIST, IN_CB2) == ["HS-M"]
    # the grassroots committee's secretary had it all along
    du = secretary_of(api, "DU")
    assert case(api, du, asOf=IN_CB1) is not None
    assert listed(api, du, LIST, IN_CB1) == ["HS-M", "HS-S"]


def test_outside_the_scope_a_case_answers_like_one_that_does_not_exist(
    moved: tuple[Api, datetime],
) -> None:
    api, _ = moved
    cb1 = secretary_of(api, "CB1")
    step = {"occurredOn": "2025-11-03"}
    inputs: dict[str, dict[str, Any]] = {
        "assignHelper": {**step, "memberName": "Lê Văn Tám"},
        "recordAwarenessCertificate": {**step, "document": doc("Giấy chứng nhận", "2025-11-03")},
        "correctProfile": {
            **step,
            "person": {"identityNumber": "001095000123"},
            "reason": "Sai số định danh",
        },
        "moveCandidate": {**step, "unitCode": "CB1", "document": doc("Giấy chuyển", "2025-11-03")},
    }
    before = events(api)
    for name, given in inputs.items():
        existing, unknown = (  # moved out of CB1; never existed
            mutate(api, name, {"caseCode": code, **given}, token=cb1)
            for code in ("HS-M", "KHONG-CO")
        )
        assert existing == unknown, name
        assert existing["__typename"] == "DomainError"
        assert (existing["code"], existing["field"]) == ("FORBIDDEN", "input.caseCode")
    assert events(api) == before
    for code in ("HS-M", "KHONG-CO"):
        response = api.post(CASE, {"code": code}, token=cb1)
        assert (response.status_code, response.json()) == (200, {"data": {"candidate": None}})
    # an organizer still learns that a case code is unknown
    refusal = mutate(api, "assignHelper", {"caseCode": "KHONG-CO", **inputs["assignHelper"]})
    assert (refusal["code"], refusal["field"]) == ("NOT_FOUND", "case")


def test_a_case_in_a_dissolved_unit_is_no_secretarys_until_it_is_moved(api: Api) -> None:
    for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật"), ("CB2", "Chi bộ Kinh doanh")):
        api.handlers.handle(api.principal(), command)
    seed_case(api, "HS-D", "CB2")
    assert case(api, secretary_of(api, "DU"), "HS-D") is not None
    dissolved_on = date(2025, 9, 1)
    api.handlers.handle(
        api.principal(),
        DissolveUnit(code="CB2", occurred_on=dissolved_on, document=decision(dissolved_on)),
    )
    helper = {"caseCode": "HS-D", "occurredOn": "2025-11-03", "memberName": "Lê Văn Tám"}
    before = events(api)
    for token in (secretary_of(api, "DU"), secretary_of(api, "CB2")):
        assert case(api, token, "HS-D") is None
        refused = mutate(api, "assignHelper", helper, token=token)
        assert (refused.get("code"), refused.get("field")) == ("FORBIDDEN", "input.caseCode")
        assert refused == mutate(
            api, "assignHelper", {**helper, "caseCode": "KHONG-CO"}, token=token
        )
    assert events(api) == before

    # an organizer moves it to a live branch: the committee's secretary has it again
    api.handlers.handle(
        api.principal(),
        MoveCandidate(
            case_code="HS-D",
            unit_code="CB1",
            occurred_on=date(2025, 10, 1),
            document=decision(date(2025, 10, 1)),
        ),
    )
    du = secretary_of(api, "DU")
    assert case(api, du, "HS-D") is not None
    accepted = mutate(api, "assignHelper", helper, token=du)
    assert accepted["__typename"] == "CandidatePayload", accepted
    assert accepted["candidate"]["unit"] == {"code": "CB1"}


def test_a_merged_units_cases_are_the_secretary_of_the_unit_it_merged_into(api: Api) -> None:
    for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật"), ("CB2", "Chi bộ Kinh doanh")):
        api.handlers.handle(api.principal(), command)
    seed_case(api, "HS-G", "CB2")
    merged_on = date(2025, 9, 1)
    api.handlers.handle(
        api.principal(),
        MergeUnits(
            code="CB2", into_code="CB1", occurred_on=merged_on, document=decision(merged_on)
        ),
    )
    helper = {"caseCode": "HS-G", "occurredOn": "2025-11-03", "memberName": "Lê Văn Tám"}
    # CB2 is gone: its secretary has the case no more, to read or to write
    cb2 = secretary_of(api, "CB2")
    before = events(api)
    assert case(api, cb2, "HS-G") is None
    assert case(api, cb2, "HS-G", asOf="2025-03-03") is None
    refused = mutate(api, "assignHelper", helper, token=cb2)
    assert refused == mutate(api, "assignHelper", {**helper, "caseCode": "KHONG-CO"}, token=cb2)
    assert (refused.get("code"), refused.get("field")) == ("FORBIDDEN", "input.caseCode")
    assert events(api) == before
    # CB1's secretary has it from the merger on
    cb1 = secretary_of(api, "CB1")
    assert case(api, cb1, "HS-G", asOf="2025-03-03") is None
    assert case(api, cb1, "HS-G") is not None
    accepted = mutate(api, "assignHelper", helper, token=cb1)
    assert accepted["__typename"] == "CandidatePayload", accepted


def test_the_profile_loader_gives_no_personal_data_of_a_case_outside_the_scope_now(
    moved: tuple[Api, datetime],
) -> None:
    """Personal data is guarded where it is decrypted too, whatever asks the loader for it."""
    api, before_move = moved
    secretary = ApiPrincipal("bi-thu-CB1", "alpha", frozenset({Role.BRANCH_SECRETARY}), ("CB1",))
    ctx = ApiContext(api.services, secretary)
    left, stayed = (str(ids.candidate_id("alpha", code)) for code in ("HS-M", "HS-S"))

    async def load() -> list[PersonProfile | None]:
        keys = [(None, left), (before_move, left), (None, stayed)]
        return await ctx.profile_loader.load_many(keys)

    now, then, other = asyncio.run(load())
    assert (now, then) == (None, None)
    assert other is not None
