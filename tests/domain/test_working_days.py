"""Deadlines of the procedure count working days (ngày làm việc): weekends, Vietnamese public
holidays (Tết included) and the days a tenant declares off are skipped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.working_days import (
    MAX_DEADLINE_WORKING_DAYS,
    WorkingCalendar,
    add_months,
    months_between,
    public_holiday_name,
)
from tests.domain.builders import CALENDAR
from tests.domain.refusals import assert_well_formed, refused


def test_saturday_and_sunday_are_not_working_days() -> None:
    assert CALENDAR.is_working_day(date(2024, 3, 8))  # Friday
    assert not CALENDAR.is_working_day(date(2024, 3, 9))  # Saturday
    assert not CALENDAR.is_working_day(date(2024, 3, 10))  # Sunday
    assert CALENDAR.is_working_day(date(2024, 3, 11))  # Monday


def test_public_holidays_are_not_working_days() -> None:
    national_day = date(2024, 9, 2)  # a Monday
    assert public_holiday_name(national_day) is not None
    assert not CALENDAR.is_working_day(national_day)
    assert not CALENDAR.is_working_day(date(2024, 9, 3))  # the second day of National Day
    assert not CALENDAR.is_working_day(date(2025, 4, 30))  # Reunification Day
    assert not CALENDAR.is_working_day(date(2025, 5, 1))  # Labour Day
    assert public_holiday_name(date(2024, 9, 4)) is None


def test_tet_2025_runs_from_27_january_to_1_february() -> None:
    tet = [date(2025, 1, 27) + timedelta(days=n) for n in range(6)]
    assert all("Lunar New Year" in (public_holiday_name(day) or "") for day in tet)
    assert not any(CALENDAR.is_working_day(day) for day in tet)
    assert CALENDAR.is_working_day(date(2025, 1, 24))  # the Friday before
    assert CALENDAR.is_working_day(date(2025, 2, 3))  # the Monday after


def test_the_day_a_deadline_is_counted_from_is_not_itself_counted() -> None:
    assert CALENDAR.add_working_days(date(2024, 3, 1), 0) == date(2024, 3, 1)
    # Friday 1 March 2024 + 1 working day is the next Monday.
    assert CALENDAR.add_working_days(date(2024, 3, 1), 1) == date(2024, 3, 4)


def test_a_decision_due_60_working_days_after_a_january_2025_branch_resolution_skips_tet() -> None:
    # Branch resolution on Wednesday 15 January 2025; the working days after it:
    #   16–17 Jan: 1–2          20–24 Jan: 3–7           27 Jan–1 Feb: Tết, none
    #   3–7 Feb: 8–12           10–14 Feb: 13–17         17–21 Feb: 18–22
    #   24–28 Feb: 23–27        3–7 Mar: 28–32           10–14 Mar: 33–37
    #   17–21 Mar: 38–42        24–28 Mar: 43–47         31 Mar–4 Apr: 48–52
    #   7 Apr: Hùng Kings' day  8–11 Apr: 53–56          14–17 Apr: 57–60
    # so the decision is due on Thursday 17 April 2025.
    branch_resolution = date(2025, 1, 15)
    due = CALENDAR.add_working_days(branch_resolution, 60)
    assert due == date(2025, 4, 17)
    assert CALENDAR.working_days_between(branch_resolution, due) == 60


def test_a_day_off_declared_by_the_tenant_moves_a_deadline_one_working_day_later() -> None:
    # The province gives Monday 3 February 2025, the first day after Tết, off as well.
    calendar = WorkingCalendar(extra_days_off=frozenset({date(2025, 2, 3)}))
    assert not calendar.is_working_day(date(2025, 2, 3))
    assert calendar.add_working_days(date(2025, 1, 15), 60) == date(2025, 4, 18)


def test_the_saturday_worked_for_the_2_may_2025_bridge_day_counts_as_a_working_day() -> None:
    # Decision received Thursday 10 April 2025; 30 working days:
    #   11 Apr: 1   14–18 Apr: 2–6   21–25 Apr: 7–11   Sat 26 Apr (worked for 2 May): 12
    #   28–29 Apr: 13–14   30 Apr, 1 May, 2 May: holidays   5–9 May: 15–19
    #   12–16 May: 20–24   19–23 May: 25–29   26 May: 30                → Monday 26 May.
    received = date(2025, 4, 10)
    assert CALENDAR.is_working_day(date(2025, 4, 26))
    assert CALENDAR.add_working_days(received, 30) == date(2025, 5, 26)


def test_a_saturday_the_tenant_declares_worked_moves_a_deadline_one_day_earlier() -> None:
    # Same count as above; the tenant also worked Saturday 19 April: one day earlier, Friday 23 May.
    calendar = WorkingCalendar(extra_working_days=frozenset({date(2025, 4, 19)}))
    assert calendar.is_working_day(date(2025, 4, 19))
    assert calendar.add_working_days(date(2025, 4, 10), 30) == date(2025, 5, 23)


def test_a_declared_working_day_wins_over_a_public_holiday() -> None:
    calendar = WorkingCalendar(extra_working_days=frozenset({date(2024, 9, 3)}))
    assert calendar.is_working_day(date(2024, 9, 3))


@pytest.mark.parametrize("count", [-1, MAX_DEADLINE_WORKING_DAYS + 1])
def test_a_deadline_of_a_negative_or_absurd_number_of_working_days_is_refused(count: int) -> None:
    with refused(InvalidInput) as refusal:
        CALENDAR.add_working_days(date(2024, 3, 1), count)
    assert refusal.value.code == "WORKING_DAYS_OUT_OF_RANGE"
    assert_well_formed(refusal.value)


def test_no_working_days_lie_between_a_day_and_an_earlier_one() -> None:
    assert CALENDAR.working_days_between(date(2024, 3, 8), date(2024, 3, 1)) == 0
    assert CALENDAR.working_days_between(date(2024, 3, 8), date(2024, 3, 8)) == 0


def test_a_month_later_is_the_same_day_or_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 5), 12) == date(2025, 1, 5)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)


def test_whole_months_between_two_dates() -> None:
    assert months_between(date(2024, 1, 15), date(2024, 2, 14)) == 0
    assert months_between(date(2024, 1, 15), date(2024, 2, 15)) == 1
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert months_between(date(2024, 2, 15), date(2024, 1, 15)) == -1


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@settings(database=None, max_examples=60)
@given(start=days, count=st.integers(min_value=1, max_value=120))
def test_a_deadline_falls_on_a_working_day_exactly_that_many_working_days_later(
    start: date, count: int
) -> None:
    due = CALENDAR.add_working_days(start, count)
    assert CALENDAR.is_working_day(due)
    assert CALENDAR.working_days_between(start, due) == count


@settings(database=None, max_examples=200)
@given(day=days, months=st.integers(min_value=-120, max_value=120))
def test_add_months_and_months_between_agree(day: date, months: int) -> None:
    assert months_between(day, add_months(day, months)) == months
