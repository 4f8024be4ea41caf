"""What a secretary and an auditor see of a case, over real HTTP on both backends: its dossier
(every document, exceptions and extensions, flags), the end of probation and full membership,
what its next step still needs (``caseChecklist``: every rule that would refuse it, not the
first), its timeline with each correction's "field: old → new" — and a branch secretary reads
the timelines of its own cases only, another tenant nothing."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from domain.candidates import Stage
from domain.commands import (
    CorrectProfile,
    CorrectStepDate,
    ProfileCorrection,
    RecordAdmissionDecision,
)
from domain.rules import AdmissionAuthority
from domain.values import Role
from tests.api.conftest import Api
from tests.api.test_case_mutations import events, mutate
from tests.walks import STEPS, bloc_tree, doc, walk
from tests.walks import person as profile

#: HS-1 (CB1): its decision 75 working days after the branch resolution, with an extension;
#: recognised after a recognition vote more than 30 working days after probation ended.
LATE = dataclasses.replace(
    STEPS,
    decision=date(2025, 9, 15),
    decision_received=date(2025, 9, 16),
    ceremony=date(2025, 9, 22),
    recognition_vote=date(2026, 11, 10),
    recognition_decision=date(2026, 11, 17),
)
EXTENSION = doc("Văn bản gia hạn", date(2025, 8, 20))
#: HS-2 (CB2): verified, born 1/12/2008 — 17 years 11 months on 21/11/2026 (the API's today),
#: its sponsor letters (8/4/2025) and comments (6/5/2025) over 12 months old by then.
YOUNG = profile("Phạm Minh Khang", date(2008, 12, 1))

DOSSIER = """
    query($code: String!, $asOf: Date) {
        candidate(caseCode: $code, asOf: $asOf) {
            probationEndsOn fullMemberSince
            dossier {
                documents { step use kind number issuedOn issuer recordedOn }
                exceptions { kind }
                extensions { kind issuedOn }
                flags { code on messageVi messageEn regulation }
            }
        }
    }
"""
CHECKLIST = """
    query($code: String!, $on: Date) {
        caseChecklist(caseCode: $code, on: $on) {
            caseCode stage on nextStep ready
            items { code kind labelVi labelEn met regulation }
            violations { code messageVi messageEn regulation field }
            flags { code }
        }
    }
"""
TIMELINE = """
    query($code: String!) {
        candidateTimeline(caseCode: $code) {
            eventType summaryVi summaryEn
            changes { field personal previous corrected }
        }
    }
"""


@pytest.fixture
def cases(api: Api) -> Api:
    for unit in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật"), ("CB2", "Chi bộ Kinh doanh")):
        api.handlers.handle(api.principal(), unit)
    for command in walk("HS-1", Stage.COMMITTEE_RESOLVED, steps=LATE):
        api.handlers.handle(api.principal(), command)
    api.handlers.handle(
        api.principal(),
        RecordAdmissionDecision(
            case_code="HS-1",
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            occurred_on=LATE.decision,
            document=doc("9-KNĐ", LATE.decision),
            extension=EXTENSION,
        ),
    )
    rest = walk("HS-1", Stage.FULL_MEMBER, after=Stage.DECIDED, steps=LATE)
    for command in rest:
        api.handlers.handle(api.principal(), command)
    for command in walk("HS-2", Stage.VERIFIED, unit_code="CB2", who=YOUNG):
        api.handlers.handle(api.principal(), command)
    return api


def dossier_of(api: Api, code: str, token: str | None = None, **cut: str) -> Any:
    return api.data(DOSSIER, {"code": code, **cut}, token=token)["candidate"]


def test_a_case_shows_its_documents_extension_flags_probation_end_and_full_membership(
    cases: Api,
) -> None:
    found = dossier_of(cases, "HS-1")
    assert found["probationEndsOn"] == "2026-09-22"
    assert found["fullMemberSince"] == "2026-09-22"
    documents = found["dossier"]["documents"]
    steps = {(d["step"], d["kind"]) for d in documents}
    assert {
        ("application", "1-KNĐ"),
        ("application", "2-KNĐ"),
        ("sponsor", "3-KNĐ"),
        ("branch_resolution", "6-KNĐ"),
        ("committee_resolution", "8-KNĐ"),
        ("admission_decision", "9-KNĐ"),
        ("admission_decision", "Văn bản gia hạn"),
        ("recognition_decision", "QĐ"),
    } <= steps
    resolution = next(d for d in documents if d["kind"] == "6-KNĐ")
    assert resolution == {
        "step": "branch_resolution",
        "use": "step",
        "kind": "6-KNĐ",
        "number": "6-KNĐ-20250602",
        "issuedOn": "2025-06-02",
        "issuer": "Chi bộ",
        "recordedOn": "2025-06-02",
    }
    assert found["dossier"]["extensions"] == [{"kind": "Văn bản gia hạn", "issuedOn": "2025-08-20"}]
    assert found["dossier"]["exceptions"] == []
    (flag,) = found["dossier"]["flags"]
    assert (flag["code"], flag["on"]) == ("RECOGNITION_VOTE_LATE", "2026-11-10")
    assert flag["messageVi"]
    assert flag["messageEn"]
    assert flag["regulation"]

    # as it stood before recognition: probation running, no full membership, no later papers
    then = dossier_of(cases, "HS-1", asOf="2026-01-05")
    assert (then["probationEndsOn"], then["fullMemberSince"]) == ("2026-09-22", None)
    assert all(d["recordedOn"] <= "2026-01-05" for d in then["dossier"]["documents"])
    assert then["dossier"]["flags"] == []


def test_the_checklist_lists_every_rule_that_would_refuse_the_next_step(cases: Api) -> None:
    found = cases.data(CHECKLIST, {"code": "HS-2"})["caseChecklist"]
    assert (found["caseCode"], found["stage"], found["on"]) == ("HS-2", "verified", "2026-11-21")
    assert (found["nextStep"], found["ready"]) == ("branch_resolution", False)
    codes = [v["code"] for v in found["violations"]]
    assert codes == ["AGE_OUT_OF_RANGE", *["DOSSIER_DOCUMENT_STALE"] * 3]
    for violation in found["violations"]:
        assert violation["messageVi"] != violation["messageEn"]
        assert violation["regulation"]
    assert "17 years 11 months" in found["violations"][0]["messageEn"]
    items = {i["code"]: i for i in found["items"]}
    assert items["BRANCH_TWO_THIRDS"]["kind"] == "fact"
    assert items["BRANCH_RESOLUTION"]["kind"] == "document"

    # on the day the dossier was fresh the letters pass; the age still refuses
    earlier = cases.data(CHECKLIST, {"code": "HS-2", "on": "2025-06-02"})["caseChecklist"]
    assert [v["code"] for v in earlier["violations"]] == ["AGE_OUT_OF_RANGE"]
    assert cases.data(CHECKLIST, {"code": "KHONG-CO"})["caseChecklist"] is None


def test_a_branch_secretary_reads_the_timelines_and_checklists_of_its_cases_only(
    cases: Api,
) -> None:
    """candidateTimeline was the organizers' and auditors' only; a secretary now reads its own
    cases', and another unit's case answers exactly like one that does not exist."""
    cb1 = cases.token("alpha", Role.BRANCH_SECRETARY, units=("CB1",), subject="bi-thu-cb1")
    own = cases.data(TIMELINE, {"code": "HS-1"}, token=cb1)["candidateTimeline"]
    assert own
    assert own[0]["eventType"] == "Candidate.Discovered"
    assert cases.data(CHECKLIST, {"code": "HS-1"}, token=cb1)["caseChecklist"] is not None
    for code in ("HS-2", "KHONG-CO"):  # CB2's case; no case at all
        assert cases.gql(TIMELINE, {"code": code}, token=cb1) == {"data": {"candidateTimeline": []}}
        assert cases.gql(CHECKLIST, {"code": code}, token=cb1) == {"data": {"caseChecklist": None}}
    assert dossier_of(cases, "HS-2", token=cb1) is None


def test_a_token_of_another_tenant_reads_nothing_of_a_case(cases: Api) -> None:
    beta = cases.token("beta")
    assert cases.data(CHECKLIST, {"code": "HS-2"}, token=beta)["caseChecklist"] is None
    assert cases.data(TIMELINE, {"code": "HS-1"}, token=beta)["candidateTimeline"] == []
    assert dossier_of(cases, "HS-1", token=beta) is None


def test_a_leader_reads_no_timeline_nor_checklist(cases: Api) -> None:
    leader = cases.token("alpha", Role.LEADER)
    for query in (TIMELINE, CHECKLIST):
        response = cases.post(query, {"code": "HS-1"}, token=leader)
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_timeline_shows_each_correction_field_old_and_new(cases: Api) -> None:
    cases.handlers.handle(
        cases.principal(),
        CorrectProfile(
            case_code="HS-2",
            person=ProfileCorrection(birth_date=date(2006, 12, 1), identity_number="001206000123"),
            reason="Theo căn cước công dân",
            occurred_on=date(2026, 11, 20),
        ),
    )
    cases.handlers.handle(
        cases.principal(),
        CorrectStepDate(
            case_code="HS-1",
            step="ceremony",
            corrected_date=date(2025, 9, 23),
            reason="Biên bản ghi ngày 23/9",
            occurred_on=date(2026, 11, 20),
        ),
    )
    auditor = cases.token("alpha", Role.AUDITOR, subject="kiem-tra-1")
    timeline = cases.data(TIMELINE, {"code": "HS-2"}, token=auditor)["candidateTimeline"]
    corrected = timeline[-1]
    assert corrected["eventType"] == "Candidate.ProfileCorrected"
    assert corrected["changes"] == [
        {
            "field": "birth_date",
            "personal": True,
            "previous": "2008-12-01",
            "corrected": "2006-12-01",
        },
        {"field": "identity_number", "personal": True, "previous": "", "corrected": "001206000123"},
    ]
    assert "birth date, identity number" in corrected["summaryEn"]
    assert "2006" not in corrected["summaryEn"]  # the stored summary names fields, no values
    assert all(e["changes"] == [] for e in timeline[:-1])

    moved = cases.data(TIMELINE, {"code": "HS-1"}, token=auditor)["candidateTimeline"][-1]
    assert moved["changes"] == [
        {
            "field": "ceremony",
            "personal": False,
            "previous": "2025-09-22",
            "corrected": "2025-09-23",
        }
    ]
    # probation and full membership moved with the ceremony
    assert dossier_of(cases, "HS-1")["fullMemberSince"] == "2026-09-23"

    log = cases.data(
        "query($code: String) { accessLog(caseCode: $code) { edges { node { purpose } } } }",
        {"code": "HS-2"},
        token=auditor,
    )["accessLog"]["edges"]
    assert {"purpose": "graphql:AuditEntry.changes"} in [e["node"] for e in log]


def test_a_correction_the_rules_forbid_is_refused_and_records_nothing(cases: Api) -> None:
    """A birth date of 2010 after the branch meeting of 2/6/2025: the candidate would have been
    14 at the meeting; refused like the meeting itself (AGE_OUT_OF_RANGE)."""
    before = events(cases)
    result = mutate(
        cases,
        "correctProfile",
        {
            "caseCode": "HS-1",
            "occurredOn": "2026-11-20",
            "person": {"birthDate": "2010-01-01"},
            "reason": "Sai năm sinh",
        },
        select="__typename ... on DomainError { code messageEn regulation }",
    )
    assert result["__typename"] == "DomainError"
    assert result["code"] == "AGE_OUT_OF_RANGE"
    assert "The correction is refused" in result["messageEn"]
    assert events(cases) == before


def test_a_page_of_cases_asking_for_their_dossiers_stays_bounded(cases: Api) -> None:
    """A dossier is rebuilt from a case's history: a page asks for it per case (batched), and
    its weight in the request's row estimate keeps a page of 200 dossiers out."""
    page = "query($n: Int) { candidates(first: $n) { edges { node { caseCode "
    page += "dossier { documents { kind } exceptions { kind } extensions { kind } flags { code } }"
    page += " } } } }"
    edges = cases.data(page, {"n": 50})["candidates"]["edges"]
    assert [e["node"]["caseCode"] for e in edges] == ["HS-1", "HS-2"]
    assert all(e["node"]["dossier"]["documents"] for e in edges)
    refused = cases.post(page, {"n": 200}, token=cases.token()).json()
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
