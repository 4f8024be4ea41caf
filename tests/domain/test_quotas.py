"""Quotas (chỉ tiêu kết nạp) per unit and period — a number, a range or a share of the member
headcount — with supplementary assignments and adjustments, and attainment as the seeds report
it: admitted / quota in % with two decimals, and the surplus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.ids import quota_plan_id, unit_id
from domain.quotas import (
    Period,
    PeriodKind,
    QuotaPlan,
    QuotaTarget,
    RangeStatus,
    TargetKind,
    attainment,
    counted_period,
    pool_band,
    range_status,
)
from tests.domain.builders import ORGANIZER, SUPERIOR_COMMITTEE, TENANT, document, replayed, state
from tests.domain.refusals import assert_refused, refused

DEPARTMENT = unit_id(TENANT, "DU-SO")
TERM = Period.term(2020, 2025)


def _plan(target: QuotaTarget, period: Period = TERM) -> QuotaPlan:
    return QuotaPlan.set(
        id=quota_plan_id(TENANT, "DU-SO", period.key),
        tenant=TENANT,
        actor=ORGANIZER,
        occurred_on=date(2020, 10, 15),
        unit_id=DEPARTMENT,
        period=period,
        target=target,
        document=document("Nghị quyết Đại hội", date(2020, 10, 15), issuer="Đại hội Đảng bộ Sở"),
    )


# --- attainment -----------------------------------------------------------------------------------


def test_9701_admitted_against_a_quota_of_9352_is_103_73_percent_and_349_over() -> None:
    result = attainment(9701, 9352)
    assert result.percent == Decimal("103.73")
    assert result.surplus == 349


def test_6_admitted_in_nine_months_against_a_plan_of_7_is_85_71_percent_and_1_short() -> None:
    result = attainment(6, 7)
    assert result.percent == Decimal("85.71")
    assert result.surplus == -1


def test_32_admitted_in_the_term_against_30_is_106_67_percent() -> None:
    result = attainment(32, 30)
    assert result.percent == Decimal("106.67")
    assert result.surplus == 2


def test_attainment_rounds_half_up_to_two_decimals() -> None:
    assert attainment(1, 8).percent == Decimal("12.50")
    assert attainment(2, 3).percent == Decimal("66.67")
    assert attainment(1, 3).percent == Decimal("33.33")


def test_attainment_against_no_quota_has_no_percentage() -> None:
    result = attainment(3, 0)
    assert result.percent is None
    assert result.surplus == 3


# --- targets --------------------------------------------------------------------------------------


def test_a_number_target_of_30_for_the_term() -> None:
    assert QuotaTarget.number(30).resolve(None) == (30, 30)


def test_a_range_target_of_500_to_700_in_2024() -> None:
    target = QuotaTarget.range(500, 700)
    assert target.kind is TargetKind.RANGE
    assert target.resolve(None) == (500, 700)


def test_seven_percent_of_3232_members_is_227_admissions_rounded_up() -> None:
    # 7 % of 3,232 is 226.24: the quota is at least that, so 227.
    assert QuotaTarget.percent("7").resolve(3232) == (227, 227)


def test_four_to_seven_percent_of_3232_members_is_130_to_227_admissions() -> None:
    assert QuotaTarget.percent("4", "7").resolve(3232) == (130, 227)


def test_a_percentage_target_without_a_headcount_cannot_be_resolved() -> None:
    with refused(InvalidInput) as refusal:
        QuotaTarget.percent("7").resolve(None)
    assert refusal.value.code == "HEADCOUNT_MISSING"


@pytest.mark.parametrize(
    ("kind", "minimum", "maximum"),
    [
        (TargetKind.RANGE, "700", "500"),
        (TargetKind.NUMBER, "-1", "-1"),
        (TargetKind.NUMBER, "2.5", "2.5"),
        (TargetKind.RANGE, "200", "220.5"),
        (TargetKind.PERCENT_OF_HEADCOUNT, "4", "101"),
        (TargetKind.PERCENT_OF_HEADCOUNT, "-1", "7"),
    ],
)
def test_an_impossible_target_is_refused(kind: TargetKind, minimum: str, maximum: str) -> None:
    with refused(InvalidInput) as refusal:
        QuotaTarget(kind, Decimal(minimum), Decimal(maximum))
    assert refusal.value.code == "QUOTA_TARGET_INVALID"
    assert refusal.value.field == "target"


def test_a_percentage_target_may_have_decimals() -> None:
    assert QuotaTarget.percent("4.5").resolve(1000) == (45, 45)


# --- the plan: supplementary assignments and adjustments ------------------------------------------


def test_fifteen_more_assigned_in_2021_make_the_terms_quota_45() -> None:
    plan = _plan(QuotaTarget.number(30))
    plan.assign_supplementary(
        actor=ORGANIZER,
        occurred_on=date(2021, 6, 15),
        amount=15,
        reason="Giao bổ sung theo Kết luận của Ban Thường vụ",
        document=document("Kết luận", date(2021, 6, 15), issuer=SUPERIOR_COMMITTEE),
    )
    minimum, _ = plan.target_on(date(2021, 12, 31)).resolve(None)
    assert minimum + plan.supplementary_on(date(2021, 6, 14)) == 30
    assert minimum + plan.supplementary_on(date(2021, 6, 15)) == 45
    assert minimum + plan.supplementary_on(date(2025, 12, 31)) == 45


def test_an_adjusted_target_applies_from_the_adjustments_date() -> None:
    plan = _plan(QuotaTarget.range(200, 220), Period.year(2023))
    plan.adjust(
        actor=ORGANIZER,
        occurred_on=date(2023, 7, 1),
        target=QuotaTarget.range(180, 200),
        reason="Hai đảng bộ cơ sở chuyển đi theo quyết định sắp xếp",
        document=document("Nghị quyết", date(2023, 7, 1), issuer=SUPERIOR_COMMITTEE),
    )
    assert plan.target_on(date(2023, 6, 30)) == QuotaTarget.range(200, 220)
    assert plan.target_on(date(2023, 7, 1)) == QuotaTarget.range(180, 200)
    assert plan.target == QuotaTarget.range(200, 220)


def test_a_supplementary_assignment_of_zero_is_refused() -> None:
    plan = _plan(QuotaTarget.number(30))
    assert_refused(
        plan,
        lambda: plan.assign_supplementary(
            actor=ORGANIZER,
            occurred_on=date(2021, 6, 15),
            amount=0,
            reason="Giao bổ sung",
            document=document("Kết luận", date(2021, 6, 15)),
        ),
        "SUPPLEMENTARY_ZERO",
    )


def test_a_supplementary_assignment_without_a_reason_is_refused() -> None:
    plan = _plan(QuotaTarget.number(30))
    assert_refused(
        plan,
        lambda: plan.assign_supplementary(
            actor=ORGANIZER,
            occurred_on=date(2021, 6, 15),
            amount=15,
            reason=" ",
            document=document("Kết luận", date(2021, 6, 15)),
        ),
        "REASON_REQUIRED",
    )


def test_an_adjustment_without_a_reason_is_refused() -> None:
    plan = _plan(QuotaTarget.number(30))
    assert_refused(
        plan,
        lambda: plan.adjust(
            actor=ORGANIZER,
            occurred_on=date(2023, 7, 1),
            target=QuotaTarget.number(25),
            reason="",
            document=document("Nghị quyết", date(2023, 7, 1)),
        ),
        "REASON_REQUIRED",
    )


def test_a_quota_plan_rebuilt_from_its_events_is_the_plan_that_recorded_them() -> None:
    plan = _plan(QuotaTarget.percent("4", "7"), Period.year(2024))
    plan.assign_supplementary(
        actor=ORGANIZER,
        occurred_on=date(2024, 3, 1),
        amount=10,
        reason="Giao bổ sung",
        document=document("Kết luận", date(2024, 3, 1)),
    )
    plan.adjust(
        actor=ORGANIZER,
        occurred_on=date(2024, 7, 1),
        target=QuotaTarget.percent("5", "7"),
        reason="Điều chỉnh",
        document=document("Nghị quyết", date(2024, 7, 1)),
    )
    assert plan.id == quota_plan_id(TENANT, "DU-SO", "year:2024")
    events = plan.collect_events()
    assert [type(event).__name__ for event in events] == [
        "Set",
        "SupplementaryAssigned",
        "Adjusted",
    ]
    assert state(replayed(events, QuotaPlan)) == state(plan)


# --- periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "key", "start", "end"),
    [
        (Period.term(2020, 2025), "term:2020-2025", date(2020, 1, 1), date(2025, 12, 31)),
        (Period.year(2024), "year:2024", date(2024, 1, 1), date(2024, 12, 31)),
        (Period.quarter(2024, 1), "quarter:2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        (Period.quarter(2024, 4), "quarter:2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        (Period.month(2024, 2), "month:2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        (Period.month(2024, 12), "month:2024-12", date(2024, 12, 1), date(2024, 12, 31)),
    ],
    ids=lambda value: value.key if isinstance(value, Period) else None,
)
def test_a_period_has_a_stable_key_and_inclusive_bounds(
    period: Period, key: str, start: date, end: date
) -> None:
    assert period.key == key
    assert (period.start, period.end) == (start, end)
    assert period.contains(start)
    assert period.contains(end)
    assert not period.contains(date.fromordinal(start.toordinal() - 1))
    assert not period.contains(date.fromordinal(end.toordinal() + 1))


def test_the_nine_months_of_2024_are_three_quarters() -> None:
    quarters = [Period.quarter(2024, q) for q in (1, 2, 3)]
    assert all(q.kind is PeriodKind.QUARTER for q in quarters)
    assert sum(q.contains(date(2024, 9, 30)) for q in quarters) == 1
    assert not any(q.contains(date(2024, 10, 1)) for q in quarters)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Period.quarter(2024, 5),
        lambda: Period.month(2024, 13),
        lambda: Period.year(1900),
        lambda: Period.term(2025, 2020),
        lambda: Period.term(2020, 2031),
        lambda: Period(PeriodKind.YEAR, date(2024, 12, 31), date(2024, 1, 1)),
    ],
    ids=["quarter 5", "month 13", "year 1900", "term backwards", "term of 12 years", "end first"],
)
def test_an_impossible_period_is_refused(make: Callable[[], Period]) -> None:
    with refused(InvalidInput) as refusal:
        make()
    assert refusal.value.code == "PERIOD_INVALID"


def test_a_backdated_adjustment_recorded_later_does_not_override_a_later_one() -> None:
    plan = _plan(QuotaTarget.range(200, 220), Period.year(2023))
    resolution = document("Nghị quyết", date(2023, 9, 1), issuer=SUPERIOR_COMMITTEE)
    plan.adjust(
        actor=ORGANIZER,
        occurred_on=date(2023, 9, 1),
        target=QuotaTarget.range(150, 170),
        reason="Sắp xếp lại doanh nghiệp",
        document=resolution,
    )
    plan.adjust(
        actor=ORGANIZER,
        occurred_on=date(2023, 7, 1),
        target=QuotaTarget.range(180, 200),
        reason="Ghi bổ sung điều chỉnh tháng 7 (nhập muộn)",
        document=resolution,
    )
    assert plan.target_on(date(2023, 8, 1)) == QuotaTarget.range(180, 200)
    assert plan.target_on(date(2023, 12, 31)) == QuotaTarget.range(150, 170)


def test_of_two_adjustments_with_the_same_date_the_one_recorded_last_applies() -> None:
    plan = _plan(QuotaTarget.number(30), Period.year(2024))
    resolution = document("Nghị quyết", date(2024, 6, 1), issuer=SUPERIOR_COMMITTEE)
    for target in (QuotaTarget.number(25), QuotaTarget.number(28)):
        plan.adjust(
            actor=ORGANIZER,
            occurred_on=date(2024, 6, 1),
            target=target,
            reason="Điều chỉnh theo nghị quyết",
            document=resolution,
        )
    assert plan.target_on(date(2024, 6, 1)) == QuotaTarget.number(28)
    assert plan.target_on(date(2024, 5, 31)) == QuotaTarget.number(30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-2025", Period.term(2020, 2025)),
        ("term:2020-2025", Period.term(2020, 2025)),
        ("2024", Period.year(2024)),
        ("2024-Q3", Period.quarter(2024, 3)),
        ("quarter:2024-q3", Period.quarter(2024, 3)),
        ("2024-07", Period.month(2024, 7)),
    ],
)
def test_a_period_is_read_from_its_usual_written_forms(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected
    assert Period.parse(expected.key) == expected


@pytest.mark.parametrize("text", ["", "24", "2024-13", "2024-Q5", "2025-2020", "năm 2024"])
def test_an_unreadable_period_is_refused_bilingually(text: str) -> None:
    with pytest.raises(InvalidInput) as refused_period:
        Period.parse(text)
    assert refused_period.value.code == "PERIOD_INVALID"
    assert refused_period.value.message_vi
    assert refused_period.value.message_en


# --- what the committees' documents say -----------------------------------------------------------


@pytest.mark.parametrize(
    ("admitted", "status"),
    [
        (199, RangeStatus.BELOW),
        (200, RangeStatus.WITHIN),
        (213, RangeStatus.WITHIN),
        (220, RangeStatus.WITHIN),
        (221, RangeStatus.ABOVE),
    ],
)
def test_admissions_against_a_range_of_200_to_220_a_year_are_below_within_or_above(
    admitted: int, status: RangeStatus
) -> None:
    """Seed 003: "mỗi năm kết nạp từ 200 đến 220 đảng viên" — both ends are inside the range."""
    floor, ceiling = QuotaTarget.range(200, 220).resolve(None)
    assert range_status(admitted, floor, ceiling) is status


def test_the_pool_wanted_for_500_to_700_admissions_is_750_to_1400_and_1200_lies_inside() -> None:
    """Seed 000: the 2024 plan "khoảng từ 500 đến 700 đảng viên", and "nguồn kết nạp phải xây
    dựng được gấp 1,5-2 lần chỉ tiêu kết nạp": the wanted pool is 1.5 × 500 … 2 × 700. A pool of
    1,200 is inside (its ratio to the floor alone, 2.40, is not what the plan asks)."""
    band = pool_band(Decimal("1.5"), Decimal("2"), 500, 700)
    assert (band.needed_min, band.needed_max) == (750, 1400)
    assert band.holds(1200)
    assert band.holds(750)
    assert band.holds(1400)
    assert not band.holds(749)
    assert not band.holds(1401)


def test_the_pool_wanted_for_a_quota_of_7_rounds_to_whole_people() -> None:
    band = pool_band(Decimal("1.5"), Decimal("2"), 7, 7)
    assert (band.needed_min, band.needed_max) == (11, 14)


def test_without_congresses_the_congress_year_belongs_to_the_term_ending_in_it() -> None:
    """Seed 000: "tính từ đầu nhiệm kỳ đến hết năm 2024 đạt khoảng 80% kế hoạch … nhiệm kỳ
    2020-2025" — four of five years (2021–2024) by the end of 2024, 2025 still to come. So by
    default the 2020–2025 term counts 1/1/2021–31/12/2025, and 2025 does not count again in
    2025–2030 (which starts on 1/1/2026): no year in two terms."""
    ending, next_term = counted_period(TERM), counted_period(Period.term(2025, 2030))
    assert (ending.start, ending.end) == (date(2021, 1, 1), date(2025, 12, 31))
    assert (next_term.start, next_term.end) == (date(2026, 1, 1), date(2030, 12, 31))
    assert ending.key == "term:2020-2025"
    assert sum(p.contains(date(2025, 6, 30)) for p in (ending, next_term)) == 1
    before_2025 = [y for y in range(2021, 2026) if date(y, 12, 31) <= date(2024, 12, 31)]
    assert len(before_2025) / 5 == 0.8


def test_a_term_runs_from_its_congress_to_the_day_before_the_next() -> None:
    """Seed 001: the department's plan for the 2020–2025 term is dated 3/8/2020, after its
    congress; a congress on 15/7/2020 and the next on 20/6/2025 bound the term, and the days
    from 20/6/2025 count in 2025–2030."""
    congresses = [date(2020, 7, 15), date(2025, 6, 20), date(2015, 5, 1)]
    term = counted_period(TERM, congresses)
    following = counted_period(Period.term(2025, 2030), congresses)
    assert (term.start, term.end) == (date(2020, 7, 15), date(2025, 6, 19))
    assert (following.start, following.end) == (date(2025, 6, 20), date(2030, 12, 31))
    assert counted_period(Period.year(2025), congresses) == Period.year(2025)


# --- opening balances (số dư đầu kỳ) ---------------------------------------------------------------
REPORT = document("BC", date(2023, 6, 30), issuer="Ban Tổ chức Tỉnh ủy", number="45-BC/TU")


def test_an_opening_balance_records_the_counted_admissions_and_a_correction_replaces_it() -> None:
    plan = _plan(QuotaTarget.number(30))
    for admitted in (12, 14):
        plan.record_opening_balance(
            actor=ORGANIZER,
            occurred_on=date(2023, 7, 5),
            as_of=date(2023, 6, 30),
            admitted=admitted,
            document=REPORT,
        )
    again = replayed(plan.collect_events(), QuotaPlan)
    assert again.opening_balance is not None
    assert (again.opening_balance.admitted, again.opening_balance.as_of) == (14, date(2023, 6, 30))
    assert again.opening_balance.document == REPORT


@pytest.mark.parametrize(
    ("as_of", "admitted", "code"),
    [
        (date(2023, 6, 30), -1, "OPENING_BALANCE_NEGATIVE"),
        (date(2026, 1, 1), 5, "OPENING_BALANCE_OUTSIDE_PERIOD"),
        (date(2019, 12, 31), 5, "OPENING_BALANCE_OUTSIDE_PERIOD"),
    ],
)
def test_an_opening_balance_is_refused_when_negative_or_dated_outside_its_period(
    as_of: date, admitted: int, code: str
) -> None:
    plan = _plan(QuotaTarget.number(30))
    assert_refused(
        plan,
        lambda: plan.record_opening_balance(
            actor=ORGANIZER,
            occurred_on=date(2023, 7, 5),
            as_of=as_of,
            admitted=admitted,
            document=REPORT,
        ),
        code,
    )
