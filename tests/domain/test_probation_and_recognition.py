"""Probation (thời kỳ dự bị): twelve months from the ceremony, with the new-member class; then
the branch votes on recognition (≥ 2/3) within 30 working days and the committee decides within 30
(+30). Full membership dates from the end of probation, even when the vote or decision is late.
Three failed branch votes send the case to the superior committee."""

from __future__ import annotations

from datetime import date

from domain.candidates import Candidate, Stage
from domain.errors import RuleViolation
from domain.values import DocumentRef
from tests.domain.builders import (
    CALENDAR,
    GRASSROOTS_COMMITTEE,
    ORGANIZER,
    SECRETARY,
    STORY,
    SUPERIOR_COMMITTEE,
    candidate_at,
    document,
    last_event,
    record_recognition_papers,
    stage_of,
)
from tests.domain.refusals import assert_refused

PROBATION_ENDS = date(2025, 1, 5)  # twelve months after the ceremony of 5 January 2024


def _probationary_with_class() -> Candidate:
    an = candidate_at(Stage.PROBATIONARY)
    an.record_new_member_class(
        actor=ORGANIZER,
        occurred_on=STORY.new_member_class,
        document=document("Giấy chứng nhận", STORY.new_member_class, issuer="Trung tâm Chính trị"),
    )
    record_recognition_papers(an, STORY.new_member_class)
    return an


def _vote(candidate: Candidate, on: date, votes_for: int = 8, official_members: int = 9) -> None:
    candidate.record_recognition_vote(
        actor=SECRETARY,
        occurred_on=on,
        official_members=official_members,
        votes_for=votes_for,
        calendar=CALENDAR,
        document=document("Nghị quyết đề nghị công nhận", on),
    )


def _recognize(
    candidate: Candidate,
    on: date,
    *,
    extension: DocumentRef | None = None,
    issuer: str = GRASSROOTS_COMMITTEE,
) -> None:
    candidate.record_recognition_decision(
        actor=ORGANIZER,
        occurred_on=on,
        calendar=CALENDAR,
        document=document("Quyết định công nhận", on, issuer=issuer),
        under_grassroots_committee=False,
        extension=extension,
    )


# --- probation ------------------------------------------------------------------------------------


def test_probation_ends_twelve_months_after_the_ceremony() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert an.ceremony_on == date(2024, 1, 5)
    assert an.probation_ends_on == PROBATION_ENDS


def test_probation_from_a_ceremony_on_29_february_ends_on_28_february() -> None:
    an = candidate_at(Stage.DECIDED)
    an.hold_admission_ceremony(
        actor=SECRETARY,
        occurred_on=date(2024, 2, 29),
        decision_received_on=date(2024, 2, 20),
        calendar=CALENDAR,
    )
    assert an.probation_ends_on == date(2025, 2, 28)
    an.record_new_member_class(
        actor=ORGANIZER,
        occurred_on=date(2024, 5, 15),
        document=document("Giấy chứng nhận", date(2024, 5, 15)),
    )
    record_recognition_papers(an, date(2024, 5, 15))
    assert_refused(an, lambda: _vote(an, date(2025, 2, 27)), "PROBATION_NOT_ENDED")
    _vote(an, date(2025, 2, 28))
    assert stage_of(an) is Stage.RECOGNITION_VOTED


def test_a_helper_may_be_assigned_to_a_probationary_member() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    an.assign_helper(actor=SECRETARY, occurred_on=date(2024, 1, 8), member_name="Lê Văn Cường")
    assert an.helpers[-1] == "Lê Văn Cường"
    assert stage_of(an) is Stage.PROBATIONARY


# --- the branch's recognition vote ----------------------------------------------------------------


def test_a_recognition_vote_before_probation_has_ended_is_refused() -> None:
    an = _probationary_with_class()
    error = assert_refused(
        an, lambda: _vote(an, date(2025, 1, 3)), "PROBATION_NOT_ENDED", RuleViolation
    )
    assert "05/01/2025" in error.message_en


def test_a_recognition_vote_without_the_new_member_class_is_refused() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert_refused(
        an, lambda: _vote(an, STORY.recognition_vote), "NEW_MEMBER_CLASS_MISSING", RuleViolation
    )


def test_a_recognition_vote_with_impossible_counts_is_refused() -> None:
    an = _probationary_with_class()
    assert_refused(
        an, lambda: _vote(an, STORY.recognition_vote, votes_for=10), "VOTE_COUNTS_INVALID"
    )


def test_a_recognition_vote_on_the_30th_working_day_after_probation_is_not_late() -> None:
    # Probation ended Sunday 5 January 2025; 6 Jan–24 Jan: 1–15, Tết, 3–21 Feb: 16–30.
    an = _probationary_with_class()
    _vote(an, date(2025, 2, 21))
    assert last_event(an)[1]["late"] is False


def test_a_recognition_vote_more_than_30_working_days_after_probation_is_recorded_as_late() -> None:
    an = _probationary_with_class()
    _vote(an, date(2025, 2, 24))
    name, recorded = last_event(an)
    assert name == "RecognitionVoted"
    assert recorded["late"] is True
    assert stage_of(an) is Stage.RECOGNITION_VOTED


def test_full_membership_dates_from_the_end_of_probation_even_when_decided_late() -> None:
    an = _probationary_with_class()
    _vote(an, date(2025, 2, 24))
    _recognize(an, date(2025, 3, 10))
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.full_member_since == PROBATION_ENDS
    assert last_event(an)[1]["full_member_since"] == PROBATION_ENDS


def test_a_failed_recognition_vote_is_recorded_and_probation_goes_on() -> None:
    an = _probationary_with_class()
    _vote(an, STORY.recognition_vote, votes_for=5)
    name, recorded = last_event(an)
    assert name == "RecognitionVoteFailed"
    assert (recorded["votes_for"], recorded["official_members"], recorded["attempt"]) == (5, 9, 1)
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.failed_recognition_votes == 1
    assert not an.escalated_to_superior


def test_the_branch_may_vote_again_after_a_failed_vote() -> None:
    an = _probationary_with_class()
    _vote(an, date(2025, 1, 10), votes_for=5)
    _vote(an, date(2025, 2, 10), votes_for=7)
    assert stage_of(an) is Stage.RECOGNITION_VOTED
    assert an.recognition_vote_on == date(2025, 2, 10)


def test_three_failed_votes_send_the_case_to_the_superior_committee() -> None:
    an = _probationary_with_class()
    for on in (date(2025, 1, 10), date(2025, 2, 10), date(2025, 3, 10)):
        _vote(an, on, votes_for=5)
    assert an.failed_recognition_votes == 3
    assert an.escalated_to_superior
    assert stage_of(an) is Stage.PROBATIONARY
    assert last_event(an)[1]["attempt"] == 3


def test_a_fourth_branch_vote_after_three_failures_is_refused() -> None:
    an = _probationary_with_class()
    for on in (date(2025, 1, 10), date(2025, 2, 10), date(2025, 3, 10)):
        _vote(an, on, votes_for=5)
    error = assert_refused(
        an, lambda: _vote(an, date(2025, 4, 10)), "RECOGNITION_VOTES_EXHAUSTED", RuleViolation
    )
    assert error.regulation is not None
    assert error.regulation.startswith("232-QĐ/TW, điểm 4.2c")  # the implementing regulation


def test_after_three_failed_votes_the_superior_committee_recognises_the_member() -> None:
    an = _probationary_with_class()
    for on in (date(2025, 1, 10), date(2025, 2, 10), date(2025, 3, 10)):
        _vote(an, on, votes_for=5)
    _recognize(an, date(2025, 4, 15), issuer=SUPERIOR_COMMITTEE)
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.full_member_since == PROBATION_ENDS


def test_without_a_branch_vote_or_three_failures_the_committee_cannot_recognise() -> None:
    an = _probationary_with_class()
    _vote(an, date(2025, 1, 10), votes_for=5)
    assert_refused(an, lambda: _recognize(an, date(2025, 2, 3)), "STEP_OUT_OF_ORDER")


# --- the recognition decision, 30 (+30) working days after the vote ---------------------------------
# Vote of Friday 10 January 2025: 13–24 Jan: 1–10, Tết, 3–28 Feb: 11–30 → due Friday 28 February;
# 3–28 Mar: 31–50, 31 Mar–4 Apr: 51–55, 7 Apr: Hùng Kings, 8–11 Apr: 56–59 → extended Monday 14 April.


def test_a_recognition_decision_on_the_30th_working_day_after_the_vote_is_on_time() -> None:
    an = candidate_at(Stage.RECOGNITION_VOTED)
    _recognize(an, date(2025, 2, 28))
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.exceptions == []


def test_a_recognition_decision_on_the_31st_working_day_without_extension_is_flagged_late() -> None:
    """29-QĐ/TW 4.3.1: the same term and the same review of responsibility as for admission;
    4.2b: membership still dates from the end of the twelve months."""
    an = candidate_at(Stage.RECOGNITION_VOTED)
    _recognize(an, date(2025, 3, 3))
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.full_member_since == PROBATION_ENDS
    (late,) = an.open_reviews
    assert (late.code, late.step, late.due_on) == (
        "RECOGNITION_DECISION_LATE",
        "recognition_decision",
        date(2025, 2, 28),
    )


def test_a_recognition_decision_with_an_extension_records_the_extension() -> None:
    an = candidate_at(Stage.RECOGNITION_VOTED)
    extension = document("Văn bản gia hạn", date(2025, 2, 25), issuer=SUPERIOR_COMMITTEE)
    _recognize(an, date(2025, 4, 14), extension=extension)
    assert stage_of(an) is Stage.FULL_MEMBER
    assert an.exceptions == [extension]
    assert last_event(an)[1]["extension"] == extension
    assert an.full_member_since == PROBATION_ENDS


def test_a_recognition_decision_after_60_working_days_with_an_extension_is_flagged_late() -> None:
    an = candidate_at(Stage.RECOGNITION_VOTED)
    extension = document("Văn bản gia hạn", date(2025, 2, 25), issuer=SUPERIOR_COMMITTEE)
    _recognize(an, date(2025, 4, 15), extension=extension)
    assert stage_of(an) is Stage.FULL_MEMBER
    (late,) = an.open_reviews
    assert late.code == "RECOGNITION_DECISION_LATE"
    assert "14/04/2025" in late.message_en
