"""Corrections (đính chính) are checked by the same rules as the steps they correct.

A correction of a step's date or of the candidate's personal data is a new event; the original
stays in the history. Every rule the corrected value takes part in is judged again on the
business dates of the steps already recorded — the age at the branch meeting, the education
level, the validity of the awareness certificate and the freshness of the dossier, the
deadlines of the decision and the ceremony, the end of probation — and the correction is
refused, or recorded with its flag, exactly as the step itself would have been
(docs/regulations.md, "Corrections").
"""

from __future__ import annotations

from datetime import date

from domain.candidates import Candidate, Stage
from domain.checklist import FLAGGED_ON_CORRECTION, FieldChange, Finding
from domain.errors import RuleViolation
from domain.values import EducationLevel
from tests.domain.builders import (
    AN,
    CALENDAR,
    ORGANIZER,
    STORY,
    born,
    candidate_at,
    last_event,
)
from tests.domain.refusals import assert_refused

CORRECTED_ON = date(2025, 6, 2)


def _move(case: Candidate, step: str, to: date) -> None:
    case.correct_step_date(
        actor=ORGANIZER,
        occurred_on=CORRECTED_ON,
        step=step,
        corrected_date=to,
        reason="Nhập nhầm ngày",
        calendar=CALENDAR,
    )


def _correct(case: Candidate, **person: object) -> None:
    case.correct_profile(
        actor=ORGANIZER,
        occurred_on=CORRECTED_ON,
        person=born(person.pop("birth_date", AN.birth_date), **person),  # type: ignore[arg-type]
        reason="Theo căn cước công dân",
        calendar=CALENDAR,
    )


# --- the age at the branch meeting (Charter Art. 4; implementing regulation, point 3.1) -----------


def test_moving_the_branch_resolution_to_a_day_the_candidate_was_17_years_11_months_is_refused() -> (
    None
):
    """The age rule counts months on the branch meeting's date: 18 full years at the meeting.
    Born 6/11/2005, An is 18 on the meeting of 6/11/2023; on 31/10/2023 he was 17 years and 11
    months, so a correction moving the meeting there is refused like the meeting itself."""
    an = candidate_at(Stage.BRANCH_RESOLVED, person=born(date(2005, 11, 6)))
    error = assert_refused(
        an,
        lambda: _move(an, "branch_resolution", date(2023, 10, 31)),
        "AGE_OUT_OF_RANGE",
        RuleViolation,
    )
    assert "17 years 11 months" in error.message_en
    assert "Không thể đính chính" in error.message_vi
    assert error.regulation is not None
    assert "24-QĐ/TW" in error.regulation


def test_a_birth_date_of_2010_corrected_after_the_branch_resolution_is_refused() -> None:
    """A profile correction of the birth date is judged on the branch meeting already held: born
    in 2010, the candidate was 13 on 6/11/2023, which the meeting could not have accepted."""
    an = candidate_at(Stage.DECIDED)
    error = assert_refused(
        an,
        lambda: _correct(an, birth_date=date(2010, 1, 1)),
        "AGE_OUT_OF_RANGE",
        RuleViolation,
    )
    assert "13 years" in error.message_en


def test_a_birth_date_corrected_within_the_age_range_after_the_meeting_is_accepted() -> None:
    an = candidate_at(Stage.DECIDED)
    _correct(an, birth_date=date(1998, 6, 10))
    assert an.person.birth_date == date(1998, 6, 10)


def test_a_birth_date_after_the_first_step_of_the_case_is_refused() -> None:
    an = candidate_at(Stage.SYMPATHIZER)
    assert_refused(
        an, lambda: _correct(an, birth_date=date(2023, 4, 1)), "DATE_BEFORE_PREVIOUS_STEP"
    )


# --- education (implementing regulation, point 3.2) -----------------------------------------------


def test_education_corrected_below_lower_secondary_after_the_branch_meeting_is_refused() -> None:
    """The branch meeting needs a lower-secondary diploma (primary only with a recorded exception
    for a special area); a correction cannot bring the level below what the meeting accepted."""
    an = candidate_at(Stage.BRANCH_RESOLVED)
    assert_refused(
        an,
        lambda: _correct(an, education=EducationLevel.PRIMARY),
        "EDUCATION_INSUFFICIENT",
        RuleViolation,
    )


def test_education_corrected_before_the_branch_meeting_waits_for_the_meeting() -> None:
    """Before the meeting no step has judged the education level: the correction is recorded and
    the meeting will judge it (the checklist already says so)."""
    an = candidate_at(Stage.VERIFIED)
    _correct(an, education=EducationLevel.PRIMARY)
    checklist = an.checklist(STORY.branch_resolution, CALENDAR, youth_union_organisation=False)
    assert [v.code for v in checklist.violations] == ["EDUCATION_INSUFFICIENT"]


# --- the awareness certificate (60 months) and the dossier (12 months) ----------------------------


def test_an_awareness_certificate_moved_more_than_60_months_before_the_meeting_is_refused() -> None:
    """The certificate is valid 60 months on the branch meeting's date: moved to 1/6/2018 it had
    expired on 1/6/2023, before the meeting of 6/11/2023 ("phải học lại")."""
    an = candidate_at(Stage.BRANCH_RESOLVED)
    assert_refused(
        an,
        lambda: _move(an, "awareness_certificate", date(2018, 6, 1)),
        "AWARENESS_CERTIFICATE_EXPIRED",
        RuleViolation,
    )


def test_a_corrected_certificate_date_is_the_date_the_rules_read_afterwards() -> None:
    an = candidate_at(Stage.VERIFIED)
    _move(an, "awareness_certificate", date(2018, 6, 1))  # no meeting yet: nothing judged
    assert an.awareness_certificate is not None
    assert an.awareness_certificate.issued_on == date(2018, 6, 1)
    checklist = an.checklist(STORY.branch_resolution, CALENDAR, youth_union_organisation=False)
    assert [v.code for v in checklist.violations] == ["AWARENESS_CERTIFICATE_EXPIRED"]


def test_a_branch_meeting_moved_a_year_after_the_sponsor_letters_is_refused_for_both() -> None:
    """Sponsor letters older than 12 months at the meeting must be redone (01-HD/TW): moving the
    meeting to 12/9/2024 makes both letters of 11/9/2023 stale; both are named."""
    an = candidate_at(Stage.BRANCH_RESOLVED)
    error = assert_refused(
        an,
        lambda: _move(an, "branch_resolution", date(2024, 9, 12)),
        "DOSSIER_DOCUMENT_STALE",
        RuleViolation,
    )
    assert "Trần Thị Bình" in error.message_en
    assert "Lê Văn Cường" in error.message_en


# --- deadlines --------------------------------------------------------------------------------


def test_an_admission_decision_moved_past_60_working_days_is_recorded_and_flagged_as_the_decision_would_be() -> (
    None
):
    """The decision comes within 60 working days of the branch resolution (90 with an extension
    document); a later decision is recorded, flagged late and its delay reviewed (29-QĐ/TW
    4.3.1), so a correction making it late is recorded with the same flag and review."""
    assert "ADMISSION_DECISION_LATE" in FLAGGED_ON_CORRECTION
    an = candidate_at(Stage.DECIDED)
    _move(an, "admission_decision", date(2024, 3, 1))
    assert an.step_dates["admission_decision"] == date(2024, 3, 1)
    [flag] = [f for f in an.case_flags(CALENDAR) if f.code == "ADMISSION_DECISION_LATE"]
    assert flag.review_required
    assert flag.reviewed_on is None
    assert [f.step for f in an.open_reviews] == ["admission_decision"]


def test_a_ceremony_moved_past_30_working_days_after_the_decision_arrived_is_recorded_late() -> (
    None
):
    """The ceremony comes within 30 working days of the day the decision arrived (18/12/2023);
    later only with the superior committee's consent, which this case does not have: recorded,
    flagged late, the delay reviewed (29-QĐ/TW 4.1; the review is this system's choice)."""
    an = candidate_at(Stage.PROBATIONARY)
    _move(an, "ceremony", date(2024, 3, 1))
    assert an.ceremony_on == date(2024, 3, 1)
    assert "CEREMONY_LATE" in [f.code for f in an.case_flags(CALENDAR)]
    assert [f.step for f in an.open_reviews] == ["ceremony"]


def test_a_ceremony_cannot_be_moved_before_the_decision_arrived() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    assert_refused(
        an, lambda: _move(an, "ceremony", date(2023, 12, 16)), "DATE_BEFORE_PREVIOUS_STEP"
    )


# --- probation and recognition (Charter Art. 5) -----------------------------------------------


def test_a_ceremony_moved_so_that_the_recognition_vote_falls_before_probation_ends_is_refused() -> (
    None
):
    """Probation lasts 12 months from the ceremony; the branch votes only after it. Moving the
    ceremony from 5/1/2024 to 12/1/2024 would end probation on 12/1/2025, after the vote of
    10/1/2025 already recorded."""
    an = candidate_at(Stage.RECOGNITION_VOTED)
    error = assert_refused(
        an,
        lambda: _move(an, "ceremony", date(2024, 1, 12)),
        "PROBATION_NOT_ENDED",
        RuleViolation,
    )
    assert "12/01/2025" in error.message_en


def test_a_corrected_ceremony_moves_the_end_of_probation_and_full_membership() -> None:
    """Full membership dates from the end of probation, 12 months after the ceremony."""
    an = candidate_at(Stage.FULL_MEMBER)
    _move(an, "ceremony", date(2024, 1, 3))
    assert an.probation_ends_on == date(2025, 1, 3)
    assert an.full_member_since == date(2025, 1, 3)


def test_a_recognition_vote_moved_late_is_recorded_and_flagged() -> None:
    """A vote later than 30 working days after probation ends is not refused (membership still
    dates from probation's end) but flagged late: so is a correction that makes it late."""
    an = candidate_at(Stage.RECOGNITION_VOTED)
    _move(an, "recognition_vote", date(2025, 3, 20))
    name, recorded = last_event(an)
    assert name == "StepDateCorrected"
    flags: tuple[Finding, ...] = recorded["flags"]
    assert [f.code for f in flags] == ["RECOGNITION_VOTE_LATE"]
    assert "20/03/2025" in flags[0].message_en
    assert [f.code for f in an.case_flags(CALENDAR)] == ["RECOGNITION_VOTE_LATE"]


def test_a_recognition_vote_moved_before_probation_ends_is_refused() -> None:
    an = candidate_at(Stage.RECOGNITION_VOTED)
    assert_refused(
        an,
        lambda: _move(an, "recognition_vote", date(2025, 1, 3)),
        "PROBATION_NOT_ENDED",
        RuleViolation,
    )


# --- what the correction records --------------------------------------------------------------


def test_a_profile_correction_records_each_field_with_its_value_before_and_after() -> None:
    an = candidate_at(Stage.APPLIED, person=born(date(2006, 5, 10)))
    _correct(an, birth_date=date(1998, 5, 10), identity_number="001098000123")
    name, recorded = last_event(an)
    assert name == "ProfileCorrected"
    assert recorded["changes"] == (
        FieldChange("birth_date", "2006-05-10", "1998-05-10"),
        FieldChange("identity_number", "", "001098000123"),
    )


def test_a_step_date_correction_without_flags_records_none() -> None:
    an = candidate_at(Stage.PROBATIONARY)
    _move(an, "ceremony", date(2024, 1, 8))
    assert last_event(an)[1]["flags"] == ()
