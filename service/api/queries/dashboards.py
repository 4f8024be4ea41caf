"""Dashboard queries: quota attainment and the figures around it, the pipeline, the structure of
admitted members, and the organisation tree — the read models of ``projections.queries`` at a
cut (``asOf``, ``asRecordedAt``).

Every field needs :attr:`Capability.READ_DASHBOARDS` (organizers, branch secretaries, leaders,
auditors). The figures are counts and percentages over the whole tenant; no candidate's name or
other personal data is exposed here (stalled cases name the case code only). A branch
secretary's list of stalled cases is limited to its units (``ApiContext.read_scope``), as its
case list is.

Inputs: a **period** is written ``2020-2025`` (term), ``2024`` (year), ``2024-Q3`` (quarter) or
``2024-07`` (month); a **unit code** names a unit that existed on ``asOf``. A bad period
(``PERIOD_INVALID``) or an unknown unit (``NOT_FOUND``) is refused with a bilingual domain
error. Where a unit code narrows a figure to a subtree, the subtree is the unit's on ``asOf``.

Figures computed over the whole tree (attainment rows, counts per unit and stage) are plain
lists; the units and the stalled cases are connections. ``orgUnits`` pages in SQL (keyset by
unit code, byte order on both backends); ``stalledCases`` pages the list the read model
computes (the stall threshold is applied in Python), keyset by case code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain import ids
from domain.candidates import Stage
from domain.errors import NotFound
from domain.quotas import Period, RangeStatus
from projections.cut import Cut
from projections.queries import attainment, org_tree, pipeline, structure
from projections.queries.org_tree import UnitNode
from projections.queries.unit_report import unit_report as report_of_units
from projections.sql import Tx
from service.api.context import ApiContext, CutKey, get_context
from service.api.permissions import Capability, needs
from service.api.queries.core import AsOf, AsRecordedAt
from service.api.relay import (
    After,
    Connection,
    First,
    connection,
    decode_cursor,
    global_id,
    page_size,
)
from service.api.types import OrgUnit

PERIOD_HELP = (
    "Period (kỳ): 2020-2025 (term, nhiệm kỳ), 2024 (year), 2024-Q3 (quarter) or 2024-07 (month)."
)
PeriodArg = Annotated[str, strawberry.argument(description=PERIOD_HELP)]
UnitCodeArg = Annotated[
    str,
    strawberry.argument(description="Code of the unit (mã đơn vị); its subtree on the date."),
]
OptionalUnitCode = Annotated[
    str | None,
    strawberry.argument(
        description="Only this unit (mã đơn vị) and the units under it on the date "
        "(default: the whole tenant)."
    ),
]


# --- input helpers ------------------------------------------------------------------------------
def unit_id_on(ctx: ApiContext, tx: Tx, cut: Cut, code: str, *, field: str = "unitCode") -> str:
    """The id of the unit ``code`` if it existed on ``cut.as_of`` (bilingual ``NOT_FOUND``)."""
    unit_id = str(ids.unit_id(ctx.tenant, code))
    if org_tree.unit_on(tx, cut, unit_id) is None:
        raise NotFound(
            "NOT_FOUND",
            f"Không tìm thấy đơn vị «{code}» vào ngày {cut.as_of:%d/%m/%Y}.",
            f"No unit '{code}' existed on {cut.as_of:%d/%m/%Y}.",
            field=field,
        )
    return unit_id


def subtree_ids(ctx: ApiContext, tx: Tx, cut: Cut, code: str | None) -> list[str] | None:
    """The unit ``code`` and the units under it on ``cut.as_of`` (None: no unit asked)."""
    if code is None:
        return None
    return sorted(org_tree.subtree(tx, cut, unit_id_on(ctx, tx, cut, code)))


async def load_unit(info: Info, cut: CutKey, unit_id: str) -> OrgUnit:
    """A unit the figures name, through the request's unit loader."""
    node = await get_context(info).unit_loader.load((cut, unit_id))
    if node is None:  # every unit a figure names existed on the cut's date
        raise LookupError(f"unit {unit_id} not found at {cut}")
    return OrgUnit.of(node, cut)


async def load_units(info: Info, cut: CutKey, unit_ids: Sequence[str]) -> list[OrgUnit]:
    """Units the figures name (those found on the cut's date), in the given order."""
    nodes = await get_context(info).unit_loader.load_many([(cut, u) for u in unit_ids])
    return [OrgUnit.of(node, cut) for node in nodes if node is not None]


# --- quota attainment ---------------------------------------------------------------------------
RangeStatusEnum = strawberry.enum(
    RangeStatus,
    name="RangeStatus",
    description="Where admissions stand against the quota's range (khoảng chỉ tiêu): below its "
    "floor, within it (both ends included) or above its ceiling — e.g. 200–220 a year.",
)


@strawberry.enum(description="Where a plan's target comes from (nguồn chỉ tiêu).")
class PlanSource(Enum):
    SET = strawberry.enum_value("set", description="A plan set for the period itself.")
    DERIVED_FROM_YEAR = strawberry.enum_value(
        "derived_from_year",
        description="No plan set for the quarter or month: the year plan's target and "
        "supplementary assignments each × months ÷ 12, rounded up.",
    )


@strawberry.type(description="A quota plan (kế hoạch chỉ tiêu) counted in an attainment row.")
class QuotaPlanFigures:
    plan_unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    target_kind: str = strawberry.field(
        description="How the target is set: number, range or percent_of_headcount."
    )
    percent_min: Decimal | None = strawberry.field(
        description="Lower percentage of the headcount (percentage targets)."
    )
    percent_max: Decimal | None = strawberry.field(
        description="Upper percentage of the headcount (percentage targets)."
    )
    headcount: int | None = strawberry.field(
        description="Party members (số đảng viên) at the period start (percentage targets): "
        "the unit's own report, or its sub-units' sum when it reported none."
    )
    headcount_rolled_up: bool = strawberry.field(
        description="Whether headcount is the sum of the plan unit's sub-units' headcounts."
    )
    target_min: int | None = strawberry.field(
        description="Target minimum in admissions; null for a percentage without a headcount."
    )
    target_max: int | None = strawberry.field(description="Target maximum in admissions.")
    supplementary: int = strawberry.field(
        description="Supplementary assignments (chỉ tiêu bổ sung) dated on or before the date."
    )
    quota: int | None = strawberry.field(
        description="Target minimum plus supplementary assignments (chỉ tiêu)."
    )
    quota_max: int | None = strawberry.field(
        description="Target maximum plus supplementary assignments."
    )
    plan_source: PlanSource = strawberry.field(
        description="SET, or DERIVED_FROM_YEAR for a quarter or month with no plan of its own "
        "(the year's figures × months ÷ 12, rounded up)."
    )
    opening_balance: int = strawberry.field(
        description="Admissions up to openingAsOf taken from a past report (số dư đầu kỳ, "
        "recordOpeningBalance), counted in admitted; 0 when none (or the date is before it)."
    )
    opening_as_of: date | None = strawberry.field(
        description="The day the opening balance stands at."
    )
    opening_document: str | None = strawberry.field(
        description="The past report the opening balance comes from."
    )
    opening_overlap: int = strawberry.field(
        description="Cases of the unit's subtree recorded with counting days on or before "
        "openingAsOf: the balance counts them already, so admitted counts them twice — a flag "
        "to correct (record such cases' admissions after the balance's date, or lower it)."
    )

    @classmethod
    def of(cls, plan: attainment.PlanFigures, cut: CutKey) -> QuotaPlanFigures:
        return cls(
            plan_unit_key=plan.unit_id,
            cut=cut,
            target_kind=plan.target_kind,
            percent_min=plan.percent_min,
            percent_max=plan.percent_max,
            headcount=plan.headcount,
            headcount_rolled_up=plan.headcount_rolled_up,
            target_min=plan.target_min,
            target_max=plan.target_max,
            supplementary=plan.supplementary,
            quota=plan.quota,
            quota_max=plan.quota_max,
            plan_source=PlanSource(plan.plan_source),
            opening_balance=plan.opening_admitted,
            opening_as_of=plan.opening_as_of,
            opening_document=plan.opening_document,
            opening_overlap=plan.opening_overlap,
        )

    @strawberry.field(description="The unit the plan was set for.")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.plan_unit_key)


_FIGURES = {
    "quota": "Quota (chỉ tiêu): target minimum plus supplementary assignments (giao bổ sung); "
    "null without a plan.",
    "quota_max": "Upper end of the quota (range or percentage targets), supplementary "
    "assignments included.",
    "target": "The resolution's own target (chỉ tiêu theo nghị quyết), without supplementary "
    "assignments: its minimum in admissions.",
    "target_max": "Upper end of the resolution's own target.",
    "percent": "Attainment (tỷ lệ đạt chỉ tiêu) against the quota, percent with two decimals.",
    "surplus": "Admitted minus quota (vượt/thiếu); negative when short.",
    "target_percent": "Attainment against the resolution's own target, without supplementary "
    "assignments (e.g. 32 of 30 = 106.67 %), percent with two decimals.",
    "target_surplus": "Admitted minus the resolution's own target; negative when short.",
    "range_status": "Admitted against quota…quotaMax: below, within or above (null without a "
    "quota).",
    "met": "Whether admitted ≥ quota (đạt chỉ tiêu); null without a quota.",
    "unresolved_plans": "Plans left out: a percentage target without any headcount report.",
}


def _figure(name: str) -> Any:
    return strawberry.field(description=_FIGURES[name])


@strawberry.type(
    description="Admissions against the plans of a unit's topmost planned sub-units, summed "
    "(cộng chỉ tiêu các đơn vị trực thuộc) — shown beside the unit's own plan."
)
class QuotaRollUp:
    quota: int | None = _figure("quota")
    quota_max: int | None = _figure("quota_max")
    target: int | None = _figure("target")
    target_max: int | None = _figure("target_max")
    admitted: int = strawberry.field(
        description="Admissions counted in the period up to the date over the unit's subtree."
    )
    percent: Decimal | None = _figure("percent")
    surplus: int | None = _figure("surplus")
    target_percent: Decimal | None = _figure("target_percent")
    target_surplus: int | None = _figure("target_surplus")
    range_status: RangeStatus | None = _figure("range_status")
    met: bool | None = _figure("met")
    unresolved_plans: int = _figure("unresolved_plans")
    plans: list[QuotaPlanFigures] = strawberry.field(description="The sub-units' plans summed.")

    @classmethod
    def of(cls, figures: attainment.QuotaFigures, cut: CutKey) -> QuotaRollUp:
        return cls(**_quota_figures(figures, cut))


def _quota_figures(f: attainment.QuotaFigures, cut: CutKey) -> dict[str, Any]:
    """The figures a roll-up and a unit's attainment row both show, from ``f``."""
    return {
        "quota": f.quota,
        "quota_max": f.quota_max,
        "target": f.target,
        "target_max": f.target_max,
        "admitted": f.admitted,
        "percent": f.percent,
        "surplus": f.surplus,
        "target_percent": f.target_percent,
        "target_surplus": f.target_surplus,
        "range_status": f.range_status,
        "met": f.met,
        "unresolved_plans": f.unresolved_plans,
        "plans": [QuotaPlanFigures.of(p, cut) for p in f.plans],
    }


@strawberry.type(
    description="A unit's admissions against its quota (chỉ tiêu kết nạp) for one period: its own "
    "plan, or the plans of its topmost planned sub-units rolled up; a unit with both shows its "
    "own plan here and the sub-units' roll-up in subUnits."
)
class UnitAttainment:
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    code: str = strawberry.field(description="The unit's code (mã đơn vị).")
    name: str = strawberry.field(description="The unit's name on the date.")
    kind: str = strawberry.field(description="The unit's kind on the date.")
    period: str = strawberry.field(description="The period's key, e.g. year:2024.")
    source: str | None = strawberry.field(
        description="Where the quota comes from: plan (its own), sub_units (rolled up from its "
        "topmost planned sub-units) or null (no quota)."
    )
    quota: int | None = _figure("quota")
    quota_max: int | None = _figure("quota_max")
    target: int | None = _figure("target")
    target_max: int | None = _figure("target_max")
    admitted: int = strawberry.field(
        description="Admissions (kết nạp) counted in the period up to the date, over the "
        "subtree as it stood on each admission's counting day; a term counts from its congress "
        "to the next (see recordCongress)."
    )
    opening_balance: int = strawberry.field(
        description="Of admitted, those taken from past reports' opening balances over the "
        "subtree (số dư đầu kỳ, recordOpeningBalance); the plans name their reports."
    )
    from_balance: bool = strawberry.field(
        description="Whether admitted includes an opening balance (marked: counted, not cases)."
    )
    percent: Decimal | None = _figure("percent")
    surplus: int | None = _figure("surplus")
    target_percent: Decimal | None = _figure("target_percent")
    target_surplus: int | None = _figure("target_surplus")
    range_status: RangeStatus | None = _figure("range_status")
    met: bool | None = _figure("met")
    unresolved_plans: int = _figure("unresolved_plans")
    plans: list[QuotaPlanFigures] = strawberry.field(
        description="The plans counted: its own, or its sub-units' (roll-up)."
    )
    sub_units: QuotaRollUp | None = strawberry.field(
        description="Its topmost planned sub-units' plans summed, against the same admissions — "
        "also when the unit has a plan of its own; null when no sub-unit has a plan."
    )

    @classmethod
    def of(cls, row: attainment.UnitAttainment, cut: CutKey) -> UnitAttainment:
        return cls(
            unit_key=row.unit_id,
            cut=cut,
            code=row.code,
            name=row.name,
            kind=row.kind,
            period=row.period_key,
            source=row.source,
            opening_balance=row.opening_balance,
            from_balance=row.opening_balance > 0,
            sub_units=None if row.sub_units is None else QuotaRollUp.of(row.sub_units, cut),
            **_quota_figures(row.figures, cut),
        )

    @strawberry.field(description="The unit (tổ chức đảng) on the date.")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.unit_key)


@strawberry.type(
    description="Sub-units meeting their quota (đạt chỉ tiêu) among a unit's planned sub-units, "
    "e.g. 10 of 15."
)
class QuotaMeeting:
    cut: strawberry.Private[CutKey]
    met_keys: strawberry.Private[tuple[str, ...]]
    short_keys: strawberry.Private[tuple[str, ...]]
    met: int = strawberry.field(description="Units that met their quota.")
    total: int = strawberry.field(
        description="The unit's topmost sub-units with their own plan and a quota (the unit "
        "itself not counted)."
    )

    @strawberry.field(description="The units that met their quota (đạt chỉ tiêu).")
    async def units_met(self, info: Info) -> list[OrgUnit]:
        return await load_units(info, self.cut, self.met_keys)

    @strawberry.field(description="The units short of their quota (chưa đạt chỉ tiêu).")
    async def units_short(self, info: Info) -> list[OrgUnit]:
        return await load_units(info, self.cut, self.short_keys)


@strawberry.type(
    description="Coverage: grassroots organisations (tổ chức cơ sở đảng) that had candidates in "
    "the period, and how many of them admitted at least one (kết nạp được đảng viên)."
)
class Coverage:
    cut: strawberry.Private[CutKey]
    without_keys: strawberry.Private[tuple[str, ...]]
    organizations: int = strawberry.field(
        description="Grassroots organisations open on the date that had candidates in the period."
    )
    admitting: int = strawberry.field(description="Of them, those that admitted at least one.")
    percent: Decimal | None = strawberry.field(
        description="Admitting organisations, percent of those with candidates (two decimals)."
    )

    @strawberry.field(description="Organisations that had candidates but admitted none.")
    async def without_admission(self, info: Info) -> list[OrgUnit]:
        return await load_units(info, self.cut, self.without_keys)


@strawberry.type(
    description="The source pool (nguồn kết nạp): candidates in the pipeline against the unit's "
    "quota and the tenant's ratio band."
)
class SourcePool:
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    without_keys: strawberry.Private[tuple[str, ...]]
    pool: int = strawberry.field(
        description="The source pool (nguồn) on the date over the subtree: candidates already "
        "through the awareness class (quần chúng ưu tú đã học lớp bồi dưỡng nhận thức về Đảng) "
        "and not yet admitted — stages awareness_trained to committee_resolved; people only "
        "discovered or on the sympathizer list are not counted."
    )
    quota: int | None = strawberry.field(description="The unit's quota (chỉ tiêu) for the period.")
    quota_max: int | None = strawberry.field(
        description="Upper end of the unit's quota (range or percentage targets)."
    )
    ratio: Decimal | None = strawberry.field(
        description="Pool divided by quota (two decimals); null without a quota."
    )
    ratio_min: Decimal = strawberry.field(description="Lower end of the tenant's ratio band.")
    ratio_max: Decimal = strawberry.field(description="Upper end of the tenant's ratio band.")
    needed_min: int | None = strawberry.field(
        description="Pool wanted at least: ratioMin × quota, rounded up (1.5 × 500 = 750)."
    )
    needed_max: int | None = strawberry.field(
        description="Pool wanted at most: ratioMax × quotaMax, rounded down (2 × 700 = 1,400)."
    )
    inside_band: bool | None = strawberry.field(
        description="Whether the pool lies in neededMin…neededMax (both included); null without "
        "a quota."
    )
    organizations: int = strawberry.field(
        description="Grassroots organisations and branches (chi bộ) in the subtree on the date."
    )

    @strawberry.field(description="The unit the pool is counted for.")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.unit_key)

    @strawberry.field(
        description="Organisations and branches of the subtree with no candidate at any stage "
        "before admission (không còn quần chúng để tạo nguồn)."
    )
    async def without_candidates(self, info: Info) -> list[OrgUnit]:
        return await load_units(info, self.cut, self.without_keys)


@strawberry.type(
    description="Members admitted (kết nạp) and removed (xóa tên, ra khỏi Đảng) in a unit's "
    "subtree in a period, and the net growth."
)
class MembershipChange:
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    admitted: int = strawberry.field(description="Admissions counted in the period up to the date.")
    removed: int = strawberry.field(
        description="Members removed from the list or whose membership ended in the period."
    )
    net_growth: int = strawberry.field(description="Admitted minus removed (tăng thực).")

    @strawberry.field(description="The unit the change is counted for.")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.unit_key)


# --- pipeline -----------------------------------------------------------------------------------
@strawberry.type(description="Cases of one unit in (or entering) one stage (bước).")
class StageCount:
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    stage: Stage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="How many cases (hồ sơ).")

    @classmethod
    def of(cls, row: pipeline.StageCount, cut: CutKey) -> StageCount:
        return cls(unit_key=row.unit_id, cut=cut, stage=row.stage, count=row.count)

    @strawberry.field(description="The unit (chi bộ) the cases were in.")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.unit_key)


@strawberry.type(description="How many cases of the cohort reached a stage of the procedure.")
class FunnelStep:
    stage: Stage = strawberry.field(description="The stage.")
    reached: int = strawberry.field(description="Cases that got there or further by the date.")
    conversion: Decimal | None = strawberry.field(
        description="Percent of the previous stage's cases that reached this one."
    )


@strawberry.type(
    description="Cases introduced by one organisation (tổ chức giới thiệu) and how many of them "
    "were admitted."
)
class SourceYield:
    introduced_by: str = strawberry.field(description="The introducing organisation.")
    introduced: int = strawberry.field(description="Cases it introduced in the cohort.")
    admitted: int = strawberry.field(description="Of them, admitted (kết nạp) by the date.")
    percent: Decimal | None = strawberry.field(description="Admitted, percent of introduced.")


@strawberry.type(
    description="The pipeline funnel (phễu phát triển đảng viên) of the cases opened in a period, "
    "as things stood on the date; cases received by transfer are left out."
)
class Funnel:
    cases: int = strawberry.field(description="Cases in the cohort.")
    steps: list[FunnelStep] = strawberry.field(description="Each stage of the procedure, in order.")
    by_source: list[SourceYield] = strawberry.field(
        description="Yield per introducing organisation (nguồn giới thiệu)."
    )


@strawberry.type(description="Days the cases of one unit spent in one stage (thời gian ở bước).")
class StageDuration:
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    stage: Stage = strawberry.field(description="The stage.")
    cases: int = strawberry.field(description="Stays measured (open stays count as they stand).")
    median_days: Decimal = strawberry.field(description="Median calendar days (one decimal).")
    p90_days: int = strawberry.field(description="90th percentile of calendar days.")

    @strawberry.field(description="The unit where the cases left the stage (or are).")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.unit_key)


@strawberry.type(
    description="A case with no step for longer than the tenant's threshold (hồ sơ tồn đọng); "
    "no personal data."
)
class StalledCase:
    unit_key: strawberry.Private[str]
    cut: strawberry.Private[CutKey]
    case_id: strawberry.ID = strawberry.field(
        description="Global id of the case (readable through `node` by those who may read cases)."
    )
    case_code: str = strawberry.field(description="The case code (mã hồ sơ).")
    stage: Stage = strawberry.field(description="Stage on the date.")
    last_step_on: date = strawberry.field(description="Date of the last step by the date.")
    days_without_step: int = strawberry.field(
        description="Calendar days from the last step to the date."
    )

    @classmethod
    def of(cls, row: pipeline.StalledCase, cut: CutKey) -> StalledCase:
        return cls(
            unit_key=row.unit_id,
            cut=cut,
            case_id=global_id("Candidate", row.candidate_id),
            case_code=row.case_code,
            stage=row.stage,
            last_step_on=row.last_step_on,
            days_without_step=row.days_without_step,
        )

    @strawberry.field(description="The unit (chi bộ) the case was in on the date.")
    async def unit(self, info: Info) -> OrgUnit:
        return await load_unit(info, self.cut, self.unit_key)


# --- structure ----------------------------------------------------------------------------------
@strawberry.type(description="How many admitted members have one value of a trait.")
class TraitCount:
    key: str = strawberry.field(description="The value (e.g. an age group, a gender).")
    count: int = strawberry.field(description="How many admitted members have it.")


def _counts(values: structure.Counts) -> list[TraitCount]:
    return [TraitCount(key=k, count=n) for k, n in values]


@strawberry.type(
    description="The structure (cơ cấu) of the members admitted in one unit, or in total; each "
    "trait lists the values present, largest count first."
)
class MemberStructure:
    unit_key: strawberry.Private[str | None]
    cut: strawberry.Private[CutKey]
    admitted: int = strawberry.field(description="Members admitted (kết nạp).")
    age_groups: list[TraitCount] = strawberry.field(
        description="By age group (độ tuổi) on the counted day: ≤30, 31–40, 41–50, 51–60, >60 "
        "(every band, zeros included)."
    )
    gender: list[TraitCount] = strawberry.field(description="By gender (giới tính).")
    ethnicity: list[TraitCount] = strawberry.field(
        description="By ethnicity (dân tộc): keys are Ethnicity values (e.g. kinh, tay)."
    )
    ethnic_minority: int = strawberry.field(
        description="Of an ethnic minority (người dân tộc thiểu số): any of the 53 groups but "
        "the Kinh (not a foreign origin)."
    )
    religion: list[TraitCount] = strawberry.field(
        description="By religion (tôn giáo): keys are Religion values (e.g. none, buddhism)."
    )
    religious: int = strawberry.field(
        description="Following a religion (người có đạo): any religion but none."
    )
    youth_union_18_30: int = strawberry.field(
        name="youthUnion18To30",
        description="Youth Union members aged 18–30 on the counted day (đoàn viên Đoàn Thanh "
        "niên từ 18 đến 30 tuổi), by their profile.",
    )
    education: list[TraitCount] = strawberry.field(
        description="By general education (trình độ học vấn)."
    )
    professional_level: list[TraitCount] = strawberry.field(
        description="By professional level (trình độ chuyên môn)."
    )
    political_theory: list[TraitCount] = strawberry.field(
        description="By political-theory level (trình độ lý luận chính trị)."
    )
    occupation: list[TraitCount] = strawberry.field(description="By occupation (nghề nghiệp).")
    workplace_type: list[TraitCount] = strawberry.field(
        description="By type of workplace (loại hình nơi làm việc)."
    )

    @classmethod
    def of(cls, figures: structure.MemberStructure, cut: CutKey) -> MemberStructure:
        return cls(
            unit_key=figures.unit_id,
            cut=cut,
            admitted=figures.admitted,
            age_groups=_counts(figures.age_groups),
            gender=_counts(figures.trait("gender")),
            ethnicity=_counts(figures.trait("ethnicity")),
            ethnic_minority=figures.ethnic_minority,
            religion=_counts(figures.trait("religion")),
            religious=figures.religious,
            youth_union_18_30=figures.youth_union_18_30,
            education=_counts(figures.trait("education")),
            professional_level=_counts(figures.trait("professional_level")),
            political_theory=_counts(figures.trait("political_theory")),
            occupation=_counts(figures.trait("occupation")),
            workplace_type=_counts(figures.trait("workplace_type")),
        )

    @strawberry.field(description="The unit the admissions were counted in (null for the total).")
    async def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_key is None:
            return None
        return await load_unit(info, self.cut, self.unit_key)


@strawberry.type(
    description="The structure of the members admitted in a period (cơ cấu đảng viên mới kết "
    "nạp), per unit and in total."
)
class AdmittedStructure:
    basis: str = strawberry.field(
        description="Counting basis: decision_date (ngày quyết định) or ceremony_date "
        "(ngày lễ kết nạp)."
    )
    start: date = strawberry.field(description="First day counted.")
    end: date = strawberry.field(
        description="Last day of the period (days after the date do not count)."
    )
    total: MemberStructure = strawberry.field(description="All the admitted members counted.")
    units: list[MemberStructure] = strawberry.field(
        description="Per unit where the admissions were counted, by unit id."
    )


# --- the queries --------------------------------------------------------------------------------
def _dashboard(description: str) -> Any:
    return strawberry.field(
        description=description, permission_classes=needs(Capability.READ_DASHBOARDS)
    )


def source_pool_of(found: attainment.SourcePool, cut: CutKey) -> SourcePool:
    """The API's view of a source pool."""
    return SourcePool(
        unit_key=found.unit_id,
        cut=cut,
        without_keys=found.without_candidates,
        pool=found.pool,
        quota=found.quota,
        quota_max=found.quota_max,
        ratio=found.ratio,
        ratio_min=found.ratio_min,
        ratio_max=found.ratio_max,
        needed_min=found.needed_min,
        needed_max=found.needed_max,
        inside_band=found.inside_band,
        organizations=found.organizations,
    )


def membership_change_of(found: attainment.MembershipChange, cut: CutKey) -> MembershipChange:
    """The API's view of a membership change."""
    return MembershipChange(
        unit_key=found.unit_id,
        cut=cut,
        admitted=found.admitted,
        removed=found.removed,
        net_growth=found.net_growth,
    )


@strawberry.type(
    description="One unit's row of a report (unitReport): its attainment, source pool, "
    "membership change and overdue cases over its subtree."
)
class UnitReportRow:
    attainment: UnitAttainment = strawberry.field(
        description="As quotaAttainment gives it (a quarter or month without a plan of its own "
        "against its year plan's share)."
    )
    source_pool: SourcePool = strawberry.field(description="As sourcePool gives it.")
    membership_change: MembershipChange = strawberry.field(
        description="As membershipChange gives it."
    )
    overdue_cases: int = strawberry.field(
        description="Cases in the unit's subtree on the date whose due step is past its due "
        "date (hồ sơ quá hạn), as the case list's overdueOnly counts them."
    )


@strawberry.type
class DashboardQueries:
    @_dashboard(
        "Quota attainment (kết quả thực hiện chỉ tiêu kết nạp) per unit for a period, rolled up "
        "over the tree: every open unit (and any unit with its own plan), root first; with a unit "
        "code, that unit and the units under it."
    )
    async def quota_attainment(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[UnitAttainment]:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[UnitAttainment]:
            cut = ctx.cut(tx, cut_key)
            inside = subtree_ids(ctx, tx, cut, unit_code)
            rows = attainment.quota_attainment(tx, cut, asked)
            return [
                UnitAttainment.of(r, cut_key) for r in rows if inside is None or r.unit_id in inside
            ]

        return await ctx.read(query)

    @_dashboard(
        "How many of a unit's planned sub-units met their quota (đơn vị đạt chỉ tiêu) in a "
        "period: its topmost sub-units with their own plan, not the unit itself (default: under "
        "the tenant's root)."
    )
    async def units_meeting_quota(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> QuotaMeeting:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> QuotaMeeting:
            cut = ctx.cut(tx, cut_key)
            unit = None if unit_code is None else unit_id_on(ctx, tx, cut, unit_code)
            found = attainment.units_meeting_quota(tx, cut, asked, unit)
            return QuotaMeeting(
                cut=cut_key,
                met_keys=found.units_met,
                short_keys=found.units_short,
                met=found.met,
                total=found.total,
            )

        return await ctx.read(query)

    @_dashboard(
        "Coverage (độ phủ): share of grassroots organisations with candidates in a period that "
        "admitted at least one; with a unit code, the organisations in its subtree."
    )
    async def coverage(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Coverage:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> Coverage:
            cut = ctx.cut(tx, cut_key)
            unit = None if unit_code is None else unit_id_on(ctx, tx, cut, unit_code)
            found = attainment.coverage(tx, cut, asked, unit)
            return Coverage(
                cut=cut_key,
                without_keys=found.without_admission,
                organizations=found.organizations,
                admitting=found.admitting,
                percent=found.percent,
            )

        return await ctx.read(query)

    @_dashboard(
        "The source pool (nguồn kết nạp) of a unit on the date against its quota for a period "
        "and the tenant's ratio band."
    )
    async def source_pool(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: UnitCodeArg,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> SourcePool:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> SourcePool:
            cut = ctx.cut(tx, cut_key)
            found = attainment.source_pool(tx, cut, asked, unit_id_on(ctx, tx, cut, unit_code))
            return source_pool_of(found, cut_key)

        return await ctx.read(query)

    @_dashboard(
        "A quarterly or yearly report in one request (báo cáo theo đơn vị): one row per unit of "
        "a subtree on the date — attainment, source pool, membership change and overdue cases, "
        "each as the per-unit queries give it."
    )
    async def unit_report(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: UnitCodeArg,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[UnitReportRow]:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[UnitReportRow]:
            cut = ctx.cut(tx, cut_key)
            top = unit_id_on(ctx, tx, cut, unit_code)
            return [
                UnitReportRow(
                    attainment=UnitAttainment.of(r.attainment, cut_key),
                    source_pool=source_pool_of(r.pool, cut_key),
                    membership_change=membership_change_of(r.change, cut_key),
                    overdue_cases=r.overdue,
                )
                for r in report_of_units(tx, cut, asked, top)
            ]

        return await ctx.read(query)

    @_dashboard("Admissions, removals and net growth (tăng thực) of a unit's subtree in a period.")
    async def membership_change(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: UnitCodeArg,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> MembershipChange:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> MembershipChange:
            cut = ctx.cut(tx, cut_key)
            found = attainment.membership_change(
                tx, cut, asked, unit_id_on(ctx, tx, cut, unit_code)
            )
            return membership_change_of(found, cut_key)

        return await ctx.read(query)

    @_dashboard(
        "Cases per unit and stage (số hồ sơ theo bước) on the date, exits included as their exit "
        "stage."
    )
    async def stage_counts(
        self,
        info: Info,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[StageCount]:
        ctx = get_context(info)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[StageCount]:
            cut = ctx.cut(tx, cut_key)
            rows = pipeline.stage_counts(tx, cut, unit_ids=subtree_ids(ctx, tx, cut, unit_code))
            return [StageCount.of(r, cut_key) for r in rows]

        return await ctx.read(query)

    @_dashboard(
        "Cases that entered each stage in a period (up to the date), per unit: the unit the case "
        "was in on entering."
    )
    async def stage_entries(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[StageCount]:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[StageCount]:
            cut = ctx.cut(tx, cut_key)
            days = attainment.counted(tx, cut, asked)
            rows = pipeline.stage_entries(
                tx,
                cut,
                days.start,
                days.end,
                unit_ids=subtree_ids(ctx, tx, cut, unit_code),
            )
            return [StageCount.of(r, cut_key) for r in rows]

        return await ctx.read(query)

    @_dashboard(
        "The funnel (phễu) of the cases opened in a period: how many reached each stage by the "
        "date, and the yield per introducing organisation; with a unit code, the cases opened in "
        "that unit or under it."
    )
    async def funnel(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Funnel:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> Funnel:
            cut = ctx.cut(tx, cut_key)
            days = attainment.counted(tx, cut, asked)
            found = pipeline.funnel(
                tx,
                cut,
                opened_from=days.start,
                opened_to=days.end,
                unit_ids=subtree_ids(ctx, tx, cut, unit_code),
            )
            return Funnel(
                cases=found.cases,
                steps=[
                    FunnelStep(stage=s.stage, reached=s.reached, conversion=s.conversion)
                    for s in found.steps
                ],
                by_source=[
                    SourceYield(
                        introduced_by=s.introduced_by,
                        introduced=s.introduced,
                        admitted=s.admitted,
                        percent=s.percent,
                    )
                    for s in found.by_source
                ],
            )

        return await ctx.read(query)

    @_dashboard(
        "Calendar days spent in each stage of the procedure up to the date (median and 90th "
        "percentile), per unit and stage."
    )
    async def time_in_stage(
        self,
        info: Info,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[StageDuration]:
        ctx = get_context(info)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[StageDuration]:
            cut = ctx.cut(tx, cut_key)
            rows = pipeline.time_in_stage(tx, cut, unit_ids=subtree_ids(ctx, tx, cut, unit_code))
            return [
                StageDuration(
                    unit_key=r.unit_id,
                    cut=cut_key,
                    stage=r.stage,
                    cases=r.cases,
                    median_days=r.median_days,
                    p90_days=r.p90_days,
                )
                for r in rows
            ]

        return await ctx.read(query)

    @_dashboard(
        "Stalled cases (hồ sơ tồn đọng): no step for longer than the tenant's threshold on the "
        "date, by case code; no names. A branch secretary sees those of its units."
    )
    async def stalled_cases(
        self,
        info: Info,
        unit_code: OptionalUnitCode = None,
        first: First = None,
        after: After = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Connection[StalledCase]:
        ctx = get_context(info)
        size = page_size(first)
        position = decode_cursor(after)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[pipeline.StalledCase]:
            cut = ctx.cut(tx, cut_key)
            wanted = subtree_ids(ctx, tx, cut, unit_code)
            scope = ctx.read_scope(tx, cut)
            now = None
            if scope is not None:
                wanted = scope.within(None if wanted is None else frozenset(wanted))
                now = sorted(scope.now)
            found = pipeline.stalled(tx, cut, unit_ids=wanted, current_unit_ids=now)
            return sorted(found, key=lambda r: r.case_code)

        rows = await ctx.read(query)
        following = [r for r in rows if position is None or r.case_code > position]
        page = following[:size]
        total = len(rows)

        async def count() -> int:
            return total

        return connection(
            [StalledCase.of(r, cut_key) for r in page],
            lambda c: c.case_code,
            len(following) > size,
            count,
        )

    @_dashboard(
        "The structure (cơ cấu) of the members admitted in a period up to the date, per unit and "
        "in total; with a unit code, the admissions counted in that unit or under it on the date."
    )
    async def structure(
        self,
        info: Info,
        period: PeriodArg,
        unit_code: OptionalUnitCode = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> AdmittedStructure:
        ctx = get_context(info)
        asked = Period.parse(period)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> AdmittedStructure:
            cut = ctx.cut(tx, cut_key)
            days = attainment.counted(tx, cut, asked)
            found = structure.admitted_structure(
                tx,
                cut,
                days.start,
                days.end,
                unit_ids=subtree_ids(ctx, tx, cut, unit_code),
            )
            return AdmittedStructure(
                basis=found.basis,
                start=found.start,
                end=found.end,
                total=MemberStructure.of(found.total, cut_key),
                units=[MemberStructure.of(u, cut_key) for u in found.units],
            )

        return await ctx.read(query)

    @_dashboard(
        "The organisation tree (cây tổ chức) on the date: the open units, root first, then by "
        "depth and code; with a root code, that unit and its subtree."
    )
    async def org_tree(
        self,
        info: Info,
        root_code: Annotated[
            str | None,
            strawberry.argument(description="Code of the unit to start from (default: all)."),
        ] = None,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> list[OrgUnit]:
        ctx = get_context(info)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def query(tx: Tx) -> list[OrgUnit]:
            cut = ctx.cut(tx, cut_key)
            root = (
                None if root_code is None else unit_id_on(ctx, tx, cut, root_code, field="rootCode")
            )
            return [OrgUnit.of(n, cut_key) for n in org_tree.org_tree(tx, cut, root)]

        return await ctx.read(query)

    @_dashboard(
        "The units (tổ chức đảng) on the date by code, in pages; merged and dissolved ones only "
        "when asked."
    )
    async def org_units(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        include_closed: Annotated[
            bool,
            strawberry.argument(
                description="Also units merged (sáp nhập) or dissolved (giải thể) by the date."
            ),
        ] = False,
        as_of: AsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> Connection[OrgUnit]:
        ctx = get_context(info)
        size = page_size(first)
        position = decode_cursor(after)
        cut_key = ctx.cut_key(as_of, as_recorded_at)

        def page(tx: Tx) -> tuple[list[UnitNode], bool]:
            return org_tree.units_page(
                tx, ctx.cut(tx, cut_key), include_closed=include_closed, first=size, after=position
            )

        async def count() -> int:
            return await ctx.read(
                lambda tx: org_tree.count_units(
                    tx, ctx.cut(tx, cut_key), include_closed=include_closed
                )
            )

        nodes, has_next = await ctx.read(page)
        return connection(
            [OrgUnit.of(n, cut_key) for n in nodes], lambda u: u.code, has_next, count
        )
