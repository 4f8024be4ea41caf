"""The audit history's one-line summaries of corrections: a step's date "old → new" with what the
correction was flagged for; a profile's corrected fields by name, never their values (summaries
are stored in clear beside the encrypted personal data)."""

from __future__ import annotations

from datetime import date

from domain.candidates import Stage
from projections.audit_summaries import summarize
from tests.domain.builders import CALENDAR, ORGANIZER, born, candidate_at


def _no_units(_: object) -> None:
    return None


def test_a_step_date_correction_says_old_new_and_its_flags() -> None:
    an = candidate_at(Stage.RECOGNITION_VOTED)
    an.correct_step_date(
        actor=ORGANIZER,
        occurred_on=date(2025, 6, 2),
        step="recognition_vote",
        corrected_date=date(2025, 3, 20),
        reason="Biên bản ghi ngày 20/3",
        calendar=CALENDAR,
    )
    summary = summarize(an.pending_events[-1], an, _no_units)
    assert "10/01/2025 → 20/03/2025" in summary.en
    assert summary.en.endswith("flagged: Recognition vote deadline (RECOGNITION_VOTE_LATE)")
    assert "cảnh báo: Thời hạn xét công nhận chính thức (RECOGNITION_VOTE_LATE)" in summary.vi


def test_a_profile_correction_names_its_fields_never_their_values() -> None:
    an = candidate_at(Stage.APPLIED, person=born(date(2006, 5, 10)))
    an.correct_profile(
        actor=ORGANIZER,
        occurred_on=date(2025, 6, 2),
        person=born(date(1998, 5, 10), identity_number="001098000123"),
        reason="Theo căn cước",
        calendar=CALENDAR,
    )
    event = an.pending_events[-1]
    summary = summarize(event, an, _no_units)
    assert summary.en.endswith("Personal data of the case corrected: birth date, identity number")
    assert "ngày sinh, số định danh cá nhân" in summary.vi
    for value in ("1998", "2006", "001098000123"):
        assert value not in summary.en + summary.vi
    del event.__dict__["changes"]  # as stored before issue 13
    assert summarize(event, an, _no_units).en.endswith("Personal data of the case corrected")
