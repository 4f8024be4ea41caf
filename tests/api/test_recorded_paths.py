"""The real paths of the procedure through GraphQL (issue 13): a failed vote, a late decision
with its responsibility review, papers redone before the branch meeting, and the deadline a
stale dossier sets — recorded, where they used to be refused and leave the case stuck."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_case_mutations import doc, events, mutate, ok, refused, seed_verified_case
from tests.walks import bloc_tree

CASE = "HS-1"  # verified: sponsor letters of 10/3/2025, comments of 20/4/2025


@pytest.fixture
def branch(api: Api) -> Api:
    """Tenant alpha: bloc → grassroots committee (decides admissions) → branch CB1."""
    for command in bloc_tree(("CB1", "Chi bộ Phòng Kỹ thuật")):
        api.handlers.handle(api.principal(), command)
    return api


def _steps(result: dict[str, Any]) -> dict[str, str]:
    return {s["step"]: s["on"] for s in ok(result)["candidate"]["stepDates"]}


def _vote(on: str, members: int, votes_for: int) -> dict[str, Any]:
    return {
        "caseCode": CASE,
        "occurredOn": on,
        "document": doc("6-KNĐ", on),
        "officialMembers": members,
        "votesFor": votes_for,
    }


def test_a_branch_vote_of_9_of_15_is_recorded_and_a_later_meeting_passes(branch: Api) -> None:
    api = branch
    seed_verified_case(api, CASE)
    before = events(api)
    failed = mutate(api, "recordBranchResolution", _vote("2025-05-06", 15, 9))
    assert ok(failed)["candidate"]["stage"] == "VERIFIED"
    assert _steps(failed)["branch_vote_failed_1"] == "2025-05-06"
    assert events(api) == before + 1
    passed = mutate(api, "recordBranchResolution", _vote("2025-06-03", 15, 11))
    assert ok(passed)["candidate"]["stage"] == "BRANCH_RESOLVED"
    # a vote that cannot have happened is still refused, and nothing is stored
    seed_verified_case(api, "HS-2")
    before = events(api)
    refused(
        mutate(api, "recordBranchResolution", {**_vote("2025-05-06", 15, 16), "caseCode": "HS-2"}),
        "VOTE_COUNTS_INVALID",
        "votes",
    )
    assert events(api) == before


def test_a_late_admission_decision_is_recorded_and_its_delay_reviewed(branch: Api) -> None:
    api = branch
    seed_verified_case(api, CASE)
    ok(mutate(api, "recordBranchResolution", _vote("2025-05-06", 12, 9)))
    committee = {
        "caseCode": CASE,
        "occurredOn": "2025-05-20",
        "document": doc("8-KNĐ", "2025-05-20"),
        "committeeMembers": 9,
        "votesFor": 5,
    }
    # the committee fails once, then passes: both meetings are recorded
    assert ok(mutate(api, "recordCommitteeResolution", committee))["candidate"]["stage"] == (
        "BRANCH_RESOLVED"
    )
    committee = {**committee, "occurredOn": "2025-05-27", "votesFor": 7}
    assert ok(mutate(api, "recordCommitteeResolution", committee))["candidate"]["stage"] == (
        "COMMITTEE_RESOLVED"
    )
    # 60 working days from 6/5/2025 end in early August; 90 in September: 3/10/2025 is late
    decision = {
        "caseCode": CASE,
        "occurredOn": "2025-10-03",
        "document": doc("9-KNĐ", "2025-10-03"),
        "decidedBy": "GRASSROOTS_COMMITTEE",
        "extension": doc("Văn bản gia hạn", "2025-07-25"),
    }
    assert ok(mutate(api, "recordAdmissionDecision", decision))["candidate"]["stage"] == "DECIDED"
    review = {
        "caseCode": CASE,
        "occurredOn": "2025-10-20",
        "step": "admission_decision",
        "document": doc("Biên bản kiểm điểm", "2025-10-20"),
    }
    ok(mutate(api, "recordDelayReview", review))
    refused(mutate(api, "recordDelayReview", review), "NO_DELAY_REVIEW_OPEN", "input.step")


def test_a_stale_sponsor_letter_shows_overdue_and_is_redone_before_the_meeting(
    branch: Api,
) -> None:
    api = branch
    seed_verified_case(api, CASE)
    query = """query($code: String!, $asOf: Date) {
        candidate(caseCode: $code, asOf: $asOf) { stage deadline { step dueOn overdue } }
    }"""
    seen = api.data(query, {"code": CASE, "asOf": "2026-04-01"})["candidate"]
    # the letters of 10/3/2025 are valid until 10/3/2026: the meeting is overdue after it
    assert seen == {
        "stage": "VERIFIED",
        "deadline": {"step": "branch_resolution", "dueOn": "2026-03-10", "overdue": True},
    }
    refused(
        mutate(api, "recordBranchResolution", _vote("2026-04-06", 12, 9)),
        "DOSSIER_DOCUMENT_STALE",
        "dossier",
    )
    sponsors = api.data(
        "query($code: String!) { candidate(caseCode: $code) { sponsors { memberId } } }",
        {"code": CASE},
    )["candidate"]["sponsors"]
    for sponsor in sponsors:
        member = sponsor["memberId"]
        letter = {
            "caseCode": CASE,
            "occurredOn": "2026-04-01",
            "document": doc("3-KNĐ", "2026-04-01"),
            "sponsor": {
                "memberId": member,
                "fullName": f"Đảng viên {member}",
                "fullMemberSince": "2010-01-01",
                "togetherSince": "2019-01-01",
            },
            "replaces": member,
        }
        assert ok(mutate(api, "addSponsor", letter))["candidate"]["stage"] == "VERIFIED"
    comments = {
        "caseCode": CASE,
        "occurredOn": "2026-04-02",
        "document": doc("5-KNĐ", "2026-04-02"),
    }
    ok(mutate(api, "recordComments", {**comments, "source": "Công đoàn cơ sở"}))
    certificate = {
        "caseCode": CASE,
        "occurredOn": "2026-04-03",
        "document": doc("GCN", "2026-04-03"),
    }
    assert ok(mutate(api, "recordAwarenessCertificate", certificate))["candidate"]["stage"] == (
        "VERIFIED"
    )
    assert ok(mutate(api, "recordBranchResolution", _vote("2026-04-06", 12, 9)))["candidate"][
        "stage"
    ] == ("BRANCH_RESOLVED")
