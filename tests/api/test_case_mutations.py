"""The case mutations over real HTTP: the whole procedure, refusals as ``DomainError`` results,
a branch secretary's scope, roles that may not write, exits, moves and corrections."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from domain.candidates import Stage
from domain.values import Gender, Role
from service.api.schema import schema
from tests.api.conftest import Api
from tests.walks import DOSSIER_2025, PERSON_FACTS, STEPS, bloc_tree, issued_by, walk
from tests.walks import person as a_person

RESULT = """
    __typename
    ... on CandidatePayload {
        position
        candidate {
            caseCode stage stageSince helpers
            stepDates { step on }
            sponsors { memberId letterOn }
            unit { code }
        }
    }
    ... on DomainError { code messageVi messageEn regulation field }
"""


NAM = a_person("Trần Văn Nam", date(1995, 2, 3), gender=Gender.MALE)


def doc(kind: str, on: str, number: str | None = None) -> dict[str, str]:
    return {
        "kind": kind,
        "number": f"{kind}-{on}" if number is None else number,
        "issuedOn": on,
        "issuer": "Chi bộ Phòng Kỹ thuật",
    }


def person(name: str = "Nguyễn Thị Lan", **fields: Any) -> dict[str, Any]:
    return {
        "fullName": name,
        "birthDate": "1996-04-12",
        "gender": "FEMALE",
        **PERSON_FACTS,
        **fields,
    }


def mutate(
    api: Api, name: str, input: dict[str, Any], *, token: str | None = None, select: str = RESULT
) -> dict[str, Any]:
    """Send mutation ``name`` with ``input``; its result (payload or domain error)."""
    field = schema._schema.mutation_type.fields[name]  # type: ignore[union-attr]
    kind = field.args["input"].type
    query = f"mutation($input: {kind}) {{ {name}(input: $input) {{ {select} }} }}"
    result: dict[str, Any] = api.data(query, {"input": input}, token=token)[name]
    return result


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert result["__typename"] == "CandidatePayload", result
    return result


def refused(result: dict[str, Any], code: str, field: str | None) -> dict[str, Any]:
    assert result["__typename"] == "DomainError", result
    assert result["code"] == code, result
    assert result["field"] == field, result
    assert result["messageVi"].strip()
    assert result["messageEn"].strip()
    assert result["messageVi"] != result["messageEn"]
    return result


def events(api: Api, tenant: str = "alpha") -> int:
    return int(api.store.app(tenant, write=False).recorder.max_notification_id() or 0)


@pytest.fixture
def tree(api: Api) -> Api:
    """Tenant alpha: bloc KDN → grassroots committee DU (decides admissions) → branches CB1, CB2."""
    branches = (("CB1", "Chi bộ Phòng Kỹ thuật"), ("CB2", "Chi bộ Phòng Kinh doanh"))
    for command in bloc_tree(*branches):
        api.handlers.handle(api.principal(), command)
    return api


def seed_case(api: Api, code: str, unit: str = "CB1", *, sympathizer: bool = True) -> None:
    """A case opened through the handlers (discovered, then on the sympathizer list)."""
    until = Stage.SYMPATHIZER if sympathizer else Stage.DISCOVERED
    for command in walk(code, until, unit_code=unit, who=NAM):
        api.handlers.handle(api.principal(), command)


def seed_verified_case(api: Api, code: str) -> None:
    """A case with a complete, verified dossier (ready for the branch meeting)."""
    steps = replace(
        DOSSIER_2025,
        discovered=STEPS.discovered,
        sympathizer=STEPS.sympathizer,
        certificate=date(2025, 2, 20),
    )
    documents = issued_by("Chi bộ Phòng Kỹ thuật")
    for command in walk(code, Stage.VERIFIED, steps=steps, who=NAM, documents=documents):
        api.handlers.handle(api.principal(), command)


def procedure(code: str = "HS-1", unit: str = "CB1") -> list[tuple[str, dict[str, Any], str]]:
    """The whole procedure of one case as (mutation, input, stage after it), discovery to full
    membership; the unit's grassroots committee decides admissions. The company has no Youth
    Union organisation (``bloc_tree`` declares it): the Trade Union and one member introduce
    the candidate (Charter Art. 4)."""
    case = {"caseCode": code}
    return [
        (
            "discoverCandidate",
            {
                "caseCode": code,
                "unitCode": unit,
                "person": person(tradeUnionMember=True),
                "occurredOn": "2023-10-02",
                "introducedBy": "TRADE_UNION",
            },
            "DISCOVERED",
        ),
        ("addToSympathizerList", {**case, "occurredOn": "2023-11-06"}, "SYMPATHIZER"),
        (
            "assignHelper",
            {**case, "occurredOn": "2023-11-07", "memberName": "Trần Thị Bình"},
            "SYMPATHIZER",
        ),
        (
            "assignTestTask",
            {**case, "occurredOn": "2023-11-08", "task": "Phụ trách phong trào thanh niên"},
            "SYMPATHIZER",
        ),
        (
            "recordAwarenessCertificate",
            {**case, "occurredOn": "2024-03-01", "document": doc("GCN", "2024-03-01")},
            "AWARENESS_TRAINED",
        ),
        (
            "submitApplication",
            {
                **case,
                "occurredOn": "2025-03-03",
                "document": doc("1-KNĐ", "2025-03-03"),
                "personalHistory": doc("2-KNĐ", "2025-03-03"),
            },
            "APPLIED",
        ),
        (
            "addSponsor",
            {
                **case,
                "occurredOn": "2025-03-10",
                "document": doc("3-KNĐ", "2025-03-10"),
                "sponsor": {
                    "memberId": "DV1",
                    "fullName": "Trần Thị Bình",
                    "fullMemberSince": "2010-01-01",
                    "togetherSince": "2019-01-01",
                },
            },
            "APPLIED",
        ),
        (
            "recordUnionIntroduction",
            {
                **case,
                "occurredOn": "2025-03-11",
                "document": doc("NQ giới thiệu", "2025-03-11"),
                "organization": "TRADE_UNION",
            },
            "SPONSORED",
        ),
        (
            "recordBackgroundVerification",
            {
                **case,
                "occurredOn": "2025-04-15",
                "document": doc("KL", "2025-04-15"),
                "passed": True,
                "conclusion": "Lịch sử chính trị rõ ràng.",
            },
            "SPONSORED",
        ),
        (
            "recordComments",
            {
                **case,
                "occurredOn": "2025-04-20",
                "document": doc("5-KNĐ", "2025-04-20"),
                "source": "Chi ủy khu dân cư số 3",
            },
            "VERIFIED",
        ),
        (
            "recordBranchResolution",
            {
                **case,
                "occurredOn": "2025-05-06",
                "document": doc("6-KNĐ", "2025-05-06"),
                "officialMembers": 12,
                "votesFor": 9,
            },
            "BRANCH_RESOLVED",
        ),
        (
            "recordCommitteeResolution",
            {
                **case,
                "occurredOn": "2025-05-20",
                "document": doc("8-KNĐ", "2025-05-20"),
                "committeeMembers": 9,
                "votesFor": 7,
            },
            "COMMITTEE_RESOLVED",
        ),
        (
            "recordAdmissionDecision",
            {
                **case,
                "occurredOn": "2025-06-16",
                "document": doc("9-KNĐ", "2025-06-16"),
                "decidedBy": "GRASSROOTS_COMMITTEE",
            },
            "DECIDED",
        ),
        (
            "holdAdmissionCeremony",
            {**case, "occurredOn": "2025-07-02", "decisionReceivedOn": "2025-06-18"},
            "PROBATIONARY",
        ),
        (
            "assignHelper",
            {**case, "occurredOn": "2025-07-03", "memberName": "Lê Văn Cường"},
            "PROBATIONARY",
        ),
        (
            "recordNewMemberClass",
            {**case, "occurredOn": "2025-10-01", "document": doc("GCN", "2025-10-01")},
            "PROBATIONARY",
        ),
        *(
            (
                "recordRecognitionDocument",
                {
                    **case,
                    "occurredOn": "2026-07-06",
                    "document": doc(form, "2026-07-06"),
                    "form": name,
                },
                "PROBATIONARY",
            )
            for name, form in (
                ("SELF_REVIEW", "10-KNĐ"),
                ("HELPER_COMMENT", "11-KNĐ"),
                ("COMMENTS_SUMMARY", "12-KNĐ"),
            )
        ),
        (
            "recordRecognitionVote",
            {
                **case,
                "occurredOn": "2026-07-10",
                "document": doc("NQ", "2026-07-10"),
                "officialMembers": 12,
                "votesFor": 12,
            },
            "RECOGNITION_VOTED",
        ),
        (
            "recordRecognitionDocument",
            {
                **case,
                "occurredOn": "2026-07-20",
                "document": doc("15-KNĐ", "2026-07-20"),
                "form": "GRASSROOTS_RESOLUTION",
            },
            "RECOGNITION_VOTED",
        ),
        (
            "recordRecognitionDecision",
            {**case, "occurredOn": "2026-07-30", "document": doc("QĐ", "2026-07-30")},
            "FULL_MEMBER",
        ),
    ]


def test_a_candidate_goes_from_discovery_to_full_membership_by_mutations(tree: Api) -> None:
    api = tree
    steps = procedure()
    positions = []
    last: dict[str, Any] = {}
    for name, input, stage in steps:
        last = ok(mutate(api, name, input))
        assert last["candidate"]["stage"] == stage, (name, last)
        positions.append(last["position"])
    assert positions == sorted(set(positions)), positions
    assert positions[-1] == events(api)
    candidate = last["candidate"]
    assert candidate["caseCode"] == "HS-1"
    assert candidate["unit"] == {"code": "CB1"}
    assert candidate["helpers"] == ["Trần Thị Bình", "Lê Văn Cường"]
    assert candidate["sponsors"] == [{"memberId": "DV1", "letterOn": "2025-03-10"}]
    steps_on = {s["step"]: s["on"] for s in candidate["stepDates"]}
    assert steps_on["union_introduction"] == "2025-03-11"
    assert steps_on["branch_resolution"] == "2025-05-06"
    assert steps_on["ceremony"] == "2025-07-02"


def test_a_refused_step_answers_a_domain_error_and_records_nothing(tree: Api) -> None:
    api = tree
    seed_case(api, "HS-2")
    seed_verified_case(api, "HS-3")
    before = events(api)
    resolution = {
        "occurredOn": "2025-05-06",
        "document": doc("6-KNĐ", "2025-05-06"),
        "officialMembers": 12,
        "votesFor": 9,
    }
    # a step out of order: no sponsors, no verification yet
    refused(
        mutate(api, "recordBranchResolution", {"caseCode": "HS-2", **resolution}),
        "STEP_OUT_OF_ORDER",
        "stage",
    )
    # a rule of the guidance, with its regulation: the sponsor letters of 10/3/2025 are over
    # 12 months old at a meeting of 6/4/2026
    stale = {"occurredOn": "2026-04-06", "document": doc("6-KNĐ", "2026-04-06")}
    error = refused(
        mutate(api, "recordBranchResolution", {"caseCode": "HS-3", **resolution, **stale}),
        "DOSSIER_DOCUMENT_STALE",
        "dossier",
    )
    assert "06-HD/TW" in error["regulation"]
    # a date in the future (today is 2026-11-21)
    refused(
        mutate(
            api,
            "recordAwarenessCertificate",
            {"caseCode": "HS-2", "occurredOn": "2026-11-22", "document": doc("GCN", "2026-11-20")},
        ),
        "DATE_IN_FUTURE",
        "input.occurredOn",
    )
    # domain values built from the input check themselves: results, not GraphQL errors
    refused(
        mutate(
            api,
            "recordAwarenessCertificate",
            {
                "caseCode": "HS-2",
                "occurredOn": "2025-02-20",
                "document": doc("GCN", "2025-02-20", number=" "),
            },
        ),
        "CODE_REQUIRED",
        "input.document.number",
    )
    refused(
        mutate(
            api,
            "discoverCandidate",
            {
                "caseCode": "HS-4",
                "unitCode": "CB1",
                "person": person(" "),
                "occurredOn": "2025-01-06",
                "introducedBy": "BRANCH",
            },
        ),
        "NAME_REQUIRED",
        "input.person.fullName",
    )
    refused(
        mutate(
            api,
            "addSponsor",
            {
                "caseCode": "HS-3",
                "occurredOn": "2025-05-06",
                "document": doc("3-KNĐ", "2025-05-06"),
                "sponsor": {"memberId": " ", "fullName": "X", "togetherSince": "2019-01-01"},
            },
        ),
        "CODE_REQUIRED",
        "input.sponsor.memberId",
    )
    refused(
        mutate(api, "addToSympathizerList", {"caseCode": "KHONG-CO", "occurredOn": "2025-01-06"}),
        "NOT_FOUND",
        "case",
    )
    assert events(api) == before
    query = "query($code: String!) { candidate(caseCode: $code) { stage } }"
    assert api.data(query, {"code": "HS-2"})["candidate"] == {"stage": "SYMPATHIZER"}
    assert api.data(query, {"code": "HS-3"})["candidate"] == {"stage": "VERIFIED"}
    assert api.data(query, {"code": "HS-4"})["candidate"] is None


def test_a_branch_secretary_acts_only_inside_its_units(tree: Api) -> None:
    api = tree
    seed_case(api, "HS-A", "CB1", sympathizer=False)
    seed_case(api, "HS-B", "CB2", sympathizer=False)
    secretary = api.token("alpha", Role.BRANCH_SECRETARY, units=("CB1",), subject="bi-thu-cb1")
    step = {"occurredOn": "2025-02-03"}

    result = ok(mutate(api, "addToSympathizerList", {"caseCode": "HS-A", **step}, token=secretary))
    assert result["candidate"]["stage"] == "SYMPATHIZER"
    opened = ok(
        mutate(
            api,
            "discoverCandidate",
            {
                "caseCode": "HS-C",
                "unitCode": "CB1",
                "person": person(),
                "occurredOn": "2025-02-03",
                "introducedBy": "BRANCH",
            },
            token=secretary,
        )
    )
    assert opened["candidate"]["stage"] == "DISCOVERED"

    before = events(api)
    refused(
        mutate(api, "addToSympathizerList", {"caseCode": "HS-B", **step}, token=secretary),
        "FORBIDDEN",
        "input.caseCode",
    )
    refused(
        mutate(
            api,
            "discoverCandidate",
            {
                "caseCode": "HS-D",
                "unitCode": "CB2",
                "person": person(),
                "occurredOn": "2025-02-03",
                "introducedBy": "BRANCH",
            },
            token=secretary,
        ),
        "FORBIDDEN",
        "input.unitCode",
    )
    refused(  # into a branch outside its units
        mutate(
            api,
            "moveCandidate",
            {
                "caseCode": "HS-A",
                "unitCode": "CB2",
                "occurredOn": "2025-03-03",
                "document": doc("Giấy chuyển", "2025-03-03"),
            },
            token=secretary,
        ),
        "FORBIDDEN",
        "input.caseCode",
    )
    assert events(api) == before

    # the grassroots committee's secretary reaches every branch under it
    committee = api.token("alpha", Role.BRANCH_SECRETARY, units=("DU",), subject="bi-thu-du")
    result = ok(mutate(api, "addToSympathizerList", {"caseCode": "HS-B", **step}, token=committee))
    assert result["candidate"]["stage"] == "SYMPATHIZER"


def test_leaders_and_auditors_may_not_record_steps(tree: Api) -> None:
    api = tree
    seed_case(api, "HS-1", sympathizer=False)
    before = events(api)
    query = (
        'mutation { addToSympathizerList(input: {caseCode: "HS-1", occurredOn: "2025-02-03"})'
        " { __typename } }"
    )
    for role in (Role.LEADER, Role.AUDITOR):
        response = api.post(query, token=api.token("alpha", role))
        assert response.status_code == 403, response.text
        body = response.json()
        assert (body.get("data") or {}).get("addToSympathizerList") is None
        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "FORBIDDEN"
        assert extensions["messageVi"]
        assert extensions["messageEn"]
    assert events(api) == before


def test_exits_moves_transfers_and_corrections(tree: Api) -> None:
    api = tree
    discovery = {
        "unitCode": "CB1",
        "person": person(),
        "occurredOn": "2025-01-06",
        "introducedBy": "BRANCH",
    }
    for code in ("HS-R", "HS-W", "HS-M"):
        ok(mutate(api, "discoverCandidate", {"caseCode": code, **discovery}))

    rejected = ok(
        mutate(
            api,
            "rejectCandidate",
            {
                "caseCode": "HS-R",
                "occurredOn": "2025-02-03",
                "reason": "NOT_QUALIFIED",
                "explanation": "Chưa đủ tiêu chuẩn.",
            },
        )
    )
    assert rejected["candidate"]["stage"] == "REJECTED"

    # a correction of a step's date, then of the personal data (only the given fields)
    ok(mutate(api, "addToSympathizerList", {"caseCode": "HS-W", "occurredOn": "2025-02-03"}))
    corrected = ok(
        mutate(
            api,
            "correctStepDate",
            {
                "caseCode": "HS-W",
                "occurredOn": "2025-02-10",
                "step": "sympathizer",
                "correctedDate": "2025-02-05",
                "reason": "Nhầm ngày nghị quyết.",
            },
        )
    )
    steps_on = {s["step"]: s["on"] for s in corrected["candidate"]["stepDates"]}
    assert steps_on["sympathizer"] == "2025-02-05"
    profile = """
        __typename
        ... on CandidatePayload { candidate { fullName profile { birthDate gender religion } } }
        ... on DomainError { code messageVi messageEn regulation field }
    """
    correction = {
        "caseCode": "HS-W",
        "occurredOn": "2025-02-10",
        "person": {"fullName": "Nguyễn Thị Lan Anh", "religion": "BUDDHISM"},
        "reason": "Sai chính tả họ tên.",
    }
    fixed = ok(mutate(api, "correctProfile", correction, select=profile))
    assert fixed["candidate"] == {
        "fullName": "Nguyễn Thị Lan Anh",
        "profile": {"birthDate": "1996-04-12", "gender": "FEMALE", "religion": "BUDDHISM"},
    }
    refused(
        mutate(api, "correctProfile", correction, select=profile),
        "NOTHING_TO_CORRECT",
        "input.person",
    )
    withdrawn = ok(
        mutate(
            api,
            "withdrawCandidate",
            {"caseCode": "HS-W", "occurredOn": "2025-03-03", "explanation": "Xin rút."},
        )
    )
    assert withdrawn["candidate"]["stage"] == "WITHDRAWN"

    # a move to another branch (the case goes on there), then a transfer out of the tenant
    moved = ok(
        mutate(
            api,
            "moveCandidate",
            {
                "caseCode": "HS-M",
                "unitCode": "CB2",
                "occurredOn": "2025-02-03",
                "document": doc("Giấy chuyển", "2025-02-03"),
            },
        )
    )
    assert moved["candidate"]["unit"] == {"code": "CB2"}
    assert moved["candidate"]["stage"] == "DISCOVERED"
    out = ok(
        mutate(
            api,
            "transferCandidateOut",
            {
                "caseCode": "HS-M",
                "occurredOn": "2025-03-03",
                "destination": "Đảng bộ Tổng công ty",
                "document": doc("Giấy chuyển", "2025-03-03"),
            },
        )
    )
    assert out["candidate"]["stage"] == "TRANSFERRED_OUT"

    # members received from another committee: one removed from the list, one screened out
    received = {
        "unitCode": "CB1",
        "person": person("Trần Văn Nam", gender="MALE"),
        "origin": "Đảng bộ Tổng công ty",
        "occurredOn": "2025-09-01",
        "document": doc("Giấy chuyển sinh hoạt", "2025-09-01"),
    }
    probationary = ok(
        mutate(
            api,
            "receiveTransferredCandidate",
            {**received, "caseCode": "HS-P", "stage": "PROBATIONARY", "ceremonyOn": "2025-05-19"},
        )
    )
    assert probationary["candidate"]["stage"] == "PROBATIONARY"
    full = ok(
        mutate(
            api,
            "receiveTransferredCandidate",
            {
                **received,
                "caseCode": "HS-F",
                "stage": "FULL_MEMBER",
                "ceremonyOn": "2023-05-19",
                "fullMemberSince": "2024-05-19",
            },
        )
    )
    assert full["candidate"]["stage"] == "FULL_MEMBER"
    exit_ = {
        "occurredOn": "2025-10-01",
        "reason": "DISCIPLINE",
        "explanation": "Vi phạm tư cách đảng viên.",
        "document": doc("Quyết định", "2025-10-01"),
    }
    # an exit of a member needs its decision
    refused(
        mutate(api, "removeFromList", {**exit_, "caseCode": "HS-P", "document": None}),
        "DOCUMENT_REQUIRED",
        "input.document",
    )
    removed = ok(mutate(api, "removeFromList", {"caseCode": "HS-P", **exit_}))
    assert removed["candidate"]["stage"] == "REMOVED_FROM_LIST"
    ended = ok(mutate(api, "endMembership", {"caseCode": "HS-F", **exit_}))
    assert ended["candidate"]["stage"] == "MEMBERSHIP_ENDED"
