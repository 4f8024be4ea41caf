"""The rules of the procedure: which regulation is in force on a business date, what each rule
cites, and the arithmetic of ages and votes the regulations prescribe."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import rules
from domain.errors import InvalidInput, RuleViolation
from domain.rules import (
    ALL_RULES,
    GUIDANCE,
    IMPLEMENTING_REGULATIONS,
    Regulation,
    Rule,
    Sponsor,
    guidance_on,
    implementing_regulation_on,
)
from tests.domain.builders import consent
from tests.domain.refusals import assert_well_formed, refused


@pytest.mark.parametrize(
    ("day", "regulation"),
    [
        (date(2016, 7, 24), "45-QĐ/TW"),
        (date(2016, 7, 25), "29-QĐ/TW"),
        (date(2021, 7, 29), "29-QĐ/TW"),
        (date(2021, 7, 30), "24-QĐ/TW"),
        (date(2024, 6, 1), "24-QĐ/TW"),
        (date(2025, 1, 19), "24-QĐ/TW"),
        (date(2025, 1, 20), "232-QĐ/TW"),
        (date(2025, 3, 1), "232-QĐ/TW"),
        (date(2025, 6, 30), "232-QĐ/TW"),
        (date(2025, 7, 1), "294-QĐ/TW"),
        (date(2025, 8, 1), "294-QĐ/TW"),
    ],
)
def test_the_implementing_regulation_in_force_depends_on_the_business_date(
    day: date, regulation: str
) -> None:
    assert implementing_regulation_on(day).code == regulation


@pytest.mark.parametrize(
    ("day", "guidance"),
    [
        (date(2021, 9, 27), "01-HD/TW"),  # of 20/09/2016: 12-HD/BTCTW is a guide, not guidance
        (date(2021, 9, 28), "01-HD/TW"),
        (date(2025, 6, 30), "01-HD/TW"),
        (date(2025, 7, 1), "06-HD/TW"),
    ],
)
def test_the_guidance_in_force_depends_on_the_business_date(day: date, guidance: str) -> None:
    assert guidance_on(day).code == guidance


@pytest.mark.parametrize("texts", [IMPLEMENTING_REGULATIONS, GUIDANCE], ids=["QĐ", "HD"])
def test_each_text_takes_over_the_day_after_the_previous_one_ends(
    texts: tuple[Regulation, ...],
) -> None:
    for previous, following in itertools.pairwise(texts):
        assert previous.in_force_until is not None
        assert following.in_force_from == previous.in_force_until + timedelta(days=1)
    assert texts[-1].in_force_until is None


def test_an_action_before_45_qd_tw_cites_the_regulation_of_the_10th_term_not_45() -> None:
    """45-QĐ/TW is in force from 01/11/2011: an action of 2010 cannot cite it."""
    cited = implementing_regulation_on(date(2010, 5, 1))
    assert cited.code == "Quy định thi hành Điều lệ Đảng (khóa X)"
    assert not cited.confirmed


@pytest.mark.parametrize(
    ("day", "citation"),
    [
        (date(2024, 6, 1), "24-QĐ/TW — tuổi đời"),
        (date(2025, 3, 1), "232-QĐ/TW — tuổi đời"),
        (date(2025, 8, 1), "294-QĐ/TW — tuổi đời"),
    ],
)
def test_a_rule_of_the_implementing_regulation_cites_the_one_in_force(
    day: date, citation: str
) -> None:
    assert rules.AGE.cite(day).startswith(citation)


def test_a_rule_of_the_charter_cites_the_charter_and_the_implementing_regulation() -> None:
    assert rules.TWO_THIRDS.cite(date(2024, 6, 1)).startswith("Điều lệ Đảng (2011); 24-QĐ/TW")
    assert rules.TWO_THIRDS.cite(date(2025, 8, 1)).startswith("Điều lệ Đảng (2011); 294-QĐ/TW")


def test_a_rule_of_the_guidance_cites_the_guidance_in_force() -> None:
    assert rules.DOSSIER_FRESH.cite(date(2024, 6, 1)).startswith("01-HD/TW")
    assert rules.DOSSIER_FRESH.cite(date(2025, 8, 1)).startswith("06-HD/TW")


def test_every_rule_is_listed_once_with_a_distinct_code_and_names_in_both_languages() -> None:
    defined = {value for value in vars(rules).values() if isinstance(value, Rule)}
    assert defined == set(ALL_RULES)
    assert len({rule.code for rule in ALL_RULES}) == len(ALL_RULES)
    for rule in ALL_RULES:
        assert rule.name_vi.strip()
        assert rule.name_en.strip()
        assert rule.topic_vi.strip()


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_a_violation_of_a_rule_carries_its_code_both_messages_and_its_citation(rule: Rule) -> None:
    violation = rule.violation(date(2025, 3, 1), "Thông điệp.", "Message.", "field")
    assert isinstance(violation, RuleViolation)
    assert violation.code == rule.code
    assert violation.regulation == rule.cite(date(2025, 3, 1))
    assert violation.field == "field"
    assert_well_formed(violation)


# --- age, counted in months -----------------------------------------------------------------


def test_age_is_counted_in_calendar_months_and_the_day_is_not_considered() -> None:
    assert rules.age_in_months(date(2005, 11, 30), date(2023, 11, 1)) == 18 * 12
    assert rules.age_in_months(date(2005, 12, 1), date(2023, 11, 30)) == 18 * 12 - 1


def test_a_candidate_aged_17_years_and_11_months_is_under_age() -> None:
    with refused(RuleViolation) as refusal:
        rules.check_age(date(2005, 12, 1), date(2023, 11, 30), over_60_consent=None)
    assert refusal.value.code == "AGE_OUT_OF_RANGE"
    assert "17 tuổi 11 tháng" in refusal.value.message_vi
    assert "17 years 11 months" in refusal.value.message_en


def test_only_an_age_over_60_in_months_reports_the_consent_as_used() -> None:
    assert rules.check_age(date(1963, 11, 30), date(2023, 11, 6), over_60_consent=None) is False
    assert rules.check_age(
        date(1963, 9, 1), date(2023, 11, 6), over_60_consent=consent(date(2023, 10, 2))
    )


# --- votes: at least two thirds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes_for", "eligible", "passes"),
    [(6, 9, True), (5, 9, False), (2, 3, True), (1, 1, True), (0, 1, False), (20, 31, False)],
)
def test_two_thirds_means_at_least_two_thirds(votes_for: int, eligible: int, passes: bool) -> None:
    assert rules.is_two_thirds(votes_for, eligible) is passes


@settings(database=None)
@given(eligible=st.integers(min_value=1, max_value=500), data=st.data())
def test_two_thirds_is_exact_fraction_arithmetic(eligible: int, data: st.DataObject) -> None:
    votes_for = data.draw(st.integers(min_value=0, max_value=eligible))
    assert rules.is_two_thirds(votes_for, eligible) is (
        Fraction(votes_for, eligible) >= Fraction(2, 3)
    )


@pytest.mark.parametrize(("votes_for", "eligible"), [(10, 9), (0, 0), (-1, 9), (3, -3)])
def test_impossible_vote_counts_are_refused(votes_for: int, eligible: int) -> None:
    with refused(InvalidInput) as refusal:
        rules.check_vote_counts(votes_for, eligible, date(2024, 3, 1))
    assert refusal.value.code == "VOTE_COUNTS_INVALID"
    assert_well_formed(refusal.value)


def test_a_vote_below_two_thirds_states_the_share_in_favour() -> None:
    with refused(RuleViolation) as refusal:
        rules.check_two_thirds(5, 9, date(2024, 3, 1), body_vi="Chi bộ", body_en="Branch")
    assert refusal.value.code == "VOTE_BELOW_TWO_THIRDS"
    assert "5/9 (55.56%)" in refusal.value.message_en


# --- the other rules at their boundaries ------------------------------------------------------


def test_a_sponsor_without_a_member_id_or_name_is_incomplete() -> None:
    with refused(InvalidInput) as refusal:
        Sponsor(member_id=" ", full_name="Trần Thị Bình", full_member_since=None,
                together_since=date(2020, 1, 1))  # fmt: skip
    assert refusal.value.code == "SPONSOR_INCOMPLETE"


def test_probation_end_is_the_same_day_twelve_months_on_or_the_months_last_day() -> None:
    assert rules.probation_end(date(2024, 1, 5)) == date(2025, 1, 5)
    assert rules.probation_end(date(2024, 2, 29)) == date(2025, 2, 28)


def test_the_admission_authority_must_match_the_units() -> None:
    rules.check_admission_authority(
        rules.AdmissionAuthority.GRASSROOTS_COMMITTEE,
        rules.AdmissionAuthority.GRASSROOTS_COMMITTEE,
        date(2024, 3, 1),
    )
    with refused(RuleViolation) as refusal:
        rules.check_admission_authority(
            rules.AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE,
            rules.AdmissionAuthority.GRASSROOTS_COMMITTEE,
            date(2024, 3, 1),
        )
    assert refusal.value.code == "ADMISSION_AUTHORITY_MISMATCH"
