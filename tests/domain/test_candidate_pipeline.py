"""A candidate's case from discovery to full membership, and the order its steps must follow.

Nguyễn Văn An is found by the technical department's branch of the provincial power company in
March 2023 and followed through Guide 12-HD/BTCTW's procedure (forms "…-KNĐ") until he is a full
member. Every step out of order, dated before the previous one, or missing its document is
refused, and a refused step leaves no trace on the case.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from datetime import date

import pytest

from domain.candidates import EXIT_STAGES, PRE_ADMISSION_STAGES, Candidate, ExitReason, Stage
from domain.errors import DomainError, InvalidInput, RuleViolation, StageOrderError
from domain.rules import AdmissionAuthority, RecognitionForm
from domain.values import MassOrganization
from tests.domain.builders import (
    AN,
    BINH,
    CALENDAR,
    CUONG,
    GRASSROOTS_COMMITTEE,
    ORGANIZER,
    OTHER_BRANCH_ID,
    SECRETARY,
    STORY,
    TENANT,
    candidate_at,
    discovered,
    document,
    record_recognition_papers,
    replayed,
    stage_of,
    state,
)
from tests.domain.refusals import assert_refused, refused


def test_nguyen_van_an_is_taken_from_discovery_to_full_membership() -> None:
    # 1. The branch finds him (phát hiện).
    an = discovered(on=date(2023, 3, 6))
    assert stage_of(an) is Stage.DISCOVERED
    assert an.tenant == TENANT
    assert an.person.full_name == "Nguyễn Văn An"

    # 2. Sympathizer list, a helper, a test task.
    an.add_to_sympathizer_list(
        actor=SECRETARY,
        occurred_on=date(2023, 3, 20),
        document=document("Nghị quyết chi bộ", date(2023, 3, 20)),
    )
    an.assign_helper(actor=SECRETARY, occurred_on=date(2023, 3, 21), member_name="Trần Thị Bình")
    an.assign_test_task(
        actor=SECRETARY,
        occurred_on=date(2023, 4, 3),
        task="Phụ trách phong trào thanh niên của phòng",
    )
    assert stage_of(an) is Stage.SYMPATHIZER
    assert an.helpers == ["Trần Thị Bình"]
    assert an.test_tasks == ["Phụ trách phong trào thanh niên của phòng"]

    # 3. The awareness class.
    certificate = document("Giấy chứng nhận", date(2023, 6, 15), issuer="Trung tâm Chính trị")
    an.record_awareness_certificate(
        actor=ORGANIZER, occurred_on=date(2023, 6, 15), document=certificate
    )
    assert stage_of(an) is Stage.AWARENESS_TRAINED
    assert an.awareness_certificate == certificate

    # 4. Application (1-KNĐ) and personal history (2-KNĐ).
    an.submit_application(
        actor=SECRETARY,
        occurred_on=date(2023, 9, 4),
        document=document("1-KNĐ", date(2023, 9, 4), issuer="Nguyễn Văn An"),
        personal_history=document("2-KNĐ", date(2023, 9, 4), issuer="Nguyễn Văn An"),
    )
    assert stage_of(an) is Stage.APPLIED

    # 5. Two sponsors (3-KNĐ): one is not enough. The company has no Youth Union organisation,
    #    so two full members introduce him although he is of Youth Union age (Charter Art. 4).
    an.add_sponsor(
        actor=SECRETARY,
        occurred_on=date(2023, 9, 11),
        sponsor=BINH,
        document=document("3-KNĐ", date(2023, 9, 11), issuer=BINH.full_name),
        youth_union_organisation=False,
    )
    assert stage_of(an) is Stage.APPLIED
    assert not an.sponsorship_complete
    an.add_sponsor(
        actor=SECRETARY,
        occurred_on=date(2023, 9, 11),
        sponsor=CUONG,
        document=document("3-KNĐ", date(2023, 9, 11), issuer=CUONG.full_name),
        youth_union_organisation=False,
    )
    assert stage_of(an) is Stage.SPONSORED
    assert [record.sponsor for record in an.sponsors] == [BINH, CUONG]

    # 6. Comments (5-KNĐ) and the background verification.
    an.record_comments(
        actor=SECRETARY,
        occurred_on=date(2023, 10, 2),
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", date(2023, 10, 2), issuer="Chi bộ khu dân cư số 3"),
    )
    assert stage_of(an) is Stage.SPONSORED
    an.record_background_verification(
        actor=ORGANIZER,
        occurred_on=date(2023, 10, 16),
        passed=True,
        conclusion="Lịch sử chính trị của bản thân và gia đình rõ ràng.",
        document=document("Kết luận thẩm tra", date(2023, 10, 16), issuer=GRASSROOTS_COMMITTEE),
    )
    assert stage_of(an) is Stage.VERIFIED
    assert an.verification_passed is True

    # 7. The branch resolution (6-KNĐ): 8 of 9 official members agree.
    an.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=date(2023, 11, 6),
        official_members=9,
        votes_for=8,
        document=document("6-KNĐ", date(2023, 11, 6)),
        committee_resolution_required=True,
        youth_union_organisation=False,
    )
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.branch_resolution_on == date(2023, 11, 6)
    assert an.exceptions == []

    # 8. The grassroots committee resolution (8-KNĐ): 7 of 9.
    an.record_committee_resolution(
        actor=ORGANIZER,
        occurred_on=date(2023, 11, 20),
        committee_members=9,
        votes_for=7,
        document=document("8-KNĐ", date(2023, 11, 20), issuer=GRASSROOTS_COMMITTEE),
    )
    assert stage_of(an) is Stage.COMMITTEE_RESOLVED

    # 9. The admission decision (9-KNĐ), 29 working days after the branch resolution.
    an.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=date(2023, 12, 15),
        decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", date(2023, 12, 15), issuer=GRASSROOTS_COMMITTEE),
    )
    assert stage_of(an) is Stage.DECIDED
    assert an.decision_on == date(2023, 12, 15)

    # 10. The ceremony, 13 working days after the decision arrived: probation starts.
    an.hold_admission_ceremony(
        actor=SECRETARY,
        occurred_on=date(2024, 1, 5),
        decision_received_on=date(2023, 12, 18),
        calendar=CALENDAR,
    )
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.ceremony_on == date(2024, 1, 5)
    assert an.probation_ends_on == date(2025, 1, 5)

    # 11. Probation: the new-member class.
    an.record_new_member_class(
        actor=ORGANIZER,
        occurred_on=date(2024, 4, 10),
        document=document("Giấy chứng nhận", date(2024, 4, 10), issuer="Trung tâm Chính trị"),
    )
    assert an.new_member_class is not None

    # 12. Recognition: the dossier (self-review 10-KNĐ, the helper's comment 11-KNĐ, the
    #     organisations' comments 12-KNĐ); the branch votes five days after probation ended; the
    #     grassroots committee's resolution (15-KNĐ); the committee decides.
    record_recognition_papers(an, date(2025, 1, 6))
    an.record_recognition_vote(
        actor=SECRETARY,
        occurred_on=date(2025, 1, 10),
        official_members=10,
        votes_for=10,
        calendar=CALENDAR,
        document=document("Nghị quyết đề nghị công nhận", date(2025, 1, 10)),
    )
    assert stage_of(an) is Stage.RECOGNITION_VOTED
    record_recognition_papers(an, date(2025, 1, 20), [RecognitionForm.GRASSROOTS_RESOLUTION])
    an.record_recognition_decision(
        actor=ORGANIZER,
        occurred_on=date(2025, 2, 10),
        calendar=CALENDAR,
        under_grassroots_committee=True,
        document=document("Quyết định công nhận", date(2025, 2, 10), issuer=GRASSROOTS_COMMITTEE),
    )
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.full_member_since == date(2025, 1, 5)
    assert an.stage_since == date(2025, 2, 10)

    assert [type(event).__name__ for event in an.collect_events()] == [
        "Discovered",
        "AddedToSympathizerList",
        "HelperAssigned",
        "TestTaskAssigned",
        "AwarenessCertificateRecorded",
        "ApplicationSubmitted",
        "SponsorAdded",
        "SponsorAdded",
        "CommentsRecorded",
        "BackgroundVerified",
        "BranchResolutionRecorded",
        "CommitteeResolutionRecorded",
        "AdmissionDecided",
        "AdmittedAtCeremony",
        "NewMemberClassRecorded",
        "RecognitionDocumentRecorded",
        "RecognitionDocumentRecorded",
        "RecognitionDocumentRecorded",
        "RecognitionVoted",
        "RecognitionDocumentRecorded",
        "RecognizedAsFullMember",
    ]
    assert an.step_dates == {
        "discovered": date(2023, 3, 6),
        "sympathizer": date(2023, 3, 20),
        "awareness_certificate": date(2023, 6, 15),
        "application": date(2023, 9, 4),
        "sponsor": date(2023, 9, 11),
        "comments": date(2023, 10, 2),
        "verification": date(2023, 10, 16),
        "branch_resolution": date(2023, 11, 6),
        "committee_resolution": date(2023, 11, 20),
        "admission_decision": date(2023, 12, 15),
        "ceremony": date(2024, 1, 5),
        "new_member_class": date(2024, 4, 10),
        "recognition_document_10-KNĐ": date(2025, 1, 6),
        "recognition_document_11-KNĐ": date(2025, 1, 6),
        "recognition_document_12-KNĐ": date(2025, 1, 6),
        "recognition_vote": date(2025, 1, 10),
        "recognition_document_15-KNĐ": date(2025, 1, 20),
        "recognition_decision": date(2025, 2, 10),
    }


ROAD_TO_FULL_MEMBERSHIP = [
    Stage.DISCOVERED,
    Stage.SYMPATHIZER,
    Stage.AWARENESS_TRAINED,
    Stage.APPLIED,
    Stage.SPONSORED,
    Stage.VERIFIED,
    Stage.BRANCH_RESOLVED,
    Stage.COMMITTEE_RESOLVED,
    Stage.DECIDED,
    Stage.PROBATIONARY,
    Stage.RECOGNITION_VOTED,
    Stage.FULL_MEMBER,
]


@pytest.mark.parametrize("stage", ROAD_TO_FULL_MEMBERSHIP, ids=lambda stage: stage.value)
def test_the_case_rebuilt_from_its_events_is_the_case_that_recorded_them(stage: Stage) -> None:
    case = candidate_at(stage)
    events = case.collect_events()
    assert [event.originator_version for event in events] == list(range(1, len(events) + 1))
    rebuilt = replayed(events, Candidate)
    assert state(rebuilt) == state(case)
    assert rebuilt.version == case.version == len(events)


def test_every_event_of_the_story_says_who_acted_on_which_business_date_in_which_tenant() -> None:
    for event in candidate_at(Stage.FULL_MEMBER).collect_events():
        recorded = vars(event)
        assert recorded["tenant"] == TENANT
        assert recorded["actor"] in (SECRETARY, ORGANIZER)
        assert isinstance(recorded["occurred_on"], date)
        assert "document" in recorded
        assert "notes" in recorded


# --- stage order ------------------------------------------------------------------------------

LATER = date(2026, 6, 1)
"""A business date after every step of the story, so only the stage decides."""

Step = Callable[[Candidate], None]


STEPS: dict[str, tuple[Step, frozenset[Stage]]] = {
    # Each step of the procedure and the stages at which it may be taken: the table a reader
    # checks against Guide 12-HD/BTCTW. (A recognition decision may also follow three failed
    # votes; see test_probation_and_recognition.)
    "add to the sympathizer list": (
        lambda c: c.add_to_sympathizer_list(actor=SECRETARY, occurred_on=LATER),
        frozenset({Stage.DISCOVERED}),
    ),
    "assign a helper": (
        lambda c: c.assign_helper(actor=SECRETARY, occurred_on=LATER, member_name="Lê Văn Cường"),
        frozenset(
            {
                Stage.SYMPATHIZER,
                Stage.AWARENESS_TRAINED,
                Stage.APPLIED,
                Stage.SPONSORED,
                Stage.VERIFIED,
                Stage.PROBATIONARY,
            }
        ),
    ),
    "assign a test task": (
        lambda c: c.assign_test_task(actor=SECRETARY, occurred_on=LATER, task="Tổ chức hội thao"),
        frozenset({Stage.SYMPATHIZER, Stage.AWARENESS_TRAINED}),
    ),
    "record the awareness class": (
        lambda c: c.record_awareness_certificate(
            actor=ORGANIZER, occurred_on=LATER, document=document("Giấy chứng nhận", LATER)
        ),
        # again until the branch meeting: a renewed certificate (học lại)
        frozenset(
            {
                Stage.SYMPATHIZER,
                Stage.AWARENESS_TRAINED,
                Stage.APPLIED,
                Stage.SPONSORED,
                Stage.VERIFIED,
            }
        ),
    ),
    "file the application": (
        lambda c: c.submit_application(
            actor=SECRETARY,
            occurred_on=LATER,
            document=document("1-KNĐ", LATER),
            personal_history=document("2-KNĐ", LATER),
        ),
        frozenset({Stage.AWARENESS_TRAINED}),
    ),
    "add a sponsor": (
        lambda c: c.add_sponsor(
            actor=SECRETARY,
            occurred_on=LATER,
            sponsor=BINH,
            document=document("3-KNĐ", LATER),
        ),
        frozenset({Stage.APPLIED}),
    ),
    "redo a sponsor letter": (
        lambda c: c.add_sponsor(
            actor=SECRETARY,
            occurred_on=LATER,
            sponsor=BINH,
            document=document("3-KNĐ", LATER),
            replaces=BINH.member_id,
        ),
        frozenset({Stage.APPLIED, Stage.SPONSORED, Stage.VERIFIED}),
    ),
    "record a Youth Union introduction": (
        lambda c: c.record_union_introduction(
            actor=SECRETARY,
            occurred_on=LATER,
            organization=MassOrganization.YOUTH_UNION,
            document=document("4-KNĐ", LATER),
        ),
        frozenset({Stage.APPLIED}),
    ),
    "redo the union introduction": (
        lambda c: c.record_union_introduction(
            actor=SECRETARY,
            occurred_on=LATER,
            organization=MassOrganization.YOUTH_UNION,
            document=document("4-KNĐ", LATER),
            replaces_earlier=True,
        ),
        frozenset({Stage.APPLIED, Stage.SPONSORED, Stage.VERIFIED}),
    ),
    "record the comments": (
        lambda c: c.record_comments(
            actor=SECRETARY,
            occurred_on=LATER,
            source="Công đoàn",
            document=document("5-KNĐ", LATER),
        ),
        frozenset({Stage.SPONSORED, Stage.VERIFIED}),
    ),
    "record the verification": (
        lambda c: c.record_background_verification(
            actor=ORGANIZER,
            occurred_on=LATER,
            passed=True,
            conclusion="Đạt",
            document=document("Kết luận thẩm tra", LATER),
        ),
        frozenset({Stage.SPONSORED}),
    ),
    "record the branch resolution": (
        lambda c: c.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=LATER,
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", LATER),
            committee_resolution_required=True,
        ),
        frozenset({Stage.VERIFIED}),
    ),
    "record the committee resolution": (
        lambda c: c.record_committee_resolution(
            actor=ORGANIZER,
            occurred_on=LATER,
            committee_members=9,
            votes_for=9,
            document=document("8-KNĐ", LATER),
        ),
        frozenset({Stage.BRANCH_RESOLVED}),
    ),
    "record the admission decision": (
        lambda c: c.record_admission_decision(
            actor=ORGANIZER,
            occurred_on=LATER,
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            calendar=CALENDAR,
            document=document("9-KNĐ", LATER),
        ),
        frozenset({Stage.COMMITTEE_RESOLVED}),
    ),
    "hold the ceremony": (
        lambda c: c.hold_admission_ceremony(
            actor=SECRETARY, occurred_on=LATER, decision_received_on=LATER, calendar=CALENDAR
        ),
        frozenset({Stage.DECIDED}),
    ),
    "record the new-member class": (
        lambda c: c.record_new_member_class(
            actor=ORGANIZER, occurred_on=LATER, document=document("Giấy chứng nhận", LATER)
        ),
        frozenset({Stage.PROBATIONARY}),
    ),
    "vote on recognition": (
        lambda c: c.record_recognition_vote(
            actor=SECRETARY,
            occurred_on=LATER,
            official_members=9,
            votes_for=9,
            calendar=CALENDAR,
            document=document("Nghị quyết đề nghị công nhận", LATER),
        ),
        frozenset({Stage.PROBATIONARY}),
    ),
    "record the recognition decision": (
        lambda c: c.record_recognition_decision(
            actor=ORGANIZER,
            occurred_on=LATER,
            calendar=CALENDAR,
            document=document("Quyết định công nhận", LATER),
            under_grassroots_committee=False,
        ),
        frozenset({Stage.RECOGNITION_VOTED}),
    ),
    "reject": (
        lambda c: c.reject(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.NOT_QUALIFIED,
            explanation="Không đủ tiêu chuẩn",
        ),
        PRE_ADMISSION_STAGES | {Stage.DECIDED},
    ),
    "withdraw": (
        lambda c: c.withdraw(actor=SECRETARY, occurred_on=LATER, explanation="Xin rút"),
        PRE_ADMISSION_STAGES | {Stage.DECIDED},
    ),
    "remove from the list": (
        lambda c: c.remove_from_list(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.DISCIPLINE,
            explanation="Vi phạm tư cách",
            document=document("Quyết định xóa tên", LATER),
        ),
        frozenset({Stage.PROBATIONARY, Stage.RECOGNITION_VOTED}),
    ),
    "end the membership": (
        lambda c: c.end_membership(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.DISCIPLINE,
            explanation="Sàng lọc",
            document=document("Quyết định", LATER),
        ),
        frozenset({Stage.FULL_MEMBER}),
    ),
    "transfer out": (
        lambda c: c.transfer_out(
            actor=ORGANIZER,
            occurred_on=LATER,
            destination="Đảng ủy Tập đoàn Dầu khí",
            document=document("Giấy chuyển sinh hoạt", LATER),
        ),
        # any open case, with its dossier (issue 13; DOMAIN.md "exits at any stage")
        frozenset(Stage) - EXIT_STAGES,
    ),
    "move to another branch": (
        lambda c: c.move_to_unit(
            actor=ORGANIZER,
            occurred_on=LATER,
            unit_id=OTHER_BRANCH_ID,
            unit_admits_candidates=True,
            document=document("Quyết định chuyển sinh hoạt", LATER),
        ),
        frozenset(Stage) - EXIT_STAGES,
    ),
}


def _case_at(stage: Stage) -> Candidate:
    """A case at ``stage``: on the road to full membership, or just after one of the exits."""
    if stage not in EXIT_STAGES:
        return candidate_at(stage)
    exits: dict[Stage, tuple[Stage, str]] = {
        Stage.REJECTED: (Stage.VERIFIED, "reject"),
        Stage.WITHDRAWN: (Stage.APPLIED, "withdraw"),
        Stage.REMOVED_FROM_LIST: (Stage.PROBATIONARY, "remove from the list"),
        Stage.TRANSFERRED_OUT: (Stage.SYMPATHIZER, "transfer out"),
        Stage.MEMBERSHIP_ENDED: (Stage.FULL_MEMBER, "end the membership"),
    }
    before, exit_step = exits[stage]
    case = candidate_at(before)
    STEPS[exit_step][0](case)
    assert stage_of(case) is stage
    return case


OUT_OF_ORDER = [
    pytest.param(name, stage, id=f"{name} at {stage.value}")
    for name, (_, allowed) in STEPS.items()
    for stage in Stage
    if stage not in allowed
]


@pytest.mark.parametrize(("step", "stage"), OUT_OF_ORDER)
def test_a_step_attempted_at_a_stage_where_it_does_not_belong_is_refused(
    step: str, stage: Stage
) -> None:
    case = _case_at(stage)
    error = assert_refused(case, lambda: STEPS[step][0](case), "STEP_OUT_OF_ORDER", StageOrderError)
    assert error.message_vi.startswith("Không thể ")
    assert f"«{stage.label_vi}»" in error.message_vi
    assert error.message_en.startswith("Cannot ")
    assert f"'{stage.value}'" in error.message_en
    assert error.field == "stage"


IN_ORDER = [
    pytest.param(name, stage, id=f"{name} at {stage.value}")
    for name, (_, allowed) in STEPS.items()
    for stage in sorted(allowed, key=list(Stage).index)
]


@pytest.mark.parametrize(("step", "stage"), IN_ORDER)
def test_a_step_at_a_stage_where_it_belongs_is_not_refused_for_its_order(
    step: str, stage: Stage
) -> None:
    """The other half of the table above: the table is the procedure, not a guess."""
    case = _case_at(stage)
    with contextlib.suppress(RuleViolation, InvalidInput):  # other rules may refuse it on LATER
        STEPS[step][0](case)


def test_an_application_before_the_awareness_class_is_refused() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    assert_refused(
        an,
        lambda: an.submit_application(
            actor=SECRETARY,
            occurred_on=date(2023, 6, 1),
            document=document("1-KNĐ", date(2023, 6, 1)),
            personal_history=document("2-KNĐ", date(2023, 6, 1)),
        ),
        "STEP_OUT_OF_ORDER",
    )


def test_a_branch_resolution_before_the_background_verification_is_refused() -> None:
    an = candidate_at(Stage.SPONSORED)
    assert_refused(
        an,
        lambda: an.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=STORY.branch_resolution,
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", STORY.branch_resolution),
            committee_resolution_required=True,
        ),
        "STEP_OUT_OF_ORDER",
    )


def test_an_admission_decision_before_the_committee_resolution_is_refused() -> None:
    an = candidate_at(Stage.BRANCH_RESOLVED)
    assert_refused(
        an,
        lambda: an.record_admission_decision(
            actor=ORGANIZER,
            occurred_on=STORY.admission_decision,
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            calendar=CALENDAR,
            document=document("9-KNĐ", STORY.admission_decision),
        ),
        "STEP_OUT_OF_ORDER",
    )


def test_a_ceremony_before_the_admission_decision_is_refused() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    assert_refused(
        an,
        lambda: an.hold_admission_ceremony(
            actor=SECRETARY,
            occurred_on=STORY.ceremony,
            decision_received_on=STORY.decision_received,
            calendar=CALENDAR,
        ),
        "STEP_OUT_OF_ORDER",
    )


def test_a_second_verification_is_refused() -> None:
    an = candidate_at(Stage.SPONSORED)
    an.record_background_verification(
        actor=ORGANIZER,
        occurred_on=STORY.verification,
        passed=True,
        conclusion="Đạt",
        document=document("Kết luận thẩm tra", STORY.verification),
    )
    assert stage_of(an) is Stage.SPONSORED  # no comments yet
    assert_refused(
        an,
        lambda: an.record_background_verification(
            actor=ORGANIZER,
            occurred_on=STORY.verification,
            passed=True,
            conclusion="Đạt",
            document=document("Kết luận thẩm tra", STORY.verification),
        ),
        "VERIFICATION_DUPLICATE",
    )


def test_a_failed_verification_stops_the_case_until_it_is_rejected() -> None:
    an = candidate_at(Stage.SPONSORED)
    an.record_comments(
        actor=SECRETARY,
        occurred_on=STORY.residence_comments,
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", STORY.residence_comments),
    )
    an.record_background_verification(
        actor=ORGANIZER,
        occurred_on=STORY.verification,
        passed=False,
        conclusion="Khai không trung thực về lịch sử bản thân.",
        document=document("Kết luận thẩm tra", STORY.verification),
    )
    assert stage_of(an) is Stage.SPONSORED
    assert an.verification_passed is False
    assert_refused(
        an,
        lambda: an.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=STORY.branch_resolution,
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", STORY.branch_resolution),
            committee_resolution_required=True,
        ),
        "STEP_OUT_OF_ORDER",
    )
    an.reject(
        actor=ORGANIZER,
        occurred_on=date(2023, 10, 20),
        reason=ExitReason.VERIFICATION_FAILED,
        explanation="Thẩm tra lý lịch không đạt",
    )
    assert stage_of(an) is Stage.REJECTED
    assert an.exit_reason is ExitReason.VERIFICATION_FAILED


# --- dates --------------------------------------------------------------------------------------


def test_a_step_dated_before_the_previous_step_is_refused() -> None:
    an = candidate_at(Stage.DISCOVERED)
    error = assert_refused(
        an,
        lambda: an.add_to_sympathizer_list(actor=SECRETARY, occurred_on=date(2023, 3, 5)),
        "DATE_BEFORE_PREVIOUS_STEP",
    )
    assert "05/03/2023" in error.message_vi
    assert "06/03/2023" in error.message_en


def test_a_branch_resolution_dated_before_the_verification_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an,
        lambda: an.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=date(2023, 10, 13),
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", date(2023, 10, 13)),
            committee_resolution_required=True,
        ),
        "DATE_BEFORE_PREVIOUS_STEP",
    )


def test_a_case_opened_before_the_person_was_born_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        discovered(on=date(1998, 5, 9))
    assert refusal.value.code == "DATE_BEFORE_PREVIOUS_STEP"


@pytest.mark.parametrize("case_code", ["", "   ", "x" * 65])
def test_a_case_needs_a_case_code_of_1_to_64_characters(case_code: str) -> None:
    with refused(InvalidInput) as refusal:
        discovered(case_code=case_code)
    assert refusal.value.code == "CASE_CODE_INVALID"


def test_a_case_is_followed_by_a_branch_not_by_a_committee() -> None:
    with refused(InvalidInput) as refusal:
        Candidate.discover(
            id=discovered().id,
            tenant=TENANT,
            actor=SECRETARY,
            occurred_on=STORY.discovered,
            case_code="QC-2023-001",
            unit_id=OTHER_BRANCH_ID,
            unit_admits_candidates=False,
            person=AN,
        )
    assert refusal.value.code == "UNIT_DOES_NOT_ADMIT"


# --- documents ----------------------------------------------------------------------------------

UNDOCUMENTED: dict[str, tuple[Stage, Step]] = {
    "an awareness class without its certificate": (
        Stage.SYMPATHIZER,
        lambda c: c.record_awareness_certificate(actor=ORGANIZER, occurred_on=LATER, document=None),
    ),
    "an application without the application form (1-KNĐ)": (
        Stage.AWARENESS_TRAINED,
        lambda c: c.submit_application(
            actor=SECRETARY,
            occurred_on=LATER,
            document=None,
            personal_history=document("2-KNĐ", LATER),
        ),
    ),
    "an application without the personal history (2-KNĐ)": (
        Stage.AWARENESS_TRAINED,
        lambda c: c.submit_application(
            actor=SECRETARY,
            occurred_on=LATER,
            document=document("1-KNĐ", LATER),
            personal_history=None,
        ),
    ),
    "a sponsor without a letter (3-KNĐ)": (
        Stage.APPLIED,
        lambda c: c.add_sponsor(actor=SECRETARY, occurred_on=LATER, sponsor=BINH, document=None),
    ),
    "a Youth Union introduction without its resolution (4-KNĐ)": (
        Stage.APPLIED,
        lambda c: c.record_union_introduction(
            actor=SECRETARY,
            occurred_on=LATER,
            organization=MassOrganization.YOUTH_UNION,
            document=None,
        ),
    ),
    "comments without their summary (5-KNĐ)": (
        Stage.SPONSORED,
        lambda c: c.record_comments(
            actor=SECRETARY, occurred_on=LATER, source="Công đoàn", document=None
        ),
    ),
    "a verification without its conclusion": (
        Stage.SPONSORED,
        lambda c: c.record_background_verification(
            actor=ORGANIZER, occurred_on=LATER, passed=True, conclusion="Đạt", document=None
        ),
    ),
    "a branch resolution without its minutes (6-KNĐ)": (
        Stage.VERIFIED,
        lambda c: c.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=LATER,
            official_members=9,
            votes_for=9,
            document=None,
            committee_resolution_required=True,
        ),
    ),
    "a committee resolution without its text (8-KNĐ)": (
        Stage.BRANCH_RESOLVED,
        lambda c: c.record_committee_resolution(
            actor=ORGANIZER, occurred_on=LATER, committee_members=9, votes_for=9, document=None
        ),
    ),
    "an admission decision without the decision (9-KNĐ)": (
        Stage.COMMITTEE_RESOLVED,
        lambda c: c.record_admission_decision(
            actor=ORGANIZER,
            occurred_on=LATER,
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            calendar=CALENDAR,
            document=None,
        ),
    ),
    "a new-member class without its certificate": (
        Stage.PROBATIONARY,
        lambda c: c.record_new_member_class(actor=ORGANIZER, occurred_on=LATER, document=None),
    ),
    "a recognition vote without the branch's resolution": (
        Stage.PROBATIONARY,
        lambda c: c.record_recognition_vote(
            actor=SECRETARY,
            occurred_on=LATER,
            official_members=9,
            votes_for=9,
            calendar=CALENDAR,
            document=None,
        ),
    ),
    "a recognition without the decision": (
        Stage.RECOGNITION_VOTED,
        lambda c: c.record_recognition_decision(
            actor=ORGANIZER,
            occurred_on=LATER,
            calendar=CALENDAR,
            document=None,
            under_grassroots_committee=False,
        ),
    ),
    "a removal from the list without the decision": (
        Stage.PROBATIONARY,
        lambda c: c.remove_from_list(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.DISCIPLINE,
            explanation="Vi phạm tư cách",
            document=None,
        ),
    ),
    "an end of membership without the decision": (
        Stage.FULL_MEMBER,
        lambda c: c.end_membership(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.DISCIPLINE,
            explanation="Sàng lọc",
            document=None,
        ),
    ),
    "a transfer out without the transfer paper": (
        Stage.FULL_MEMBER,
        lambda c: c.transfer_out(
            actor=ORGANIZER, occurred_on=LATER, destination="Tỉnh ủy Bình Định", document=None
        ),
    ),
    "a move to another branch without the decision": (
        Stage.APPLIED,
        lambda c: c.move_to_unit(
            actor=ORGANIZER,
            occurred_on=LATER,
            unit_id=OTHER_BRANCH_ID,
            unit_admits_candidates=True,
            document=None,
        ),
    ),
}


@pytest.mark.parametrize("step", list(UNDOCUMENTED))
def test_a_step_without_the_document_that_backs_it_is_refused(step: str) -> None:
    stage, command = UNDOCUMENTED[step]
    case = candidate_at(stage)
    error = assert_refused(case, lambda: command(case), "DOCUMENT_REQUIRED")
    assert error.field == "document"


def test_a_refused_step_can_be_made_again_once_put_right() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    assert_refused(
        an,
        lambda: an.record_awareness_certificate(
            actor=ORGANIZER, occurred_on=STORY.awareness_certificate, document=None
        ),
        "DOCUMENT_REQUIRED",
    )
    an.record_awareness_certificate(
        actor=ORGANIZER,
        occurred_on=STORY.awareness_certificate,
        document=document("Giấy chứng nhận", STORY.awareness_certificate),
    )
    assert stage_of(an) is Stage.AWARENESS_TRAINED
    assert [type(e).__name__ for e in an.collect_events()][-1] == "AwarenessCertificateRecorded"


# --- a rejected command leaves no trace ---------------------------------------------------------

REFUSALS_AT_THE_BRANCH_MEETING: dict[str, tuple[Step, str]] = {
    "a step out of order": (
        lambda c: c.record_committee_resolution(
            actor=ORGANIZER,
            occurred_on=STORY.branch_resolution,
            committee_members=9,
            votes_for=9,
            document=document("8-KNĐ", STORY.branch_resolution),
        ),
        "STEP_OUT_OF_ORDER",
    ),
    "a date before the previous step": (
        lambda c: c.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=date(2023, 10, 1),
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", date(2023, 10, 1)),
            committee_resolution_required=True,
        ),
        "DATE_BEFORE_PREVIOUS_STEP",
    ),
    "a missing document": (
        lambda c: c.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=STORY.branch_resolution,
            official_members=9,
            votes_for=9,
            document=None,
            committee_resolution_required=True,
        ),
        "DOCUMENT_REQUIRED",
    ),
    "a broken rule": (
        lambda c: c.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=date(2024, 11, 6),
            official_members=9,
            votes_for=8,
            document=document("6-KNĐ", date(2024, 11, 6)),
            committee_resolution_required=True,
            youth_union_organisation=False,
        ),
        "DOSSIER_DOCUMENT_STALE",
    ),
    "impossible input": (
        lambda c: c.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=STORY.branch_resolution,
            official_members=9,
            votes_for=12,
            document=document("6-KNĐ", STORY.branch_resolution),
            committee_resolution_required=True,
            youth_union_organisation=False,
        ),
        "VOTE_COUNTS_INVALID",
    ),
}


@pytest.mark.parametrize("refusal", list(REFUSALS_AT_THE_BRANCH_MEETING))
def test_a_rejected_command_leaves_no_trace(refusal: str) -> None:
    an = candidate_at(Stage.VERIFIED)
    saved = an.collect_events()
    before = copy.deepcopy(state(an))
    command, code = REFUSALS_AT_THE_BRANCH_MEETING[refusal]
    with refused(DomainError) as error:
        command(an)
    assert error.value.code == code
    assert an.collect_events() == []
    assert an.version == len(saved)
    assert state(an) == before
    assert state(replayed(saved, Candidate)) == state(an)


UNSTATED: dict[str, tuple[Stage, Step, str]] = {
    "a helper without a name": (
        Stage.SYMPATHIZER,
        lambda c: c.assign_helper(actor=SECRETARY, occurred_on=LATER, member_name=" "),
        "HELPER_REQUIRED",
    ),
    "a test task without a description": (
        Stage.SYMPATHIZER,
        lambda c: c.assign_test_task(actor=SECRETARY, occurred_on=LATER, task=""),
        "TASK_REQUIRED",
    ),
    "a verification without its conclusion written down": (
        Stage.SPONSORED,
        lambda c: c.record_background_verification(
            actor=ORGANIZER,
            occurred_on=LATER,
            passed=True,
            conclusion="  ",
            document=document("Kết luận thẩm tra", LATER),
        ),
        "CONCLUSION_REQUIRED",
    ),
    "comments without saying whose": (
        Stage.SPONSORED,
        lambda c: c.record_comments(
            actor=SECRETARY, occurred_on=LATER, source=" ", document=document("5-KNĐ", LATER)
        ),
        "COMMENT_SOURCE_REQUIRED",
    ),
}


@pytest.mark.parametrize("step", list(UNSTATED))
def test_a_step_that_does_not_say_what_it_records_is_refused(step: str) -> None:
    stage, command, code = UNSTATED[step]
    case = candidate_at(stage)
    assert_refused(case, lambda: command(case), code, InvalidInput)
