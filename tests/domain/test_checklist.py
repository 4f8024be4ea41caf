"""What a case still needs (caseChecklist): the documents and facts of its next step, and every
rule that would refuse the step on a given day — all of them, not the first — each with its code,
its two messages and its citation on that day (docs/regulations.md, "Corrections")."""

from __future__ import annotations

from datetime import date

from domain import checklist, rules
from domain.candidates import Candidate, Stage
from domain.checklist import CHECKS, REQUIREMENTS, Need
from tests.domain.builders import (
    CALENDAR,
    SECRETARY,
    STORY,
    born,
    candidate_at,
    document,
    record_recognition_papers,
)


def test_every_rule_that_would_refuse_the_branch_meeting_is_listed_not_only_the_first() -> None:
    """Told a year late, for a candidate born 6/11/2006: on 31/10/2024 he is 17 years 11 months,
    his awareness certificate of 15/6/2019 expired on 15/6/2024, and both sponsor letters of
    11/9/2023 and both comment summaries are over 12 months old. The meeting would be refused for each of these."""
    story = STORY.shifted(awareness_certificate=date(2019, 6, 15))
    an = candidate_at(Stage.VERIFIED, person=born(date(2006, 11, 6)), story=story)
    found = an.checklist(date(2024, 10, 31), CALENDAR, youth_union_organisation=False)
    assert found.next_step == "branch_resolution"
    assert [v.code for v in found.violations] == [
        "AGE_OUT_OF_RANGE",
        "AWARENESS_CERTIFICATE_EXPIRED",
        "DOSSIER_DOCUMENT_STALE",
        "DOSSIER_DOCUMENT_STALE",
        "DOSSIER_DOCUMENT_STALE",
        "DOSSIER_DOCUMENT_STALE",
    ]
    for violation in found.violations:
        assert violation.message_vi
        assert violation.message_en
        assert violation.regulation
    assert found.violations[0].regulation.startswith("24-QĐ/TW")
    assert not found.ready
    needs = {item.code: item for item in found.items}
    assert needs["BRANCH_RESOLUTION"].need is Need.DOCUMENT
    assert needs["BRANCH_TWO_THIRDS"].need is Need.FACT


def test_a_case_ready_for_its_meeting_has_nothing_that_would_refuse_it() -> None:
    an = candidate_at(Stage.VERIFIED)
    found = an.checklist(STORY.branch_resolution, CALENDAR, youth_union_organisation=False)
    assert found.violations == ()
    assert found.ready


def test_two_members_sponsoring_a_candidate_of_youth_union_age_where_the_youth_union_exists() -> (
    None
):
    """Where a Youth Union organisation exists, a candidate of Youth Union age is introduced by
    the Youth Union committee and one full member (Charter Art. 4): two members' letters would
    have the meeting refused, and so would a unit that never declared the fact."""
    an = candidate_at(Stage.VERIFIED)
    assert rules.is_youth_union_age(an.person.birth_date, STORY.branch_resolution)
    there = an.checklist(STORY.branch_resolution, CALENDAR, youth_union_organisation=True)
    assert [v.code for v in there.violations] == ["SPONSORSHIP_ROUTE_INVALID"]
    assert there.violations[0].regulation.startswith("Điều lệ Đảng")
    undeclared = an.checklist(STORY.branch_resolution, CALENDAR)
    assert [(v.code, v.field) for v in undeclared.violations] == [
        ("SPONSORSHIP_ROUTE_INVALID", "youth_union_organisation")
    ]


def test_the_recognition_vote_needs_the_self_review_the_helpers_and_the_unions_comments() -> None:
    """10-KNĐ, 11-KNĐ and 12-KNĐ are in the dossier before the branch votes on recognition:
    each missing one is an unmet item, and the rule would refuse the vote."""
    an = candidate_at(Stage.PROBATIONARY)
    an.record_new_member_class(
        actor=SECRETARY,
        occurred_on=STORY.new_member_class,
        document=document("Giấy chứng nhận", STORY.new_member_class),
    )
    found = an.checklist(STORY.recognition_vote, CALENDAR)
    assert [v.code for v in found.violations] == ["RECOGNITION_DOSSIER_INCOMPLETE"]
    needs = {item.code: item.met for item in found.items}
    assert needs["RECOGNITION_PAPER_SELF_REVIEW"] is False
    assert needs["RECOGNITION_PAPER_HELPER_COMMENT"] is False
    record_recognition_papers(an, date(2025, 1, 6))
    ready = an.checklist(STORY.recognition_vote, CALENDAR)
    assert ready.violations == ()
    assert {item.code: item.met for item in ready.items}["RECOGNITION_PAPER_SELF_REVIEW"] is True


def test_the_recognition_decision_needs_the_grassroots_committees_resolution_under_one() -> None:
    """Where the branch sits under a grassroots committee, its resolution (15-KNĐ) is in the
    dossier before the recognition decision; a grassroots branch needs none."""
    an = candidate_at(Stage.RECOGNITION_VOTED)
    on = date(2025, 1, 20)
    under = an.checklist(on, CALENDAR, under_grassroots_committee=True)
    assert [v.code for v in under.violations] == ["RECOGNITION_DOSSIER_INCOMPLETE"]
    assert {i.code: i.met for i in under.items}["RECOGNITION_PAPER_GRASSROOTS_RESOLUTION"] is False
    alone = an.checklist(on, CALENDAR, under_grassroots_committee=False)
    assert alone.violations == ()
    assert {i.code: i.met for i in alone.items}["RECOGNITION_PAPER_GRASSROOTS_RESOLUTION"] is True


def test_a_probationary_member_before_the_12_months_and_without_the_class() -> None:
    """The recognition vote needs probation over (Charter Art. 5), the new-member class
    certificate and the recognition papers (10-, 11-, 12-KNĐ); all are listed, and the missing
    certificate is an unmet document."""
    an = candidate_at(Stage.PROBATIONARY)
    found = an.checklist(date(2024, 12, 2), CALENDAR)
    assert found.next_step == "recognition_vote"
    assert [v.code for v in found.violations] == [
        "PROBATION_NOT_ENDED",
        "NEW_MEMBER_CLASS_MISSING",
        "RECOGNITION_DOSSIER_INCOMPLETE",
    ]
    needs = {item.code: item.met for item in found.items}
    assert needs["NEW_MEMBER_CLASS"] is False


def test_a_recognition_vote_late_on_the_day_asked_is_a_flag_not_a_refusal() -> None:
    """Probation ended on 5/1/2025; a vote on 1/4/2025 is past the 30 working days: recorded
    and flagged late, never refused (Charter Art. 5)."""
    an = candidate_at(Stage.PROBATIONARY)
    an.record_new_member_class(
        actor=SECRETARY,
        occurred_on=STORY.new_member_class,
        document=document("Giấy chứng nhận", STORY.new_member_class),
    )
    record_recognition_papers(an, date(2025, 1, 6))
    found = an.checklist(date(2025, 4, 1), CALENDAR)
    assert found.violations == ()
    assert [f.code for f in found.flags] == ["RECOGNITION_VOTE_LATE"]


def test_a_case_at_the_end_of_the_procedure_needs_nothing() -> None:
    found = candidate_at(Stage.FULL_MEMBER).checklist(date(2026, 1, 5), CALENDAR)
    assert (found.next_step, found.items, found.violations) == (None, (), ())


def test_a_grassroots_branch_goes_from_its_resolution_to_the_decision() -> None:
    an = candidate_at(Stage.BRANCH_RESOLVED, committee_resolution_required=False)
    assert an.next_step == "admission_decision"
    late = an.checklist(date(2024, 6, 3), CALENDAR)
    # a decision past its term would be recorded, flagged late (29-QĐ/TW 4.3.1): not a refusal
    assert late.violations == ()
    assert [f.code for f in late.flags] == ["ADMISSION_DECISION_LATE"]


def _fail_a_recognition_vote(an: Candidate, on: date) -> None:
    an.record_recognition_vote(
        actor=SECRETARY,
        occurred_on=on,
        official_members=9,
        votes_for=5,
        calendar=CALENDAR,
        document=document("Nghị quyết", on),
    )


def test_failed_recognition_votes_and_the_escalation_are_the_cases_flags() -> None:
    """Three failed votes send the case to the superior committee (RECOGNITION_VOTES_EXHAUSTED);
    each failure and the escalation are flags of the case, on their dates."""
    an = candidate_at(Stage.PROBATIONARY)
    an.record_new_member_class(
        actor=SECRETARY,
        occurred_on=STORY.new_member_class,
        document=document("Giấy chứng nhận", STORY.new_member_class),
    )
    record_recognition_papers(an, date(2025, 1, 6))
    for day in (date(2025, 1, 10), date(2025, 1, 17), date(2025, 1, 24)):
        _fail_a_recognition_vote(an, day)
    flags = an.case_flags(CALENDAR)
    assert [(f.code, f.on) for f in flags] == [
        ("RECOGNITION_VOTE_FAILED", date(2025, 1, 10)),
        ("RECOGNITION_VOTE_FAILED", date(2025, 1, 17)),
        ("RECOGNITION_VOTE_FAILED", date(2025, 1, 24)),
        ("ESCALATED_TO_SUPERIOR", date(2025, 1, 24)),
    ]
    assert an.next_step == "recognition_decision"


def test_every_check_is_a_named_rule_on_a_step_the_checklist_knows() -> None:
    """One line per rule: each check names a rule of domain.rules and guards a known step."""
    for check in CHECKS:
        assert check.rule in rules.ALL_RULES or check.rule is rules.RECOGNITION_VOTE_DEADLINE
        assert check.step in REQUIREMENTS
    assert checklist.FLAG_ONLY <= checklist.FLAGGED_ON_CORRECTION
