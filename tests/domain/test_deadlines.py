"""The term set for a case's next step (domain/deadlines.py) and the case's business-time
timeline (stage and unit on any date), on the story of tests/domain/builders.py."""

from __future__ import annotations

from datetime import date

from domain import rules
from domain.candidates import Stage
from domain.deadlines import Deadline, deadline_in_stage, next_deadline
from domain.working_days import WorkingCalendar
from tests.domain.builders import (
    BRANCH_ID,
    CALENDAR,
    ORGANIZER,
    OTHER_BRANCH_ID,
    SECRETARY,
    STORY,
    candidate_at,
    document,
)


def test_after_the_branch_resolution_the_decision_is_due_in_60_working_days_90_at_most() -> None:
    # Branch resolution Monday 6/11/2023: 60 working days (New Year's Day skipped) end on
    # Tuesday 30/1/2024; 30 more, across Tết (8–14/2/2024), end on Tuesday 19/3/2024.
    expected = Deadline(
        "admission_decision",
        date(2024, 1, 30),
        date(2024, 3, 19),
        rules.ADMISSION_DECISION_DEADLINE,
    )
    assert next_deadline(candidate_at(Stage.BRANCH_RESOLVED), CALENDAR) == expected
    # the committee's own resolution does not restart the term
    assert next_deadline(candidate_at(Stage.COMMITTEE_RESOLVED), CALENDAR) == expected


def test_the_ceremony_is_due_30_working_days_after_the_decision_and_tet_does_not_count() -> None:
    # Decision Friday 26/1/2024. Working days: 29/1–2/2: 1–5, 5–7/2: 6–8, 8–14/2 Tết,
    # 15–16/2: 9–10, 19/2–15/3: 11–30 → Friday 15/3/2024 (a week later than without Tết).
    case = candidate_at(Stage.DECIDED, story=STORY.shifted(admission_decision=date(2024, 1, 26)))
    deadline = next_deadline(case, CALENDAR)
    assert deadline == Deadline("ceremony", date(2024, 3, 15), None, rules.CEREMONY_DEADLINE)
    assert not deadline.is_overdue(date(2024, 3, 15))
    assert deadline.is_overdue(date(2024, 3, 18))


def test_the_branch_considers_recognition_within_30_working_days_after_probation() -> None:
    # Ceremony 5/1/2024 → probation ends 5/1/2025; 6–24/1: 1–15, 27–31/1 Tết 2025,
    # 3–21/2: 16–30 → Friday 21/2/2025.
    deadline = next_deadline(candidate_at(Stage.PROBATIONARY), CALENDAR)
    assert deadline == Deadline(
        "recognition_vote", date(2025, 2, 21), None, rules.RECOGNITION_VOTE_DEADLINE
    )


def test_the_recognition_decision_is_due_30_working_days_after_the_vote_60_at_most() -> None:
    # Vote 10/1/2025: 13–24/1: 1–10, Tết, 3–28/2: 11–30 → 28/2/2025; 30 more, skipping the
    # Hùng Kings' day (Monday 7/4/2025) → Monday 14/4/2025.
    deadline = next_deadline(candidate_at(Stage.RECOGNITION_VOTED), CALENDAR)
    assert deadline == Deadline(
        "recognition_decision",
        date(2025, 2, 28),
        date(2025, 4, 14),
        rules.RECOGNITION_DECISION_DEADLINE,
    )


def test_the_branch_must_resolve_while_the_awareness_certificate_is_valid() -> None:
    # certificate of 15/6/2023, valid 60 months; no paper of the dossier yet
    expected = Deadline("branch_resolution", date(2028, 6, 15), None, rules.AWARENESS_CERTIFICATE)
    for stage in (Stage.AWARENESS_TRAINED, Stage.APPLIED):
        assert next_deadline(candidate_at(stage), CALENDAR) == expected


def test_the_branch_must_resolve_while_the_oldest_paper_of_the_dossier_is_within_12_months() -> (
    None
):
    """01-HD/TW: a sponsor letter, union resolution or comment summary older than 12 months when
    the branch considers the dossier must be redone — the letters of 11/9/2023 expire first."""
    expected = Deadline("branch_resolution", date(2024, 9, 11), None, rules.DOSSIER_FRESH)
    for stage in (Stage.SPONSORED, Stage.VERIFIED):
        deadline = next_deadline(candidate_at(stage), CALENDAR)
        assert deadline == expected
        assert not deadline.is_overdue(date(2024, 9, 11))
        assert deadline.is_overdue(date(2024, 9, 12))


def test_stages_without_a_term_have_no_deadline() -> None:
    for stage in (Stage.DISCOVERED, Stage.SYMPATHIZER, Stage.FULL_MEMBER):
        assert next_deadline(candidate_at(stage), CALENDAR) is None
    case = candidate_at(Stage.SYMPATHIZER)
    case.withdraw(actor=SECRETARY, occurred_on=date(2023, 4, 3), explanation="Xin rút")
    assert next_deadline(case, CALENDAR) is None


def test_a_declared_day_off_moves_the_deadline() -> None:
    bridge = WorkingCalendar(extra_days_off=frozenset({date(2024, 3, 15)}))
    case = candidate_at(Stage.DECIDED, story=STORY.shifted(admission_decision=date(2024, 1, 26)))
    deadline = next_deadline(case, bridge)
    assert deadline is not None
    assert deadline.due_on == date(2024, 3, 18)


def test_a_past_stage_keeps_the_deadline_it_had() -> None:
    case = candidate_at(Stage.PROBATIONARY)
    deadline = deadline_in_stage(case, Stage.BRANCH_RESOLVED, CALENDAR)
    assert deadline is not None
    assert deadline.due_on == date(2024, 1, 30)
    assert case.decision_on is not None
    assert case.decision_on <= deadline.due_on


def test_a_corrected_branch_resolution_date_moves_the_decision_deadline() -> None:
    case = candidate_at(Stage.BRANCH_RESOLVED)
    case.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2023, 11, 10),
        step="branch_resolution",
        corrected_date=date(2023, 11, 3),
        reason="Nhập nhầm ngày họp chi bộ",
        calendar=CALENDAR,
    )
    deadline = next_deadline(case, CALENDAR)
    # one working day earlier: Friday 3/11 instead of Monday 6/11
    assert deadline is not None
    assert deadline.due_on == date(2024, 1, 29)


# --- the business-time timeline --------------------------------------------------------------


def test_the_stage_timeline_lists_each_stage_from_the_day_it_was_entered() -> None:
    case = candidate_at(Stage.SPONSORED)
    assert case.stage_timeline() == [
        (Stage.DISCOVERED, STORY.discovered),
        (Stage.SYMPATHIZER, STORY.sympathizer),
        (Stage.AWARENESS_TRAINED, STORY.awareness_certificate),
        (Stage.APPLIED, STORY.application),
        (Stage.SPONSORED, STORY.sponsor_letters),
    ]
    assert case.stage_on(date(2023, 3, 5)) is None
    assert case.stage_on(STORY.discovered) is Stage.DISCOVERED
    assert case.stage_on(date(2023, 9, 10)) is Stage.APPLIED
    assert case.stage_on(date(2030, 1, 1)) is Stage.SPONSORED


def test_a_certificate_older_than_the_case_counts_from_when_it_was_recorded() -> None:
    story = STORY.shifted(awareness_certificate=date(2022, 5, 20))
    case = candidate_at(Stage.AWARENESS_TRAINED, story=story)
    assert case.stage_timeline()[-1] == (Stage.AWARENESS_TRAINED, STORY.sympathizer)


def test_a_corrected_step_date_moves_the_stage_timeline() -> None:
    case = candidate_at(Stage.APPLIED)
    case.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2023, 9, 20),
        step="application",
        corrected_date=date(2023, 8, 28),
        reason="Ngày ghi trên đơn là 28/8",
        calendar=CALENDAR,
    )
    assert case.stage_timeline()[-1] == (Stage.APPLIED, date(2023, 8, 28))
    assert case.stage_on(date(2023, 9, 1)) is Stage.APPLIED


def test_the_unit_timeline_follows_moves_between_branches() -> None:
    case = candidate_at(Stage.SYMPATHIZER)
    case.move_to_unit(
        actor=ORGANIZER,
        occurred_on=date(2023, 5, 2),
        unit_id=OTHER_BRANCH_ID,
        unit_admits_candidates=True,
        document=document("Quyết định chuyển sinh hoạt", date(2023, 5, 2)),
    )
    assert case.unit_timeline() == [
        (STORY.discovered, BRANCH_ID),
        (date(2023, 5, 2), OTHER_BRANCH_ID),
    ]
    assert case.unit_on(date(2023, 3, 1)) is None
    assert case.unit_on(date(2023, 5, 1)) == BRANCH_ID
    assert case.unit_on(date(2023, 5, 2)) == OTHER_BRANCH_ID


def test_helpers_are_remembered_with_the_day_they_were_assigned() -> None:
    case = candidate_at(Stage.SYMPATHIZER)
    assert case.helper_assignments == [(STORY.helper, "Trần Thị Bình")]
