"""The admission decision (quyết định kết nạp, 9-KNĐ) within 60 working days of the branch
resolution (+30 with an extension), by the committee holding authority over the unit; the
ceremony (lễ kết nạp) within 30 working days of receiving it, later only with the superior's
consent."""

from __future__ import annotations

from datetime import date

from domain.candidates import Candidate, Stage
from domain.errors import InvalidInput, RuleViolation
from domain.rules import AdmissionAuthority
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
    stage_of,
)
from tests.domain.refusals import assert_refused

# The branch resolved on Monday 6 November 2023. Counting the working days after it:
#   7–10 Nov: 1–4       13 Nov–29 Dec: 5–39 (seven full weeks)     1 Jan: New Year's Day
#   2–5 Jan: 40–43      8–26 Jan: 44–58      29–30 Jan: 59–60      → due Tuesday 30 January 2024
#   31 Jan–2 Feb: 61–63 5–7 Feb: 64–66       8–14 Feb: Tết          15–16 Feb: 67–68
#   19 Feb–15 Mar: 69–88                     18–19 Mar: 89–90      → extended Tuesday 19 March
DUE = date(2024, 1, 30)
EXTENDED = date(2024, 3, 19)


def _extension(on: date) -> DocumentRef:
    return document("Văn bản gia hạn", on, issuer=SUPERIOR_COMMITTEE)


def _decide(
    candidate: Candidate,
    on: date,
    *,
    extension: DocumentRef | None = None,
    decided_by: AdmissionAuthority = AdmissionAuthority.GRASSROOTS_COMMITTEE,
    unit_authority: AdmissionAuthority = AdmissionAuthority.GRASSROOTS_COMMITTEE,
) -> None:
    candidate.record_admission_decision(
        actor=ORGANIZER,
        occurred_on=on,
        decided_by=decided_by,
        unit_authority=unit_authority,
        calendar=CALENDAR,
        document=document("9-KNĐ", on, issuer=GRASSROOTS_COMMITTEE),
        extension=extension,
    )


def test_a_decision_on_the_60th_working_day_after_the_branch_resolution_is_on_time() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    _decide(an, DUE)
    assert stage_of(an) is Stage.DECIDED
    assert an.exceptions == []
    assert last_event(an)[1]["extension"] is None


def test_a_decision_on_the_61st_working_day_without_an_extension_is_recorded_and_flagged_late() -> (
    None
):
    """29-QĐ/TW 4.3.1 (24-QĐ/TW alike): past the term without good reason, "phải kiểm điểm trách
    nhiệm trước cấp ủy cấp trên" — the decision stands, the delay is reviewed."""
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    _decide(an, date(2024, 1, 31))
    assert stage_of(an) is Stage.DECIDED
    assert an.decision_on == date(2024, 1, 31)
    (late,) = an.flags
    assert (late.code, late.step, late.on, late.due_on) == (
        "ADMISSION_DECISION_LATE",
        "admission_decision",
        date(2024, 1, 31),
        DUE,
    )
    assert "30/01/2024" in late.message_vi
    assert late.regulation.startswith("24-QĐ/TW")
    assert an.open_reviews == [late]
    assert last_event(an)[0] == "StepRecordedLate"


def test_a_decision_on_the_61st_working_day_with_an_extension_records_the_extension() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    extension = _extension(date(2024, 1, 25))
    _decide(an, date(2024, 1, 31), extension=extension)
    assert stage_of(an) is Stage.DECIDED
    assert an.exceptions == [extension]
    assert last_event(an)[1]["extension"] == extension


def test_a_decision_on_the_90th_working_day_with_an_extension_is_accepted() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    _decide(an, EXTENDED, extension=_extension(date(2024, 1, 25)))
    assert an.decision_on == EXTENDED


def test_a_decision_after_90_working_days_with_an_extension_is_recorded_and_flagged_late() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    extension = _extension(date(2024, 1, 25))
    _decide(an, date(2024, 3, 20), extension=extension)
    assert stage_of(an) is Stage.DECIDED
    assert an.exceptions == [extension]
    (late,) = an.open_reviews
    assert late.code == "ADMISSION_DECISION_LATE"
    assert "19/03/2024" in late.message_en


def test_an_extension_that_was_not_needed_is_not_recorded() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    _decide(an, STORY.admission_decision, extension=_extension(date(2023, 12, 1)))
    assert an.exceptions == []
    assert last_event(an)[1]["extension"] is None


# A branch resolution of Wednesday 15 January 2025 is due a decision 60 working days later, on
# Thursday 17 April 2025: Tết (27 January – 1 February) and Hùng Kings' day (7 April) are skipped
# (see test_working_days for the count).
RESOLVED_BEFORE_TET = STORY.months_later(14).shifted(
    branch_resolution=date(2025, 1, 15), committee_resolution=date(2025, 2, 10)
)


def test_a_decision_due_after_tet_2025_is_on_time_on_17_april() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED, story=RESOLVED_BEFORE_TET)
    _decide(an, date(2025, 4, 17))
    assert stage_of(an) is Stage.DECIDED


def test_a_decision_due_after_tet_2025_is_late_on_18_april() -> None:
    an = candidate_at(Stage.COMMITTEE_RESOLVED, story=RESOLVED_BEFORE_TET)
    _decide(an, date(2025, 4, 18))
    (late,) = an.flags
    assert late.code == "ADMISSION_DECISION_LATE"
    assert "17/04/2025" in late.message_en
    assert late.regulation.startswith("232-QĐ/TW")


def test_a_decision_by_a_committee_without_authority_over_the_unit_is_refused() -> None:
    # The company's grassroots committee is not authorised: the bloc's standing committee decides.
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    error = assert_refused(
        an,
        lambda: _decide(
            an,
            STORY.admission_decision,
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            unit_authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        ),
        "ADMISSION_AUTHORITY_MISMATCH",
        RuleViolation,
    )
    assert error.field == "decided_by"


def test_a_decision_by_the_superiors_standing_committee_for_an_unauthorised_unit_is_accepted() -> (
    None
):
    an = candidate_at(Stage.COMMITTEE_RESOLVED)
    _decide(
        an,
        STORY.admission_decision,
        decided_by=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
        unit_authority=AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
    )
    assert last_event(an)[1]["decided_by"] is AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE


# --- the ceremony ---------------------------------------------------------------------------------
# The decision of 15 December 2023 reached the branch on Monday 18 December 2023. Counting:
#   19–22 Dec: 1–4   25–29 Dec: 5–9   1 Jan: holiday   2–5 Jan: 10–13   8–26 Jan: 14–28
#   29–30 Jan: 29–30 → the ceremony is due by Tuesday 30 January 2024
#   31 Jan–2 Feb: 31–33   5–6 Feb: 34–35 → Tuesday 6 February 2024 is the 35th working day
RECEIVED = STORY.decision_received
CEREMONY_DUE = date(2024, 1, 30)


def _hold(
    candidate: Candidate,
    on: date,
    *,
    received: date = RECEIVED,
    superior_consent: DocumentRef | None = None,
) -> None:
    candidate.hold_admission_ceremony(
        actor=SECRETARY,
        occurred_on=on,
        decision_received_on=received,
        calendar=CALENDAR,
        superior_consent=superior_consent,
        document=document("Biên bản lễ kết nạp", on),
    )


def test_a_ceremony_on_the_30th_working_day_after_the_decision_arrived_is_on_time() -> None:
    an = candidate_at(Stage.DECIDED)
    _hold(an, CEREMONY_DUE)
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.exceptions == []
    name, recorded = last_event(an)
    assert name == "AdmittedAtCeremony"
    assert recorded["superior_consent"] is None
    assert recorded["decision_received_on"] == RECEIVED


def test_a_ceremony_35_working_days_after_the_decision_without_consent_is_held_and_flagged() -> (
    None
):
    """29-QĐ/TW 4.1: past 30 working days "phải báo cáo và được cấp ủy cấp trên trực tiếp đồng
    ý"; held without that consent, the member was admitted all the same: recorded, late."""
    an = candidate_at(Stage.DECIDED)
    _hold(an, date(2024, 2, 6))
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.ceremony_on == date(2024, 2, 6)
    assert an.exceptions == []
    (late,) = an.open_reviews
    assert (late.code, late.step, late.due_on) == ("CEREMONY_LATE", "ceremony", CEREMONY_DUE)
    assert "30/01/2024" in late.message_vi


def test_a_ceremony_35_working_days_after_the_decision_with_the_superiors_consent_is_held() -> None:
    an = candidate_at(Stage.DECIDED)
    superior_consent = document("Văn bản đồng ý", date(2024, 1, 29), issuer=SUPERIOR_COMMITTEE)
    _hold(an, date(2024, 2, 6), superior_consent=superior_consent)
    assert stage_of(an) is Stage.PROBATIONARY
    assert an.exceptions == [superior_consent]
    assert last_event(an)[1]["superior_consent"] == superior_consent
    assert an.flags == []


def test_a_decision_received_before_it_was_issued_is_refused() -> None:
    an = candidate_at(Stage.DECIDED)
    error = assert_refused(
        an,
        lambda: _hold(an, date(2024, 1, 5), received=date(2023, 12, 14)),
        "DATE_BEFORE_PREVIOUS_STEP",
        InvalidInput,
    )
    assert error.field == "decision_received_on"


def test_a_ceremony_before_the_decision_arrived_is_refused() -> None:
    an = candidate_at(Stage.DECIDED)
    error = assert_refused(
        an,
        lambda: _hold(an, date(2023, 12, 16), received=date(2023, 12, 18)),
        "DATE_BEFORE_PREVIOUS_STEP",
        InvalidInput,
    )
    assert error.field == "occurred_on"


def test_the_ceremony_starts_twelve_months_of_probation() -> None:
    an = candidate_at(Stage.DECIDED)
    _hold(an, date(2024, 1, 5))
    assert an.probation_ends_on == date(2025, 1, 5)
    assert last_event(an)[1]["probation_ends_on"] == date(2025, 1, 5)
