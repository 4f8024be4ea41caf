"""A tenant's own settings that the rules and reports depend on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput
from domain.values import Actor, DocumentRef
from domain.working_days import WorkingCalendar


class CountingBasis(Enum):
    """Which date counts an admission towards a quota."""

    DECISION_DATE = "decision_date"  # ngày quyết định kết nạp (default)
    CEREMONY_DATE = "ceremony_date"  # ngày tổ chức lễ kết nạp


class TenantPolicy(Aggregate):
    """Counting basis, source-pool ratio, stall threshold and the tenant's extra days off/on."""

    @event("Created")
    def __init__(self, *, id: UUID, tenant: str, actor: Actor) -> None:
        self.tenant = tenant
        self.counting_basis = CountingBasis.DECISION_DATE
        self.source_pool_ratio = (Decimal("1.5"), Decimal("2"))
        self.stalled_after_days = 180
        self.days_off: set[date] = set()
        self.working_days: set[date] = set()
        self.congresses: dict[date, DocumentRef | None] = {}

    @property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar with this tenant's declared days."""
        return WorkingCalendar(frozenset(self.days_off), frozenset(self.working_days))

    def choose_counting_basis(self, *, actor: Actor, basis: CountingBasis) -> None:
        """Count admissions by decision date (default) or by ceremony date."""
        self._counting_basis_chosen(tenant=self.tenant, actor=actor, basis=basis)

    @event("CountingBasisChosen")
    def _counting_basis_chosen(self, *, tenant: str, actor: Actor, basis: CountingBasis) -> None:
        self.counting_basis = basis

    def set_source_pool_ratio(self, *, actor: Actor, minimum: Decimal, maximum: Decimal) -> None:
        """Candidates in the pipeline should be ``minimum``–``maximum`` × the quota (tenant policy)."""
        if minimum <= 0 or maximum < minimum:
            raise InvalidInput(
                "SOURCE_POOL_RATIO_INVALID",
                "Tỷ lệ nguồn không hợp lệ.",
                "The source-pool ratio is invalid.",
                field="ratio",
            )
        self._source_pool_ratio_set(
            tenant=self.tenant, actor=actor, minimum=minimum, maximum=maximum
        )

    @event("SourcePoolRatioSet")
    def _source_pool_ratio_set(
        self, *, tenant: str, actor: Actor, minimum: Decimal, maximum: Decimal
    ) -> None:
        self.source_pool_ratio = (minimum, maximum)

    def set_stalled_threshold(self, *, actor: Actor, days: int) -> None:
        """A candidate with no step for more than ``days`` calendar days counts as stalled."""
        if not 1 <= days <= 3650:
            raise InvalidInput(
                "STALLED_THRESHOLD_INVALID",
                "Ngưỡng tồn đọng phải từ 1 đến 3650 ngày.",
                "The stall threshold must be 1–3650 days.",
                field="days",
            )
        self._stalled_threshold_set(tenant=self.tenant, actor=actor, days=days)

    @event("StalledThresholdSet")
    def _stalled_threshold_set(self, *, tenant: str, actor: Actor, days: int) -> None:
        self.stalled_after_days = days

    def record_congress(
        self, *, actor: Actor, occurred_on: date, document: DocumentRef, notes: str = ""
    ) -> None:
        """Record the day the tenant's congress opened (đại hội đảng bộ): a term runs from one
        congress to the next (see :func:`domain.quotas.counted_period`). One congress a year."""
        same_year = [day for day in self.congresses if day.year == occurred_on.year]
        if same_year:
            raise InvalidInput(
                "CONGRESS_ALREADY_RECORDED",
                f"Đã ghi nhận đại hội năm {occurred_on.year} (ngày {same_year[0]:%d/%m/%Y}).",
                f"A congress of {occurred_on.year} is already recorded ({same_year[0]:%d/%m/%Y}).",
                field="occurred_on",
            )
        self._congress_recorded(
            tenant=self.tenant, actor=actor, occurred_on=occurred_on, document=document, notes=notes
        )

    @event("CongressRecorded")
    def _congress_recorded(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
    ) -> None:
        self.congresses[occurred_on] = document

    def declare_day_off(
        self, *, actor: Actor, day: date, document: DocumentRef | None = None, notes: str = ""
    ) -> None:
        """Declare an extra day off (e.g. a bridge day) that deadlines skip."""
        if day in self.days_off:
            raise InvalidInput(
                "DAY_ALREADY_DECLARED",
                f"Ngày {day:%d/%m/%Y} đã được khai báo nghỉ.",
                f"{day:%d/%m/%Y} is already declared a day off.",
                field="day",
            )
        self._day_off_declared(
            tenant=self.tenant, actor=actor, day=day, document=document, notes=notes
        )

    @event("DayOffDeclared")
    def _day_off_declared(
        self, *, tenant: str, actor: Actor, day: date, document: DocumentRef | None, notes: str
    ) -> None:
        self.days_off.add(day)
        self.working_days.discard(day)

    def declare_working_day(
        self, *, actor: Actor, day: date, document: DocumentRef | None = None, notes: str = ""
    ) -> None:
        """Declare an extra working day (e.g. a Saturday worked in exchange for a bridge day)."""
        if day in self.working_days:
            raise InvalidInput(
                "DAY_ALREADY_DECLARED",
                f"Ngày {day:%d/%m/%Y} đã được khai báo làm việc.",
                f"{day:%d/%m/%Y} is already declared a working day.",
                field="day",
            )
        self._working_day_declared(
            tenant=self.tenant, actor=actor, day=day, document=document, notes=notes
        )

    @event("WorkingDayDeclared")
    def _working_day_declared(
        self, *, tenant: str, actor: Actor, day: date, document: DocumentRef | None, notes: str
    ) -> None:
        self.working_days.add(day)
        self.days_off.discard(day)
