"""The real paths of the procedure, recorded instead of refused (issue 13): what happened is
recorded — a failed vote, a late decision, a redone paper — and flagged; only what cannot have
happened is refused.

- a vote below two thirds is a meeting that took place (Charter Art. 4; 01-HD/TW 3.6): it is
  recorded as failed, the case stays where it was, the result goes to the superior committee,
  and a later meeting may vote again;
- a decision past its term stands (29-QĐ/TW 4.3.1, the same in 24-, 232-, 294-QĐ/TW): "nếu để
  quá thời hạn trên mà không có lý do chính đáng thì phải kiểm điểm trách nhiệm trước cấp ủy cấp
  trên" — recorded, flagged late, the review of responsibility open until it is recorded; a
  ceremony past 30 working days without the superior's consent (4.1) likewise;
- papers older than 12 months "phải làm lại", an expired awareness certificate "phải học lại"
  (01-HD/TW): they are redone before the branch meeting, which then checks the current set.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from domain import rules
from domain.candidates import Candidate, ExitReason, Stage
from domain.deadlines import Deadline, next_deadline
from domain.errors import InvalidInput
from domain.rules import AdmissionAuthority, Sponsor
from domain.values import DocumentRef, MassOrganization
from tests.domain.builders import (
    BINH,
    CALENDAR,
    CUONG,
    GRASSROOTS_COMMITTEE,
    ORGANIZER,
    SECRETARY,
    STORY,
    SUPERIOR_COMMITTEE,
    Story,
    candidate_at,
    document,
    last_event,
    replayed,
    stage_of,
    state,
)
from tests.domain.refusals import assert_refused


def _branch_votes(
    candidate: Candidate,
    on: date,
    official_members: int,
    votes_for: int,
    *,
    youth_union_organisation: bool = False,
) -> None:
    candidate.record_branch_resolution(
        actor=SECRETARY,
        occurred_on=on,
        official_members=official_members,
        votes_for=votes_for,
        document=document("6-KNĐ", on),
        committee_resolution_required=True,
        youth_union_organisation=youth_union_organisation,
    )


def _committee_votes(candidate: Candidate, on: date, members: int, votes_for: int) -> None:
    candidate.record_committee_resolution(
        actor=ORGANIZER,
        occurred_on=on,
        committee_members=members,
        votes_for=votes_for,
        document=document("8-KNĐ", on, issuer=GRASSROOTS_COMMITTEE),
    )


# --- failed votes ---------------------------------------------------------------------------------


def test_a_branch_vote_of_9_of_15_is_recorded_as_failed_and_the_case_stays_verified() -> None:
    """Charter Art. 4 / 01-HD/TW 3.6b: below two thirds the branch proposes no admission — but
    the meeting took place and its result is reported upward; it used to be refused, unstored."""
    an = candidate_at(Stage.VERIFIED)
    _branch_votes(an, STORY.branch_resolution, 15, 9)
    assert stage_of(an) is Stage.VERIFIED
    assert an.failed_branch_votes == 1
    name, recorded = last_event(an)
    assert name == "BranchVoteFailed"
    assert (recorded["official_members"], recorded["votes_for"], recorded["attempt"]) == (15, 9, 1)
    assert recorded["document"].kind == "6-KNĐ"
    (failed,) = an.flags
    assert (failed.code, failed.step, failed.on) == (
        "VOTE_BELOW_TWO_THIRDS",
        "branch_resolution",
        STORY.branch_resolution,
    )
    assert "9/15 (60.00%)" in failed.message_en
    assert "superior committee" in failed.message_en
    assert "cấp ủy cấp trên" in failed.message_vi
    assert failed.regulation.startswith("Điều lệ Đảng (2011); 24-QĐ/TW")
    assert not failed.review_required
    assert an.step_dates["branch_vote_failed_1"] == STORY.branch_resolution


def test_a_further_branch_meeting_may_vote_again_and_pass_the_resolution() -> None:
    an = candidate_at(Stage.VERIFIED)
    _branch_votes(an, STORY.branch_resolution, 15, 9)
    _branch_votes(an, date(2023, 12, 4), 15, 11)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    assert an.branch_resolution_on == date(2023, 12, 4)
    assert an.failed_branch_votes == 1


def test_after_a_failed_branch_vote_the_case_may_be_rejected() -> None:
    an = candidate_at(Stage.VERIFIED)
    _branch_votes(an, STORY.branch_resolution, 15, 9)
    an.reject(
        actor=SECRETARY,
        occurred_on=date(2023, 11, 20),
        reason=ExitReason.VOTE_FAILED,
        explanation="Chi bộ không đủ hai phần ba tán thành",
    )
    assert stage_of(an) is Stage.REJECTED


def test_a_second_failed_branch_vote_is_attempt_two() -> None:
    an = candidate_at(Stage.VERIFIED)
    _branch_votes(an, STORY.branch_resolution, 15, 9)
    _branch_votes(an, date(2023, 12, 4), 15, 8)
    assert last_event(an)[1]["attempt"] == 2
    assert [flag.on for flag in an.flags] == [STORY.branch_resolution, date(2023, 12, 4)]


def test_a_committee_vote_of_5_of_9_is_recorded_as_failed_and_the_case_stays_branch_resolved() -> (
    None
):
    """Charter Art. 4: the grassroots committee needs two thirds of its members; 5 of 9 is a
    failed vote, recorded, reported upward; a later committee meeting may vote again."""
    an = candidate_at(Stage.BRANCH_RESOLVED)
    _committee_votes(an, STORY.committee_resolution, 9, 5)
    assert stage_of(an) is Stage.BRANCH_RESOLVED
    name, recorded = last_event(an)
    assert (name, recorded["committee_members"], recorded["votes_for"]) == (
        "CommitteeVoteFailed",
        9,
        5,
    )
    assert [flag.code for flag in an.flags] == ["VOTE_BELOW_TWO_THIRDS"]
    _committee_votes(an, date(2023, 11, 27), 9, 7)
    assert stage_of(an) is Stage.COMMITTEE_RESOLVED


def test_a_vote_that_cannot_have_happened_is_still_refused() -> None:
    """More votes in favour than members entitled to vote: nothing of that meeting is true."""
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an, lambda: _branch_votes(an, STORY.branch_resolution, 15, 16), "VOTE_COUNTS_INVALID"
    )
    an = candidate_at(Stage.BRANCH_RESOLVED)
    assert_refused(
        an, lambda: _committee_votes(an, STORY.committee_resolution, 0, 0), "VOTE_COUNTS_INVALID"
    )


# --- late decisions and ceremonies, and the review of responsibility -------------------------------

# Branch resolution Friday 6 May 2022: the decision was due 29 July 2022 (60 working days), 13
# September 2022 at the latest with an extension (90).
RESOLVED_IN_MAY_2022 = STORY.months_later(-18)


def _decide(candidate: Candidate, on: date, extension: DocumentRef | None = None) -> None:
    candidate.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=on,
        decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        unit_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
        calendar=CALENDAR,
        document=document("9-KNĐ", on, issuer=GRASSROOTS_COMMITTEE),
        extension=extension,
    )


def _review(candidate: Candidate, step: str, on: date) -> None:
    candidate.record_delay_review(
        actor=ORGANIZER,
        occurred_on=on,
        step=step,
        document=document("Biên bản kiểm điểm", on, issuer=SUPERIOR_COMMITTEE),
    )


def test_a_decision_on_03_10_2022_past_the_extension_is_recorded_and_flagged_late() -> None:
    """29-QĐ/TW 4.3.1: 60 working days, 30 more at most; past them without good reason the
    committee's responsibility is reviewed before the superior committee — the decision of
    03/10/2022 stands (it used to be refused and the case was stuck for good)."""
    an = candidate_at(Stage.COMMITTEE_RESOLVED, story=RESOLVED_IN_MAY_2022)
    extension = document("Văn bản gia hạn", date(2022, 7, 25), issuer=SUPERIOR_COMMITTEE)
    _decide(an, date(2022, 10, 3), extension)
    assert stage_of(an) is Stage.DECIDED
    assert an.decision_on == date(2022, 10, 3)
    assert an.exceptions == [extension]
    (late,) = an.open_reviews
    assert (late.code, late.step, late.on, late.due_on) == (
        "ADMISSION_DECISION_LATE",
        "admission_decision",
        date(2022, 10, 3),
        date(2022, 7, 29),
    )
    assert "13/09/2022" in late.message_en
    assert "kiểm điểm trách nhiệm" in late.message_vi
    assert late.regulation.startswith("24-QĐ/TW")
    name, recorded = last_event(an)
    assert name == "StepRecordedLate"
    assert recorded["document"].kind == "9-KNĐ"


def test_the_review_of_responsibility_closes_the_open_item_with_its_record() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED, story=RESOLVED_IN_MAY_2022)
    _decide(an, date(2022, 10, 3))
    _review(an, "admission_decision", date(2022, 11, 15))
    assert an.open_reviews == []
    (late,) = an.flags
    assert late.reviewed_on == date(2022, 11, 15)
    assert late.review_document is not None
    assert late.review_document.kind == "Biên bản kiểm điểm"
    assert last_event(an)[0] == "DelayReviewed"


def test_a_review_may_come_after_the_case_went_on() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED, story=RESOLVED_IN_MAY_2022)
    _decide(an, date(2022, 10, 3))
    an.hold_admission_ceremony(
        actor=SECRETARY,
        occurred_on=date(2022, 10, 14),
        decision_received_on=date(2022, 10, 5),
        calendar=CALENDAR,
    )
    _review(an, "admission_decision", date(2022, 12, 1))
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.open_reviews == []


def test_a_review_of_a_step_that_was_not_late_is_refused() -> None:
    an = candidate_at(Stage.DECIDED)
    error = assert_refused(
        an, lambda: _review(an, "admission_decision", date(2024, 1, 10)), "NO_DELAY_REVIEW_OPEN"
    )
    assert error.field == "step"


def test_a_review_dated_before_the_late_step_or_without_its_record_is_refused() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED, story=RESOLVED_IN_MAY_2022)
    _decide(an, date(2022, 10, 3))
    assert_refused(
        an,
        lambda: _review(an, "admission_decision", date(2022, 9, 30)),
        "DATE_BEFORE_PREVIOUS_STEP",
    )
    assert_refused(
        an,
        lambda: an.record_delay_review(
            actor=ORGANIZER, occurred_on=date(2022, 11, 1), step="admission_decision", document=None
        ),
        "DOCUMENT_REQUIRED",
    )


def test_a_ceremony_past_30_working_days_without_consent_is_recorded_with_its_review_open() -> None:
    """29-QĐ/TW 4.1: past 30 working days the branch reports and needs the superior's consent;
    a ceremony held without it admitted the member all the same — recorded, flagged late."""
    an = candidate_at(Stage.DECIDED)
    an.hold_admission_ceremony(
        actor=SECRETARY,
        occurred_on=date(2024, 2, 6),
        decision_received_on=STORY.decision_received,
        calendar=CALENDAR,
    )
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.probation_ends_on == date(2025, 2, 6)
    (late,) = an.open_reviews
    assert (late.code, late.due_on) == ("CEREMONY_LATE", date(2024, 1, 30))
    _review(an, "ceremony", date(2024, 3, 1))
    assert an.open_reviews == []


def test_a_late_recognition_vote_shows_as_a_flag_without_a_review() -> None:
    """Charter Art. 5 / 29-QĐ/TW 4.2b: a late branch meeting still recognises from the end of
    probation; the lateness is visible, no review is asked for."""
    an = candidate_at(
        Stage.RECOGNITION_VOTED,
        story=STORY.shifted(
            recognition_vote=date(2025, 3, 3), recognition_decision=date(2025, 3, 10)
        ),
    )
    (late,) = an.flags
    assert (late.code, late.step, late.review_required) == (
        "RECOGNITION_VOTE_LATE",
        "recognition_vote",
        False,
    )


# --- papers redone before the branch resolution ----------------------------------------------------

MEETING_A_YEAR_LATER = date(2024, 10, 7)  # the letters of 11/9/2023 are over 12 months old


def _redo_letter(
    candidate: Candidate, on: date, sponsor: Sponsor = BINH, replaces: str | None = None
) -> None:
    candidate.add_sponsor(
        actor=SECRETARY,
        occurred_on=on,
        sponsor=sponsor,
        document=document("3-KNĐ", on, issuer=sponsor.full_name),
        replaces=replaces if replaces is not None else sponsor.member_id,
    )


def test_a_sponsor_letter_over_12_months_old_is_redone_and_the_meeting_then_passes() -> None:
    """01-HD/TW: a letter older than 12 months when the branch considers the dossier "phải làm
    lại". The branch refuses the stale dossier; both sponsors write again; the case stays
    verified, and the meeting checks the new letters only (it used to be stuck for good)."""
    an = candidate_at(Stage.VERIFIED)
    an.record_comments(
        actor=SECRETARY,
        occurred_on=date(2024, 9, 20),
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", date(2024, 9, 20)),
    )
    an.record_comments(
        actor=SECRETARY,
        occurred_on=date(2024, 9, 20),
        source="Đoàn Thanh niên Công ty",
        document=document("5-KNĐ", date(2024, 9, 20)),
    )
    assert_refused(
        an, lambda: _branch_votes(an, MEETING_A_YEAR_LATER, 9, 8), "DOSSIER_DOCUMENT_STALE"
    )
    _redo_letter(an, date(2024, 9, 23))
    assert stage_of(an) is Stage.VERIFIED
    assert last_event(an)[0] == "SponsorReplaced"
    assert [r.letter.issued_on for r in an.sponsors] == [date(2024, 9, 23), STORY.sponsor_letters]
    assert_refused(
        an, lambda: _branch_votes(an, MEETING_A_YEAR_LATER, 9, 8), "DOSSIER_DOCUMENT_STALE"
    )
    _redo_letter(an, date(2024, 9, 24), CUONG)
    _branch_votes(an, MEETING_A_YEAR_LATER, 9, 8)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_replacement_sponsor_takes_the_place_of_one_who_left() -> None:
    """Charter Art. 4: a replacement sponsor (giới thiệu thay thế) is exempt from the 12 months."""
    an = candidate_at(Stage.VERIFIED)
    newcomer = dataclasses.replace(
        BINH,
        member_id="DV-2000",
        full_name="Hoàng Văn Em",
        together_since=date(2024, 5, 1),
        replacement=True,
    )
    _redo_letter(an, date(2024, 9, 23), newcomer, replaces=BINH.member_id)
    assert [r.sponsor.member_id for r in an.sponsors] == ["DV-2000", CUONG.member_id]
    assert last_event(an)[1]["replaced"] == BINH
    assert stage_of(an) is Stage.VERIFIED


def test_replacing_a_sponsor_the_case_does_not_have_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED)
    other = dataclasses.replace(BINH, member_id="DV-2000", full_name="Hoàng Văn Em")
    assert_refused(
        an,
        lambda: _redo_letter(an, date(2024, 9, 23), other, replaces="DV-9999"),
        "SPONSOR_NOT_FOUND",
        InvalidInput,
    )
    assert_refused(
        an,
        lambda: _redo_letter(an, date(2024, 9, 23), CUONG, replaces=BINH.member_id),
        "SPONSOR_DUPLICATE",
    )


def test_a_new_comment_summary_of_the_same_source_replaces_the_stale_one() -> None:
    """01-HD/TW: comment summaries over 12 months old are redone; the old 5-KNĐ of the same
    source is no longer checked (it used to be checked for ever)."""
    an = candidate_at(Stage.SPONSORED)
    an.record_comments(
        actor=SECRETARY,
        occurred_on=STORY.residence_comments,
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", date(2022, 10, 31)),
    )
    an.record_background_verification(
        actor=ORGANIZER,
        occurred_on=STORY.verification,
        passed=True,
        conclusion="Đạt",
        document=document("Kết luận thẩm tra", STORY.verification, issuer=GRASSROOTS_COMMITTEE),
    )
    assert_refused(
        an, lambda: _branch_votes(an, STORY.branch_resolution, 9, 8), "DOSSIER_DOCUMENT_STALE"
    )
    an.record_comments(
        actor=SECRETARY,
        occurred_on=date(2023, 10, 20),
        source="chi ủy khu dân cư  số 3",
        document=document("5-KNĐ", date(2023, 10, 20)),
    )
    assert last_event(an)[0] == "CommentSummaryReplaced"
    assert [c.document.issued_on for c in an.comments] == [date(2023, 10, 20)]
    _branch_votes(an, STORY.branch_resolution, 9, 8)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_new_union_resolution_replaces_the_stale_one() -> None:
    an = candidate_at(Stage.APPLIED)
    an.record_union_introduction(
        actor=SECRETARY,
        occurred_on=STORY.sponsor_letters,
        organization=MassOrganization.YOUTH_UNION,
        document=document("4-KNĐ", date(2022, 10, 20), issuer="Đoàn Thanh niên Công ty"),
    )
    an.add_sponsor(
        actor=SECRETARY,
        occurred_on=STORY.sponsor_letters,
        sponsor=BINH,
        document=document("3-KNĐ", STORY.sponsor_letters),
    )
    an.record_comments(
        actor=SECRETARY,
        occurred_on=STORY.residence_comments,
        source="Chi ủy khu dân cư số 3",
        document=document("5-KNĐ", STORY.residence_comments),
    )
    an.record_background_verification(
        actor=ORGANIZER,
        occurred_on=STORY.verification,
        passed=True,
        conclusion="Đạt",
        document=document("Kết luận thẩm tra", STORY.verification, issuer=GRASSROOTS_COMMITTEE),
    )
    assert_refused(
        an,
        lambda: _branch_votes(an, STORY.branch_resolution, 9, 8, youth_union_organisation=True),
        "DOSSIER_DOCUMENT_STALE",
    )
    an.record_union_introduction(
        actor=SECRETARY,
        occurred_on=date(2023, 10, 25),
        organization=MassOrganization.YOUTH_UNION,
        document=document("4-KNĐ", date(2023, 10, 25), issuer="Đoàn Thanh niên Công ty"),
        replaces_earlier=True,
    )
    assert stage_of(an) is Stage.VERIFIED
    assert last_event(an)[0] == "UnionIntroductionReplaced"
    _branch_votes(an, STORY.branch_resolution, 9, 8, youth_union_organisation=True)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_replacing_a_union_resolution_the_case_does_not_have_is_refused() -> None:
    an = candidate_at(Stage.VERIFIED)
    assert_refused(
        an,
        lambda: an.record_union_introduction(
            actor=SECRETARY,
            occurred_on=date(2024, 1, 5),
            organization=MassOrganization.YOUTH_UNION,
            document=document("4-KNĐ", date(2024, 1, 5)),
            replaces_earlier=True,
        ),
        "UNION_INTRODUCTION_NOT_FOUND",
    )


A_CASE_FROM_2018 = STORY.shifted(
    discovered=date(2018, 3, 5),
    sympathizer=date(2018, 3, 19),
    helper=date(2018, 3, 20),
    awareness_certificate=date(2018, 6, 15),
)


def test_an_expired_awareness_certificate_is_renewed_at_verified_without_moving_back() -> None:
    """01-HD/TW: the certificate is valid 60 months; past them the candidate "phải học lại".
    The renewed certificate is recorded at the stage the case has reached (it could only be
    recorded at the sympathizer stage, so the case was stuck)."""
    an = candidate_at(Stage.VERIFIED, story=A_CASE_FROM_2018)
    assert_refused(
        an,
        lambda: _branch_votes(an, STORY.branch_resolution, 9, 8),
        "AWARENESS_CERTIFICATE_EXPIRED",
    )
    an.record_awareness_certificate(
        actor=ORGANIZER,
        occurred_on=date(2023, 10, 27),
        document=document("Giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng", date(2023, 10, 27)),
    )
    assert stage_of(an) is Stage.VERIFIED
    assert last_event(an)[0] == "AwarenessCertificateRenewed"
    assert an.awareness_certificate is not None
    assert an.awareness_certificate.issued_on == date(2023, 10, 27)
    _branch_votes(an, STORY.branch_resolution, 9, 8)
    assert stage_of(an) is Stage.BRANCH_RESOLVED


def test_a_renewed_certificate_older_than_the_current_one_is_refused() -> None:
    an = candidate_at(Stage.APPLIED)
    assert_refused(
        an,
        lambda: an.record_awareness_certificate(
            actor=ORGANIZER,
            occurred_on=date(2023, 6, 1),
            document=document("Giấy chứng nhận", date(2023, 6, 1)),
        ),
        "CERTIFICATE_NOT_NEWER",
    )


def test_papers_are_redone_after_a_failed_branch_vote_too() -> None:
    an = candidate_at(Stage.VERIFIED)
    _branch_votes(an, STORY.branch_resolution, 15, 9)
    _redo_letter(an, date(2023, 11, 20))
    assert stage_of(an) is Stage.VERIFIED


def test_no_paper_is_redone_once_the_branch_has_resolved() -> None:
    an = candidate_at(Stage.BRANCH_RESOLVED)
    assert_refused(an, lambda: _redo_letter(an, date(2023, 11, 20)), "STEP_OUT_OF_ORDER")


# --- the deadline read model sees a dossier going stale ---------------------------------------------


def test_a_verified_case_whose_sponsor_letters_pass_12_months_is_overdue_from_the_next_day() -> (
    None
):
    """The deadline used to follow the certificate only (due 2028): a dossier whose letters
    went stale showed as not overdue."""
    an = candidate_at(Stage.VERIFIED)
    deadline = next_deadline(an, CALENDAR)
    assert deadline == Deadline("branch_resolution", date(2024, 9, 11), None, rules.DOSSIER_FRESH)
    assert deadline.is_overdue(date(2024, 9, 12))
    _redo_letter(an, date(2024, 9, 23))
    _redo_letter(an, date(2024, 9, 23), CUONG)
    # the comment summaries of October 2023 are now the oldest papers
    assert next_deadline(an, CALENDAR) == Deadline(
        "branch_resolution", date(2024, 10, 2), None, rules.DOSSIER_FRESH
    )


def test_a_case_whose_certificate_expires_before_its_papers_is_due_at_the_certificates_end() -> (
    None
):
    an = candidate_at(
        Stage.VERIFIED, story=Story().shifted(awareness_certificate=date(2019, 1, 10))
    )
    assert next_deadline(an, CALENDAR) == Deadline(
        "branch_resolution", date(2024, 1, 10), None, rules.AWARENESS_CERTIFICATE
    )


# --- the history replays ----------------------------------------------------------------------------


def test_a_case_with_every_recorded_path_replays_to_the_same_state() -> None:
    an = candidate_at(Stage.VERIFIED)
    _branch_votes(an, STORY.branch_resolution, 15, 9)
    _redo_letter(an, date(2023, 11, 20))
    an.record_awareness_certificate(
        actor=ORGANIZER,
        occurred_on=date(2023, 11, 21),
        document=document("GCN", date(2023, 11, 21)),
    )
    _branch_votes(an, date(2023, 12, 4), 15, 12)
    _committee_votes(an, date(2023, 12, 11), 9, 4)
    _committee_votes(an, date(2023, 12, 18), 9, 8)
    _decide(an, date(2024, 4, 1))
    _review(an, "admission_decision", date(2024, 4, 20))
    again = replayed(an.collect_events(), Candidate)
    assert state(again) == state(an)
    assert [flag.code for flag in again.flags] == [
        "VOTE_BELOW_TWO_THIRDS",
        "VOTE_BELOW_TWO_THIRDS",
        "ADMISSION_DECISION_LATE",
    ]
