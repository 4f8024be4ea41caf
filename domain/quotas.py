"""Quotas (chỉ tiêu kết nạp): per unit and period, as a number, a range or a share of headcount.

Set by a congress resolution for a term and broken into years, quarters and months; later
supplementary assignments (giao bổ sung) and adjustments (điều chỉnh) are recorded with reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import inputs as spec
from domain.errors import InvalidInput
from domain.inputs import value
from domain.values import Actor, DocumentRef


class PeriodKind(Enum):
    """Nhiệm kỳ, năm, quý, tháng."""

    TERM = "term"
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    """A reporting period with inclusive start and end dates."""

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                "PERIOD_INVALID",
                "Kỳ báo cáo có ngày kết thúc trước ngày bắt đầu.",
                "The period ends before it starts.",
                field="period",
            )

    @classmethod
    def term(cls, first_year: int, last_year: int) -> Period:
        """A congress term, e.g. 2020–2025 (nhiệm kỳ), named by its years: 1 January of the
        first to 31 December of the last. This nominal span names the term (its key, the plans
        set for it); the days its admissions are counted on are :func:`counted_period`'s."""
        if not 1930 <= first_year < last_year <= first_year + 10:
            raise InvalidInput(
                "PERIOD_INVALID", "Nhiệm kỳ không hợp lệ.", "The term is invalid.", field="period"
            )
        return cls(PeriodKind.TERM, date(first_year, 1, 1), date(last_year, 12, 31))

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year."""
        _check_year(year)
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """A quarter (1–4) of a year."""
        _check_year(year)
        if not 1 <= quarter <= 4:
            raise InvalidInput(
                "PERIOD_INVALID",
                f"Quý {quarter} không hợp lệ (1–4).",
                f"Quarter {quarter} is invalid (1–4).",
                field="period",
            )
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(PeriodKind.QUARTER, start, end - timedelta(days=1))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """A calendar month."""
        _check_year(year)
        if not 1 <= month <= 12:
            raise InvalidInput(
                "PERIOD_INVALID",
                f"Tháng {month} không hợp lệ (1–12).",
                f"Month {month} is invalid (1–12).",
                field="period",
            )
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(PeriodKind.MONTH, date(year, month, 1), end - timedelta(days=1))

    @property
    def key(self) -> str:
        """Stable key: "term:2020-2025", "year:2024", "quarter:2024-Q1", "month:2024-03"."""
        if self.kind is PeriodKind.TERM:
            return f"term:{self.start.year}-{self.end.year}"
        if self.kind is PeriodKind.YEAR:
            return f"year:{self.start.year}"
        if self.kind is PeriodKind.QUARTER:
            return f"quarter:{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"month:{self.start.year}-{self.start.month:02d}"

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls inside the period."""
        return self.start <= day <= self.end

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period written as "2020-2025" (term), "2024", "2024-Q3" or "2024-07"; the
        prefixed keys of :attr:`key` ("term:2020-2025", …) are accepted too."""
        value = text.strip().upper().partition(":")[2] or text.strip().upper()
        match = _PERIOD_TEXT.fullmatch(value)
        if match is None:
            raise InvalidInput(
                "PERIOD_INVALID",
                f"Không đọc được kỳ «{text}»: viết 2020-2025 (nhiệm kỳ), 2024 (năm), 2024-Q3 "
                "(quý) hoặc 2024-07 (tháng).",
                f"Cannot read the period '{text}': write 2020-2025 (term), 2024 (year), "
                "2024-Q3 (quarter) or 2024-07 (month).",
                field="period",
            )
        year = int(match["year"])
        if match["last"]:
            return cls.term(year, int(match["last"]))
        if match["quarter"]:
            return cls.quarter(year, int(match["quarter"]))
        if match["month"]:
            return cls.month(year, int(match["month"]))
        return cls.year(year)


@dataclass(frozen=True)
class CountedPeriod(Period):
    """A period as its admissions are counted: a term bounded by its congresses. It keeps the
    nominal period it counts for (its key names the plans set for that term)."""

    nominal: Period

    @property
    def key(self) -> str:
        """The nominal period's key ("term:2020-2025")."""
        return self.nominal.key


def counted_period(period: Period, congresses: Iterable[date] = ()) -> Period:
    """The days on which admissions count towards ``period``.

    Years, quarters and months are counted as they are. A term runs from one congress to the
    next (nhiệm kỳ đại hội): from the congress held in its first year, to the day before the
    congress held in its last year — the tenant records them (``RecordCongress``). Without a
    recorded congress the congress year belongs to the term that ends in it: a term counts from
    1 January of the year after its first to 31 December of its last, so 2025 counts once (in
    2020–2025), never in 2025–2030 too. This default is what the documents do: the 2024 plan of
    the national oil & gas group (seed 000) reaches "about 80 % of the 2020–2025 plan by the end
    of 2024" — four of the five years 2021–2024, 2025 still to come; and the provincial
    enterprise bloc (seed 003) planned 200–220 "each year" of its 2015–2020 term, "nearly two
    years" in by February 2018 — the years 2016 and 2017.
    """
    if period.kind is not PeriodKind.TERM:
        return period
    first, last = period.start.year, period.end.year
    held = sorted(set(congresses))
    opening = [day for day in held if day.year == first]
    closing = [day for day in held if day.year == last]
    start = opening[0] if opening else date(first + 1, 1, 1)
    end = closing[0] - timedelta(days=1) if closing else date(last, 12, 31)
    return CountedPeriod(PeriodKind.TERM, start, end, nominal=period)


_PERIOD_TEXT = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?P<last>[0-9]{4})|-Q(?P<quarter>[0-9])|-(?P<month>[0-9]{2}))?"
)


def _check_year(year: int) -> None:
    if not 1930 <= year <= 2200:
        raise InvalidInput(
            "PERIOD_INVALID",
            f"Năm {year} không hợp lệ.",
            f"Year {year} is invalid.",
            field="period",
        )


class TargetKind(Enum):
    """How the target is expressed."""

    NUMBER = "number"
    RANGE = "range"
    PERCENT_OF_HEADCOUNT = "percent_of_headcount"


@value
class QuotaTarget:
    """A quota's target (chỉ tiêu): a number, a range (min–max) or a share (min–max %) of the unit's member headcount at the period's start. Numbers are written as text (e.g. "30", "4.5") and checked with the other rules."""

    kind: TargetKind = spec.given("How the target is expressed.")
    minimum: Decimal = spec.number("The number, the range's lower bound, or the lowest percentage.")
    maximum: Decimal = spec.number(
        "The range's upper bound or the highest percentage (default: the minimum); leave out "
        "for a number.",
        same_as="minimum",
    )

    def check_input(self) -> None:
        """A number target has one value (checked on input, not on stored targets)."""
        if self.kind is TargetKind.NUMBER and self.maximum != self.minimum:
            raise InvalidInput(
                "QUOTA_TARGET_INVALID",
                "Chỉ tiêu dạng số chỉ có một giá trị: hãy bỏ trống giá trị tối đa hoặc dùng khoảng.",
                "A number target has one value: leave the maximum out or use a range.",
                field="maximum",
            )

    def __post_init__(self) -> None:
        if self.minimum < 0 or self.maximum < self.minimum:
            raise InvalidInput(
                "QUOTA_TARGET_INVALID",
                f"Chỉ tiêu không hợp lệ: tối thiểu {self.minimum}, tối đa {self.maximum}.",
                f"Invalid target: minimum {self.minimum}, maximum {self.maximum}.",
                field="target",
            )
        if self.kind is TargetKind.PERCENT_OF_HEADCOUNT and self.maximum > 100:
            raise InvalidInput(
                "QUOTA_TARGET_INVALID",
                "Tỷ lệ chỉ tiêu không được vượt 100%.",
                "A percentage target cannot exceed 100 %.",
                field="target",
            )
        if self.kind is not TargetKind.PERCENT_OF_HEADCOUNT and (
            self.minimum != self.minimum.to_integral_value()
            or self.maximum != self.maximum.to_integral_value()
        ):
            raise InvalidInput(
                "QUOTA_TARGET_INVALID",
                "Chỉ tiêu số lượng phải là số nguyên.",
                "A number or range target must be whole numbers.",
                field="target",
            )

    @classmethod
    def number(cls, value: int) -> QuotaTarget:
        """A fixed number of admissions."""
        return cls(TargetKind.NUMBER, Decimal(value), Decimal(value))

    @classmethod
    def range(cls, minimum: int, maximum: int) -> QuotaTarget:
        """A range of admissions, e.g. 500–700."""
        return cls(TargetKind.RANGE, Decimal(minimum), Decimal(maximum))

    @classmethod
    def percent(cls, minimum: Decimal | str, maximum: Decimal | str | None = None) -> QuotaTarget:
        """A share of the member headcount at the period's start, e.g. ≥ 7 % or 4–7 %."""
        low = Decimal(minimum)
        return cls(
            TargetKind.PERCENT_OF_HEADCOUNT, low, Decimal(maximum) if maximum is not None else low
        )

    def resolve(self, headcount: int | None) -> tuple[int, int]:
        """The target in admissions (min, max); a percentage is taken of ``headcount``, rounded up."""
        if self.kind is not TargetKind.PERCENT_OF_HEADCOUNT:
            return int(self.minimum), int(self.maximum)
        if headcount is None:
            raise InvalidInput(
                "HEADCOUNT_MISSING",
                "Chưa có số đảng viên để tính chỉ tiêu theo tỷ lệ.",
                "No member headcount has been reported to resolve a percentage target.",
                field="headcount",
            )
        return (
            int((self.minimum * headcount / 100).to_integral_value(ROUND_CEILING)),
            int((self.maximum * headcount / 100).to_integral_value(ROUND_CEILING)),
        )


@dataclass(frozen=True)
class Attainment:
    """Admitted against the quota: percent with two decimals and the surplus (negative: short)."""

    admitted: int
    quota: int
    percent: Decimal | None
    surplus: int


def attainment(admitted: int, quota: int) -> Attainment:
    """Attainment = admitted / quota in %, rounded half-up to two decimals; surplus = admitted − quota.

    9,701 admitted of 9,352 → 103.73 %, 349 over; 6 of 7 → 85.71 %, 1 short.
    """
    percent = percent_of(admitted, quota) if quota > 0 else None
    return Attainment(admitted=admitted, quota=quota, percent=percent, surplus=admitted - quota)


class RangeStatus(Enum):
    """Where admissions stand against a target's range (dưới / trong / vượt khoảng chỉ tiêu):
    below its floor, within it (floor and ceiling included), above its ceiling."""

    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


def range_status(admitted: int, floor: int, ceiling: int) -> RangeStatus:
    """Admitted against ``floor``–``ceiling``: 199 of 200–220 is below, 200 and 220 are within,
    221 is above (seed 003: "mỗi năm kết nạp từ 200 đến 220 đảng viên")."""
    if admitted < floor:
        return RangeStatus.BELOW
    if admitted > ceiling:
        return RangeStatus.ABOVE
    return RangeStatus.WITHIN


@dataclass(frozen=True)
class PoolBand:
    """The source pool wanted for a quota: ``ratio_min`` × its floor to ``ratio_max`` × its
    ceiling (nguồn kết nạp gấp 1,5–2 lần chỉ tiêu), in people, and whether a pool lies in it."""

    needed_min: int
    needed_max: int

    def holds(self, pool: int) -> bool:
        """Whether ``pool`` people lie inside the band (both ends included)."""
        return self.needed_min <= pool <= self.needed_max


def pool_band(ratio_min: Decimal, ratio_max: Decimal, quota: int, quota_max: int) -> PoolBand:
    """The pool wanted for a quota of ``quota``–``quota_max``: 1.5–2 × 500–700 is 750–1,400
    (seed 000: "nguồn kết nạp phải xây dựng được gấp 1,5-2 lần chỉ tiêu kết nạp", 2024 plan
    "khoảng từ 500 đến 700"). The floor is rounded up and the ceiling down: a whole person."""
    low = (ratio_min * quota).to_integral_value(ROUND_CEILING)
    high = (ratio_max * quota_max).to_integral_value(ROUND_FLOOR)
    return PoolBand(int(low), int(max(low, high)))


def percent_of(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in %, rounded half-up to two decimals; None when ``whole`` is 0
    (how every share is reported: attainment, coverage, funnel conversion)."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def share_of_year(year_figure: int, period: Period) -> int:
    """A quarter's or a month's share of a year's figure: ``year_figure`` × the period's months
    ÷ 12, rounded up (a year of 30 gives 8 a quarter and 3 a month).

    Why rounded up: a committee reporting on a quarter with no plan of its own is held to at
    least its proportional part of the year; rounding down would let four quarters below the
    line add up to a met year. The shares of the periods of a year may therefore sum to a little
    more than the year's figure. Only quarters and months have a share (``PERIOD_INVALID``).
    """
    months = {PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}.get(period.kind)
    if months is None:
        raise InvalidInput(
            "PERIOD_INVALID",
            "Chỉ quý hoặc tháng mới có phần chỉ tiêu chia từ năm.",
            "Only a quarter or a month has a share of the year's target.",
            field="period",
        )
    return -(-year_figure * months // 12)


class QuotaPlan(Aggregate):
    """The quota of one unit for one period, with its supplementary assignments and adjustments."""

    @event("Set")
    def __init__(
        self,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        unit_id: UUID,
        period: Period,
        target: QuotaTarget,
    ) -> None:
        self.tenant = tenant
        self.unit_id = unit_id
        self.period = period
        self.target = target
        self.supplementary: list[tuple[date, int, str]] = []
        self.adjustments: list[tuple[date, QuotaTarget, str]] = []
        self.opening_balance: OpeningBalance | None = None

    @classmethod
    def set(
        cls,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        unit_id: UUID,
        period: Period,
        target: QuotaTarget,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> QuotaPlan:
        """Set the quota of a unit for a period (giao chỉ tiêu), usually by a congress resolution."""
        return cls(
            id=id,
            tenant=tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            unit_id=unit_id,
            period=period,
            target=target,
        )

    def target_on(self, on: date) -> QuotaTarget:
        """The target as adjusted up to business date ``on``."""
        in_effect = [
            (when, order, target)
            for order, (when, target, _) in enumerate(self.adjustments)
            if when <= on
        ]
        # the latest effective date wins; of two on the same date, the one recorded last
        return max(in_effect, key=lambda item: item[:2])[2] if in_effect else self.target

    def supplementary_on(self, on: date) -> int:
        """Admissions assigned on top of the target up to ``on``."""
        return sum(amount for when, amount, _ in self.supplementary if when <= on)

    def assign_supplementary(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        amount: int,
        reason: str,
        document: DocumentRef,
        notes: str = "",
    ) -> None:
        """Assign more admissions later in the period (giao bổ sung), e.g. +15 in 2021."""
        _require_reason(reason)
        if amount == 0:
            raise InvalidInput(
                "SUPPLEMENTARY_ZERO",
                "Số giao bổ sung phải khác 0.",
                "A supplementary assignment must not be zero.",
                field="amount",
            )
        self._supplementary_assigned(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            amount=amount,
            reason=reason,
        )

    @event("SupplementaryAssigned")
    def _supplementary_assigned(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        amount: int,
        reason: str,
    ) -> None:
        self.supplementary.append((occurred_on, amount, reason))

    def adjust(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        target: QuotaTarget,
        reason: str,
        document: DocumentRef,
        notes: str = "",
    ) -> None:
        """Replace the target from ``occurred_on`` (điều chỉnh chỉ tiêu), with the reason."""
        _require_reason(reason)
        self._adjusted(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            target=target,
            reason=reason,
        )

    @event("Adjusted")
    def _adjusted(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        target: QuotaTarget,
        reason: str,
    ) -> None:
        self.adjustments.append((occurred_on, target, reason))

    def record_opening_balance(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        as_of: date,
        admitted: int,
        document: DocumentRef,
        notes: str = "",
    ) -> None:
        """Record the admissions of the period up to ``as_of`` counted in a past report (số dư
        đầu kỳ), for a committee whose earlier admissions exist only as counts. A later balance
        replaces the earlier one (a correction), checked by the same rules.

        The balance stands for every admission of the plan's unit (and its subtree) counted on
        or before ``as_of``: cases recorded with counting days after ``as_of`` add to it. Cases
        recorded with counting days on or before ``as_of`` would be counted twice; the aggregate
        cannot see them (they are other aggregates), so that check is not made here."""
        if admitted < 0:
            raise InvalidInput(
                "OPENING_BALANCE_NEGATIVE",
                "Số đã kết nạp đầu kỳ không được âm.",
                "An opening balance cannot be negative.",
                field="admitted",
            )
        if not self.period.contains(as_of):
            raise InvalidInput(
                "OPENING_BALANCE_OUTSIDE_PERIOD",
                f"Ngày chốt số liệu {as_of:%d/%m/%Y} nằm ngoài kỳ {self.period.key}.",
                f"The balance's date {as_of:%d/%m/%Y} lies outside the period {self.period.key}.",
                field="asOf",
            )
        self._opening_balance_recorded(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            as_of=as_of,
            admitted=admitted,
        )

    @event("OpeningBalanceRecorded")
    def _opening_balance_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        as_of: date,
        admitted: int,
    ) -> None:
        assert document is not None
        self.opening_balance = OpeningBalance(as_of=as_of, admitted=admitted, document=document)


@dataclass(frozen=True)
class OpeningBalance:
    """Admissions of a plan's period up to ``as_of`` taken from a past report (``document``)."""

    as_of: date
    admitted: int
    document: DocumentRef


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(
            "REASON_REQUIRED", "Phải nêu lý do.", "A reason is required.", field="reason"
        )
