"""How a case leaves the pipeline — rejected, withdrawn, removed from the list, membership ended,
transferred — how it moves within the tenant or arrives from another one, how a former member is
re-admitted (kết nạp lại), and how a wrongly recorded date or profile is corrected."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.candidates import Candidate, ExitReason, Stage
from domain.errors import InvalidInput, RuleViolation
from domain.ids import candidate_id
from domain.rules import AdmissionAuthority, LeavingReason, PriorMembership
from domain.values import DocumentRef
from tests.domain.builders import (
    AN,
    BRANCH_ID,
    CALENDAR,
    GRASSROOTS_COMMITTEE,
    ORGANIZER,
    OTHER_BRANCH_ID,
    SECRETARY,
    STORY,
    TENANT,
    born,
    candidate_at,
    consent,
    discovered,
    document,
    last_event,
    record_recognition_papers,
    replayed,
    stage_of,
    state,
)
from tests.domain.refusals import assert_refused, refused

LATER = date(2025, 6, 2)


# --- rejected, withdrawn ------------------------------------------------------------------------


def test_the_branch_rejects_a_candidate_who_does_not_qualify() -> None:
    an = candidate_at(Stage.VERIFIED)
    an.reject(
        actor=ORGANIZER,
        occurred_on=date(2023, 11, 6),
        reason=ExitReason.VOTE_FAILED,
        explanation="  Chi bộ không đủ hai phần ba tán thành  ",
        document=document("Biên bản họp chi bộ", date(2023, 11, 6)),
    )
    assert stage_of(an) is Stage.REJECTED
    assert an.stage.is_exit
    assert an.exit_reason is ExitReason.VOTE_FAILED
    name, recorded = last_event(an)
    assert name == "Rejected"
    assert recorded["explanation"] == "Chi bộ không đủ hai phần ba tán thành"


def test_a_candidate_may_still_be_rejected_after_the_decision_before_the_ceremony() -> None:
    an = candidate_at(Stage.DECIDED)
    an.reject(
        actor=ORGANIZER,
        occurred_on=date(2023, 12, 20),
        reason=ExitReason.DISCIPLINE,
        explanation="Vi phạm pháp luật sau khi có quyết định",
    )
    assert stage_of(an) is Stage.REJECTED


def test_a_rejection_without_a_reason_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an,
        lambda: an.reject(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.NOT_QUALIFIED,
            explanation="  ",
        ),
        "REASON_REQUIRED",
    )


def test_a_probationary_member_is_not_rejected() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert_refused(
        an,
        lambda: an.reject(
            actor=ORGANIZER,
            occurred_on=LATER,
            reason=ExitReason.NOT_QUALIFIED,
            explanation="Không đủ tư cách",
        ),
        "STEP_OUT_OF_ORDER",
    )


def test_a_candidate_withdraws_before_admission() -> None:
    an = candidate_at(Stage.APPLIED)
    an.withdraw(actor=SECRETARY, occurred_on=date(2023, 9, 20), explanation="Chuyển công tác")
    assert stage_of(an) is Stage.WITHDRAWN
    assert an.exit_reason is ExitReason.CANDIDATE_REQUEST


def test_a_candidate_may_withdraw_between_the_decision_and_the_ceremony() -> None:
    an = candidate_at(Stage.DECIDED)
    an.withdraw(actor=SECRETARY, occurred_on=date(2023, 12, 20), explanation="Xin rút")
    assert stage_of(an) is Stage.WITHDRAWN


def test_a_probationary_member_cannot_withdraw() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert_refused(
        an,
        lambda: an.withdraw(actor=SECRETARY, occurred_on=LATER, explanation="Xin rút"),
        "STEP_OUT_OF_ORDER",
    )


def test_a_rejected_candidate_cannot_be_put_back_on_the_sympathizer_list() -> None:
    an = candidate_at(Stage.DISCOVERED)
    an.reject(
        actor=SECRETARY,
        occurred_on=date(2023, 3, 10),
        reason=ExitReason.NOT_QUALIFIED,
        explanation="Chưa đủ tiêu chuẩn",
    )
    assert_refused(
        an,
        lambda: an.add_to_sympathizer_list(actor=SECRETARY, occurred_on=date(2023, 3, 20)),
        "STEP_OUT_OF_ORDER",
    )


# --- removed from the list, membership ended --------------------------------------------------------


def _remove(candidate: Candidate, on: date = LATER) -> None:
    candidate.remove_from_list(
        actor=ORGANIZER,
        occurred_on=on,
        reason=ExitReason.DISCIPLINE,
        explanation="Không đủ tư cách đảng viên",
        document=document("Quyết định xóa tên", on, issuer=GRASSROOTS_COMMITTEE),
    )


def _end_membership(candidate: Candidate, on: date = LATER) -> None:
    candidate.end_membership(
        actor=ORGANIZER,
        occurred_on=on,
        reason=ExitReason.DISCIPLINE,
        explanation="Sàng lọc đảng viên",
        document=document("Quyết định", on, issuer=GRASSROOTS_COMMITTEE),
    )


def test_a_probationary_member_who_does_not_qualify_is_removed_from_the_list() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    _remove(an, date(2024, 10, 1))
    assert stage_of(an) is Stage.REMOVED_FROM_LIST
    assert an.exit_reason is ExitReason.DISCIPLINE
    assert last_event(an)[0] == "RemovedFromList"


def test_a_member_recommended_for_recognition_may_still_be_removed_from_the_list() -> None:
    an = candidate_at(Stage.RECOGNITION_VOTED)
    _remove(an, date(2025, 1, 20))
    assert stage_of(an) is Stage.REMOVED_FROM_LIST


def test_a_candidate_not_yet_admitted_is_not_removed_from_the_list() -> None:
    an = candidate_at(Stage.VERIFIED)
    assert_refused(an, lambda: _remove(an), "STEP_OUT_OF_ORDER")


def test_a_full_member_is_not_removed_from_the_list() -> None:
    an = candidate_at(Stage.FULL_MEMBER)
    assert_refused(an, lambda: _remove(an), "STEP_OUT_OF_ORDER")


def test_a_full_members_membership_may_be_ended() -> None:
    an = candidate_at(Stage.FULL_MEMBER)
    _end_membership(an)
    assert stage_of(an) is Stage.MEMBERSHIP_ENDED
    assert an.full_member_since == date(2025, 1, 5)
    assert last_event(an)[0] == "MembershipEnded"


def test_only_a_full_members_membership_is_ended() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert_refused(an, lambda: _end_membership(an), "STEP_OUT_OF_ORDER")


# --- transfers ----------------------------------------------------------------------------------


def _transfer_out(candidate: Candidate, on: date = LATER, destination: str = "Tỉnh ủy") -> None:
    candidate.transfer_out(
        actor=ORGANIZER,
        occurred_on=on,
        destination=destination,
        document=document("Giấy giới thiệu chuyển sinh hoạt", on, issuer=GRASSROOTS_COMMITTEE),
    )


def test_a_sympathizer_who_moves_away_is_transferred_out_with_the_stage_reached() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    _transfer_out(an, date(2023, 5, 2), destination=" Đảng ủy Tập đoàn Dầu khí Việt Nam ")
    assert stage_of(an) is Stage.TRANSFERRED_OUT
    assert an.transferred_to == "Đảng ủy Tập đoàn Dầu khí Việt Nam"
    name, recorded = last_event(an)
    assert name == "TransferredOut"
    assert recorded["stage_at_transfer"] is Stage.SYMPATHIZER


def test_a_full_member_is_transferred_out() -> None:
    an = candidate_at(Stage.FULL_MEMBER)
    _transfer_out(an)
    assert stage_of(an) is Stage.TRANSFERRED_OUT


@pytest.mark.parametrize(
    "stage",
    [Stage.APPLIED, Stage.SPONSORED, Stage.VERIFIED, Stage.BRANCH_RESOLVED, Stage.DECIDED],
    ids=lambda stage: stage.value,
)
def test_a_case_in_the_middle_of_its_dossier_is_transferred_out_with_the_stage_reached(
    stage: Stage,
) -> None:
    """DOMAIN.md: "exits at any stage: transferred to another unit or tenant" — the dossier
    goes with the case (issue 13; before, only cases before the dossier or members moved)."""
    an = candidate_at(stage)
    _transfer_out(an)
    assert stage_of(an) is Stage.TRANSFERRED_OUT
    assert last_event(an)[1]["stage_at_transfer"] is stage


def test_a_closed_case_is_not_transferred_out() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    _transfer_out(an, date(2023, 5, 2))
    assert_refused(an, lambda: _transfer_out(an), "STEP_OUT_OF_ORDER")


def test_a_transfer_out_needs_a_destination() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    assert_refused(an, lambda: _transfer_out(an, destination="  "), "DESTINATION_REQUIRED")


def _receive(
    stage: Stage,
    *,
    ceremony_on: date | None = None,
    full_member_since: date | None = None,
    awareness_certificate: DocumentRef | None = None,
    new_member_class: DocumentRef | None = None,
    transfer_paper: DocumentRef | None = None,
) -> Candidate:
    on = date(2024, 6, 3)
    return Candidate.receive_transfer(
        id=candidate_id(TENANT, "CD-2024-007"),
        tenant=TENANT,
        actor=ORGANIZER,
        occurred_on=on,
        case_code="CD-2024-007",
        unit_id=BRANCH_ID,
        unit_admits_candidates=True,
        person=born(date(1996, 2, 14), full_name="Võ Thị Hạnh"),
        origin=" Đảng ủy Tổng công ty Điện lực miền Trung ",
        stage=stage,
        awareness_certificate=awareness_certificate,
        ceremony_on=ceremony_on,
        new_member_class=new_member_class,
        full_member_since=full_member_since,
        document=transfer_paper or document("Giấy giới thiệu sinh hoạt đảng", on),
    )


def test_a_probationary_member_transferred_in_completes_probation_here() -> None:
    hanh = _receive(
        Stage.PROBATIONARY,
        ceremony_on=date(2024, 1, 12),
        new_member_class=document("Giấy chứng nhận", date(2024, 3, 20)),
    )
    assert stage_of(hanh) is Stage.PROBATIONARY
    assert hanh.probation_ends_on == date(2025, 1, 12)
    record_recognition_papers(hanh, date(2025, 1, 13))
    hanh.record_recognition_vote(
        actor=SECRETARY,
        occurred_on=date(2025, 1, 15),
        official_members=9,
        votes_for=9,
        calendar=CALENDAR,
        document=document("Nghị quyết đề nghị công nhận", date(2025, 1, 15)),
    )
    hanh.record_recognition_decision(
        actor=ORGANIZER,
        occurred_on=date(2025, 2, 14),
        calendar=CALENDAR,
        document=document("Quyết định công nhận", date(2025, 2, 14)),
        under_grassroots_committee=False,
    )
    assert hanh.full_member_since == date(2025, 1, 12)
    events = hanh.collect_events()
    assert [type(event).__name__ for event in events][:2] == ["Discovered", "TransferredIn"]
    assert vars(events[1])["origin"] == "Đảng ủy Tổng công ty Điện lực miền Trung"
    assert state(replayed(events, Candidate)) == state(hanh)


def test_a_case_in_the_middle_of_its_dossier_is_not_received_without_its_dossier() -> None:
    with refused(InvalidInput) as refusal:
        _receive(
            Stage.SPONSORED,
            awareness_certificate=document("Giấy chứng nhận", date(2023, 8, 1)),
        )
    assert refusal.value.code == "DOSSIER_INCOMPLETE"


def test_a_closed_case_is_not_received() -> None:
    with refused(InvalidInput) as refusal:
        _receive(Stage.REJECTED)
    assert refusal.value.code == "STAGE_NOT_TRANSFERABLE"


def test_a_probationary_member_received_without_the_admission_date_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        _receive(Stage.PROBATIONARY)
    assert refusal.value.code == "CEREMONY_DATE_REQUIRED"


def test_a_full_member_received_without_the_date_of_full_membership_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        _receive(Stage.FULL_MEMBER, ceremony_on=date(2020, 5, 19))
    assert refusal.value.code == "FULL_MEMBER_DATE_REQUIRED"


def test_a_trained_sympathizer_received_without_the_certificate_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        _receive(Stage.AWARENESS_TRAINED)
    assert refusal.value.code == "DOCUMENT_REQUIRED"


def test_a_trained_sympathizer_received_with_the_certificate_keeps_it() -> None:
    certificate = document("Giấy chứng nhận", date(2023, 8, 1), issuer="Trung tâm Chính trị")
    hanh = _receive(Stage.AWARENESS_TRAINED, awareness_certificate=certificate)
    assert hanh.awareness_certificate == certificate
    assert stage_of(hanh) is Stage.AWARENESS_TRAINED


def _move(candidate: Candidate, unit_id: UUID = OTHER_BRANCH_ID, *, admits: bool = True) -> None:
    candidate.move_to_unit(
        actor=ORGANIZER,
        occurred_on=date(2023, 9, 20),
        unit_id=unit_id,
        unit_admits_candidates=admits,
        document=document("Quyết định chuyển sinh hoạt", date(2023, 9, 20)),
    )


def test_a_case_moves_to_another_branch_of_the_tenant_and_goes_on_there() -> None:
    an = candidate_at(Stage.SPONSORED)
    _move(an)
    assert an.unit_id == OTHER_BRANCH_ID
    assert stage_of(an) is Stage.SPONSORED
    name, recorded = last_event(an)
    assert (name, recorded["from_unit_id"], recorded["to_unit_id"]) == (
        "MovedToUnit",
        BRANCH_ID,
        OTHER_BRANCH_ID,
    )


def test_a_case_is_not_moved_to_the_branch_it_is_in() -> None:
    an = candidate_at(Stage.SPONSORED)
    assert_refused(an, lambda: _move(an, BRANCH_ID), "SAME_UNIT")


def test_a_case_is_not_moved_to_a_unit_that_follows_no_candidates() -> None:
    an = candidate_at(Stage.SPONSORED)
    assert_refused(an, lambda: _move(an, admits=False), "UNIT_DOES_NOT_ADMIT")


def test_a_closed_case_is_not_moved() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    _transfer_out(an, date(2023, 5, 2))
    assert_refused(an, lambda: _move(an), "STEP_OUT_OF_ORDER")


# --- re-admission (kết nạp lại) -------------------------------------------------------------------

LEFT_FOR_FAMILY_HARDSHIP = PriorMembership(
    left_on=date(2019, 6, 1),
    reason=LeavingReason.RESIGNED_FAMILY_HARDSHIP,
    readmitted_before=False,
)


@pytest.mark.parametrize(
    "reason",
    [
        LeavingReason.RESIGNED,
        LeavingReason.ABANDONED_ACTIVITIES,
        LeavingReason.SERIOUS_DISUNITY,
        LeavingReason.SERIOUS_CRIME,
        LeavingReason.CORRUPTION,
    ],
    ids=lambda reason: reason.value,
)
def test_a_former_member_who_left_for_a_barred_reason_is_refused_at_discovery(
    reason: LeavingReason,
) -> None:
    with refused(RuleViolation) as refusal:
        discovered(
            prior_membership=PriorMembership(
                left_on=date(2015, 3, 2), reason=reason, readmitted_before=False
            )
        )
    assert refusal.value.code == "READMISSION_NOT_ALLOWED"
    assert refusal.value.field == "prior_membership.reason"


def test_a_second_re_admission_is_refused_at_discovery() -> None:
    with refused(RuleViolation) as refusal:
        discovered(
            prior_membership=PriorMembership(
                left_on=date(2015, 3, 2),
                reason=LeavingReason.REMOVED_FROM_LIST,
                readmitted_before=True,
            )
        )
    assert refusal.value.code == "READMISSION_NOT_ALLOWED"
    assert refusal.value.field == "prior_membership.readmitted_before"


def test_a_re_admission_case_opened_before_the_person_left_is_refused() -> None:
    with refused(InvalidInput) as refusal:
        discovered(
            on=date(2019, 5, 31),
            prior_membership=LEFT_FOR_FAMILY_HARDSHIP,
        )
    assert refusal.value.code == "DATE_BEFORE_PREVIOUS_STEP"


def _resolve_readmission(candidate: Candidate, readmission_consent: DocumentRef | None) -> None:
    candidate.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=STORY.branch_resolution,
        official_members=9,
        votes_for=9,
        document=document("6-KNĐ", STORY.branch_resolution),
        committee_resolution_required=True,
        readmission_consent=readmission_consent,
        youth_union_organisation=False,
    )


def test_a_re_admission_less_than_36_months_after_leaving_is_refused_at_the_branch_meeting() -> (
    None
):
    left_recently = PriorMembership(
        left_on=date(2021, 1, 4),
        reason=LeavingReason.RESIGNED_FAMILY_HARDSHIP,
        readmitted_before=False,
    )
    an = candidate_at(Stage.VERIFIED, prior_membership=left_recently)
    error = assert_refused(
        an,
        lambda: _resolve_readmission(an, consent(date(2023, 10, 20))),
        "READMISSION_NOT_ALLOWED",
        RuleViolation,
    )
    assert error.field == "prior_membership.left_on"
    assert "04/01/2024" in error.message_en


def test_a_re_admission_exactly_36_months_after_leaving_is_accepted() -> None:
    left = PriorMembership(
        left_on=date(2020, 11, 6),
        reason=LeavingReason.EXPELLED,
        readmitted_before=False,
    )
    an = candidate_at(Stage.VERIFIED, prior_membership=left)
    _resolve_readmission(an, consent(date(2023, 10, 20)))
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_re_admission_without_the_provincial_standing_committees_consent_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED, prior_membership=LEFT_FOR_FAMILY_HARDSHIP)
    error = assert_refused(
        an, lambda: _resolve_readmission(an, None), "READMISSION_NOT_ALLOWED", RuleViolation
    )
    assert error.field == "readmission_consent"


def test_a_re_admission_meeting_every_condition_is_accepted_and_the_consent_recorded() -> None:
    an = candidate_at(Stage.VERIFIED, prior_membership=LEFT_FOR_FAMILY_HARDSHIP)
    provincial_consent = consent(date(2023, 10, 20))
    _resolve_readmission(an, provincial_consent)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.exceptions == [provincial_consent]
    assert last_event(an)[1]["exception_documents"] == [provincial_consent]


def test_a_re_admitted_member_goes_through_the_whole_procedure() -> None:
    an = candidate_at(Stage.FULL_MEMBER, prior_membership=LEFT_FOR_FAMILY_HARDSHIP)
    assert an.prior_membership == LEFT_FOR_FAMILY_HARDSHIP
    assert an.full_member_since == date(2025, 1, 5)


# --- corrections ----------------------------------------------------------------------------------


def test_correcting_the_ceremony_date_moves_the_end_of_probation_and_keeps_the_original() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    an.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2024, 2, 1),
        step="ceremony",
        corrected_date=date(2024, 1, 8),
        reason="Biên bản ghi ngày 08/01/2024; nhập nhầm",
        calendar=CALENDAR,
        document=document("Biên bản lễ kết nạp", date(2024, 1, 8)),
    )
    assert an.ceremony_on == date(2024, 1, 8)
    assert an.step_dates["ceremony"] == date(2024, 1, 8)
    assert an.probation_ends_on == date(2025, 1, 8)

    events = {type(event).__name__: vars(event) for event in an.collect_events()}
    assert events["AdmittedAtCeremony"]["occurred_on"] == date(2024, 1, 5)
    assert events["AdmittedAtCeremony"]["probation_ends_on"] == date(2025, 1, 5)
    assert events["StepDateCorrected"]["previous_date"] == date(2024, 1, 5)
    assert events["StepDateCorrected"]["corrected_date"] == date(2024, 1, 8)

    an.record_new_member_class(
        actor=ORGANIZER,
        occurred_on=date(2024, 4, 10),
        document=document("Giấy chứng nhận", date(2024, 4, 10)),
    )
    assert_refused(
        an,
        lambda: an.record_recognition_vote(
            actor=SECRETARY,
            occurred_on=date(2025, 1, 7),
            official_members=9,
            votes_for=9,
            calendar=CALENDAR,
            document=document("Nghị quyết đề nghị công nhận", date(2025, 1, 7)),
        ),
        "PROBATION_NOT_ENDED",
    )


def test_correcting_the_branch_resolution_date_moves_the_decision_deadline() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    an.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2023, 11, 25),
        step="branch_resolution",
        corrected_date=date(2023, 10, 30),
        reason="Nghị quyết chi bộ đề ngày 30/10/2023",
        calendar=CALENDAR,
    )
    assert an.branch_resolution_on == date(2023, 10, 30)
    # 60 working days from 30 October 2023 fall on 23 January 2024: 30 January is now late.
    an.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=date(2024, 1, 30),
        decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", date(2024, 1, 30)),
    )
    (late,) = an.flags
    assert (late.code, late.due_on) == ("ADMISSION_DECISION_LATE", date(2024, 1, 23))


def test_a_step_that_was_never_recorded_cannot_be_corrected() -> None:
    an = candidate_at(Stage.APPLIED)
    assert_refused(
        an,
        lambda: an.correct_step_date(
            actor=ORGANIZER,
            occurred_on=LATER,
            step="ceremony",
            corrected_date=date(2024, 1, 8),
            reason="Nhập nhầm",
            calendar=CALENDAR,
        ),
        "STEP_NOT_RECORDED",
    )


def test_a_correction_without_a_reason_is_refused() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert_refused(
        an,
        lambda: an.correct_step_date(
            actor=ORGANIZER,
            occurred_on=LATER,
            step="ceremony",
            corrected_date=date(2024, 1, 8),
            reason=" ",
            calendar=CALENDAR,
        ),
        "REASON_REQUIRED",
    )


def test_a_wrong_birth_date_corrected_before_the_branch_meeting_counts_at_the_meeting() -> None:
    an = candidate_at(Stage.VERIFIED, person=born(date(2006, 5, 10)))
    assert_refused(
        an,
        lambda: an.record_branch_resolution(
            actor=SECRETARY,
            occurred_on=STORY.branch_resolution,
            official_members=9,
            votes_for=9,
            document=document("6-KNĐ", STORY.branch_resolution),
            committee_resolution_required=True,
            youth_union_organisation=False,
        ),
        "AGE_OUT_OF_RANGE",
    )
    an.correct_profile(
        actor=ORGANIZER,
        occurred_on=date(2023, 11, 1),
        person=AN,
        reason="Năm sinh theo căn cước là 1998",
        calendar=CALENDAR,
        document=document("Căn cước công dân", date(2021, 4, 2), issuer="Công an tỉnh"),
    )
    assert an.person.birth_date == date(1998, 5, 10)
    assert last_event(an)[0] == "ProfileCorrected"
    an.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=STORY.branch_resolution,
        official_members=9,
        votes_for=9,
        document=document("6-KNĐ", STORY.branch_resolution),
        committee_resolution_required=True,
        youth_union_organisation=False,
    )
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_profile_correction_that_changes_nothing_is_refused() -> None:
    an = candidate_at(Stage.APPLIED)
    assert_refused(
        an,
        lambda: an.correct_profile(
            actor=ORGANIZER, occurred_on=LATER, person=AN, reason="Sửa", calendar=CALENDAR
        ),
        "NOTHING_TO_CORRECT",
    )


def test_a_corrected_decision_date_is_checked_against_the_day_the_decision_arrived() -> None:
    an = candidate_at(Stage.DECIDED)
    an.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2023, 12, 20),
        step="admission_decision",
        corrected_date=date(2023, 12, 19),
        reason="Quyết định ký ngày 19/12/2023",
        calendar=CALENDAR,
    )
    assert an.decision_on == date(2023, 12, 19)
    error = assert_refused(
        an,
        lambda: an.hold_admission_ceremony(
            actor=SECRETARY,
            occurred_on=date(2024, 1, 5),
            decision_received_on=date(2023, 12, 18),
            calendar=CALENDAR,
        ),
        "DATE_BEFORE_PREVIOUS_STEP",
    )
    assert error.field == "decision_received_on"


def test_a_correction_that_would_put_the_steps_out_of_order_is_refused() -> None:
    an = candidate_at(Stage.APPLIED)
    # the application cannot be corrected to before the sympathizer list (20/3/2023)
    assert_refused(
        an,
        lambda: an.correct_step_date(
            actor=ORGANIZER,
            occurred_on=LATER,
            step="application",
            corrected_date=date(2023, 3, 1),
            reason="Nhập nhầm",
            calendar=CALENDAR,
        ),
        "CORRECTION_OUT_OF_ORDER",
    )


def test_a_certificate_from_an_earlier_class_does_not_backdate_the_stage() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    an.record_awareness_certificate(
        actor=ORGANIZER,
        occurred_on=date(2021, 5, 20),  # a class attended at university, before the case
        document=document("Giấy chứng nhận", date(2021, 5, 20)),
    )
    assert an.stage is Stage.AWARENESS_TRAINED
    assert an.stage_since == STORY.helper  # the last step recorded before the certificate
    assert an.step_dates["awareness_certificate"] == date(2021, 5, 20)
