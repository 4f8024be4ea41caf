"""Working days (ngày làm việc): weekends and Vietnamese public holidays, Tết included, skipped.

Public holidays come from the ``holidays`` package; a tenant may declare extra days off (e.g. a
provincial bridge day) and extra working days (a Saturday worked to make up a bridge day).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

from domain.errors import InvalidInput

MAX_DEADLINE_WORKING_DAYS = 2000


@lru_cache(maxsize=256)
def _public_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Vietnam's public holidays of one year, and the Saturdays worked in exchange for a bridge
    day (e.g. 26/4/2025 for 2/5/2025); computed by the holidays package, cached."""
    days = holidays.country_holidays("VN", years=year)
    worked = frozenset(d for d in getattr(days, "weekend_workdays", ()) if d.year == year)
    return frozenset(days.keys()), worked


def public_holiday_name(day: date) -> str | None:
    """The name of the public holiday on ``day``, if it is one."""
    name = holidays.country_holidays("VN", years=day.year).get(day)
    return str(name) if name is not None else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it has no such day (31/1 → 28/2)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (negative when ``later`` is before)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day and add_months(earlier, months) > later:
        months -= 1
    return months


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count as working days for one tenant."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        """Mon–Fri and not a public holiday, or a Saturday worked in exchange for a bridge day;
        the tenant's declared days off and working days take precedence."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        public_holidays, weekend_workdays = _public_calendar(day.year)
        if day in weekend_workdays:
            return True
        return day.weekday() < 5 and day not in public_holidays

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        if count < 0 or count > MAX_DEADLINE_WORKING_DAYS:
            raise InvalidInput(
                "WORKING_DAYS_OUT_OF_RANGE",
                f"Số ngày làm việc không hợp lệ: {count}.",
                f"Invalid number of working days: {count}.",
                field="working_days",
            )
        return _add_working_days(self, start, count)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


@lru_cache(maxsize=65_536)
def _add_working_days(calendar: WorkingCalendar, start: date, count: int) -> date:
    # Cached: read models recompute the same deadlines for every event of a case.
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            remaining -= 1
    return day
