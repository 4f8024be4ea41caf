"""Quota attainment and the figures around it, per unit and period, at a :class:`Cut`.

Definitions (all as recorded at ``cut.recorded``, see :mod:`projections.cut`):

- **Counting day** of an admission: its decision date, or its ceremony date when the tenant's
  policy (``rm_policy.counting_basis`` as recorded at the cut) says so; the unit is the one the
  case belonged to on that day (``decision_unit_id`` / ``ceremony_unit_id``).
- **Admitted** by a unit in a period: admissions whose counting day falls in
  ``[period.start, min(period.end, as_of)]`` and whose unit was, *on the counting day*, in the
  unit's subtree (``rm_unit_ancestry``): a unit merged on day *m* counts under its target from
  *m* on, and under its old parent before.
- **Opening balance** (số dư đầu kỳ): a plan's admissions up to a day, counted in a past report
  (``RecordOpeningBalance``), are added to ``admitted`` of its unit and every ancestor once the
  cut reaches that day, and shown apart (``opening_balance``) with the report's reference.
- **Target** of a plan: the one in force on ``as_of`` (adjustments included, a backdated one as
  soon as it is recorded); a percentage is taken of the plan unit's headcount reported on or
  before the period start, rounded up like :meth:`domain.quotas.QuotaTarget.resolve`. A plan whose
  target is a percentage without any headcount yet is reported with no quota (not an error: one
  missing report must not blank a whole dashboard).
- **Period counted**: a year, quarter or month as it is; a term from the tenant's congress in
  its first year to the day before its congress in its last year (``rm_congresses``), by
  default 1 January after its first year to 31 December of its last
  (:func:`domain.quotas.counted_period`), so no year counts in two terms.
- **Quarter and month targets**: a unit with no plan set for a quarter or month is held to
  its year plan's share, target and supplementary assignments each × months ÷ 12 rounded up
  (:func:`derived_from_year`, ``plan_source`` "derived_from_year"); a plan set for the period
  wins.
- **Quota** = target minimum + supplementary assignments dated on or before ``as_of``;
  ``quota_max`` likewise from the target maximum. Attainment % (two decimals, half-up) and the
  surplus (negative = short) are :func:`domain.quotas.attainment` of admitted and quota, and a
  unit **meets** its quota when admitted ≥ quota (the range's floor).
- **Target** figures are the same against the resolution's own target, without supplementary
  assignments (seed 001: 32 admitted of the congress's 30 = 106.67 %, while with the 15
  assigned in 2021 the quota is 45); the **range status** says where admitted stands against
  ``quota``–``quota_max`` (below / within / above, seed 003's 200–220 a year).
- **Headcount** of a percentage target: the plan unit's own report, or the sum of its
  sub-units' when it reported none (:func:`projections.queries.org_tree.rolled_up_headcounts`).
- **Roll-up** (documented choice): a unit with its own plan is measured against that plan only
  (a superior's plan is normally set for the whole of its subtree already). A unit without a
  plan is measured against the sum of the plans of its *topmost planned* sub-units on ``as_of``
  (a planned unit under another planned unit is not added twice), and its admitted count is its
  whole subtree's. A merged unit keeps its own plan (counting what it admitted before the
  merge); from the merge date it is under its target, so it rolls up there. A unit with its own
  plan *and* planned sub-units shows both: its own plan in the row, the sub-units' roll-up
  beside it (``sub_units``) — a province's "≥ 7 % of members" and the sum of the quotas it gave
  its 15 committees are two different figures (seed 004).
- **Units meeting quota** under a unit: its topmost planned sub-units (not the unit itself),
  as seed 004 counts "10 of the 15 committees" under the province.
- **Source pool** (nguồn kết nạp): candidates already through the awareness class and not yet
  admitted — the seeds' "quần chúng ưu tú đã được cử đi học lớp bồi dưỡng nhận thức về Đảng"
  (seed 000), not every person discovered or on the sympathizer list. The wanted pool is the
  tenant's ratio band times the quota's range (1.5–2 × 500–700 = 750–1,400 people).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.candidates import PRE_ADMISSION_STAGES, Stage
from domain.errors import InvalidInput
from domain.org_units import UnitKind
from domain.quotas import (
    Period,
    PeriodKind,
    QuotaTarget,
    RangeStatus,
    TargetKind,
    attainment,
    counted_period,
    pool_band,
    range_status,
    share_of_year,
)
from domain.tenant_policy import CountingBasis
from projections.cut import Cut
from projections.queries.org_tree import (
    ancestry_on,
    rolled_up_headcounts,
    subtree,
    units_on,
)
from projections.sql import Tx, as_date, placeholders

_PRE_ADMISSION = sorted(stage.value for stage in PRE_ADMISSION_STAGES)
#: The source pool: pre-admission stages from the awareness class on (đã học lớp nhận thức).
_POOL_STAGES = sorted(
    stage.value
    for stage in PRE_ADMISSION_STAGES
    if stage not in (Stage.DISCOVERED, Stage.SYMPATHIZER)
)
_LEFT_MEMBERSHIP = sorted(s.value for s in (Stage.REMOVED_FROM_LIST, Stage.MEMBERSHIP_ENDED))
_CENT = Decimal("0.01")


# --- policy -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyAtCut:
    """The parts of the tenant policy the quota figures depend on."""

    counting_basis: CountingBasis
    pool_ratio_min: Decimal
    pool_ratio_max: Decimal


def policy_at(tx: Tx, cut: Cut) -> PolicyAtCut:
    """The tenant policy as recorded at the cut (defaults before any is recorded)."""
    known, params = cut.known()
    row = tx.fetchone(
        f"SELECT counting_basis, pool_ratio_min, pool_ratio_max FROM rm_policy WHERE {known}",
        params,
    )
    if row is None:
        return PolicyAtCut(CountingBasis.DECISION_DATE, Decimal("1.5"), Decimal("2"))
    return PolicyAtCut(
        CountingBasis(row[0]), Decimal(str(row[1])).normalize(), Decimal(str(row[2])).normalize()
    )


def congresses_at(tx: Tx, cut: Cut) -> list[date]:
    """The days the tenant's congresses opened, as recorded at the cut, in order."""
    known, params = cut.known()
    days = [
        as_date(r[0])
        for r in tx.fetchall(f"SELECT held_on FROM rm_congresses WHERE {known}", params)
    ]
    return sorted(d for d in days if d is not None)


def counted(tx: Tx, cut: Cut, period: Period) -> Period:
    """``period`` as its admissions are counted at the cut (a term between its congresses)."""
    return counted_period(period, congresses_at(tx, cut))


def _end_day(cut: Cut, period: Period) -> date | None:
    """The last day counted: the period's end or the cut's date; None before the period."""
    if cut.as_of < period.start:
        return None
    return min(cut.as_of, period.end)


# --- counts per unit subtree --------------------------------------------------------------------
def admitted_by_unit(
    tx: Tx, cut: Cut, period: Period, basis: CountingBasis | None = None
) -> dict[str, int]:
    """Admissions counted in ``period`` up to ``cut.as_of``, per unit, over each unit's subtree.

    ``basis`` defaults to the tenant's counting basis at the cut.
    """
    end = _end_day(cut, period)
    if end is None:
        return {}
    if basis is None:
        basis = policy_at(tx, cut).counting_basis
    day, unit = (
        ("decision_on", "decision_unit_id")
        if basis is CountingBasis.DECISION_DATE
        else ("ceremony_on", "ceremony_unit_id")
    )
    known_a, pa = cut.known("a")
    known_c, pc = cut.known("c")
    rows = tx.fetchall(
        "SELECT c.ancestor_id, COUNT(DISTINCT a.candidate_id) FROM rm_admissions a "
        f"JOIN rm_unit_ancestry c ON c.unit_id = a.{unit} "
        f"AND c.valid_from <= a.{day} AND (c.valid_to IS NULL OR c.valid_to > a.{day}) "
        f"WHERE {known_a} AND {known_c} AND a.{day} >= %s AND a.{day} <= %s "
        "GROUP BY c.ancestor_id",
        [*pa, *pc, period.start, end],
    )
    return {str(unit_id): int(count) for unit_id, count in rows}


def removed_by_unit(tx: Tx, cut: Cut, period: Period) -> dict[str, int]:
    """Members removed from the list or whose membership ended in ``period`` up to ``as_of``.

    Per unit over its subtree, placed where the case belonged on the day it left.
    """
    end = _end_day(cut, period)
    if end is None:
        return {}
    known_s, ps = cut.known("s")
    known_c, pc = cut.known("c")
    rows = tx.fetchall(
        "SELECT c.ancestor_id, COUNT(DISTINCT s.candidate_id) FROM rm_candidate_stages s "
        "JOIN rm_unit_ancestry c ON c.unit_id = s.unit_id "
        "AND c.valid_from <= s.stage_from AND (c.valid_to IS NULL OR c.valid_to > s.stage_from) "
        f"WHERE {known_s} AND {known_c} AND s.stage IN ({placeholders(len(_LEFT_MEMBERSHIP))}) "
        # the row that starts the stage (later rows of it only mean the case changed unit)
        "AND s.valid_from = s.stage_from "
        "AND s.stage_from >= %s AND s.stage_from <= %s GROUP BY c.ancestor_id",
        [*ps, *pc, *_LEFT_MEMBERSHIP, period.start, end],
    )
    return {str(unit_id): int(count) for unit_id, count in rows}


def pool_by_unit(tx: Tx, cut: Cut, stages: Sequence[str] = _POOL_STAGES) -> dict[str, int]:
    """Candidates in one of ``stages`` on ``cut.as_of``, per unit over its subtree: by default
    the source pool (through the awareness class, not yet admitted)."""
    known_s, ps = cut.known("s")
    valid_s, vs = cut.valid("s")
    known_c, pc = cut.known("c")
    valid_c, vc = cut.valid("c")
    rows = tx.fetchall(
        "SELECT c.ancestor_id, COUNT(DISTINCT s.candidate_id) FROM rm_candidate_stages s "
        f"JOIN rm_unit_ancestry c ON c.unit_id = s.unit_id AND {valid_c} "
        f"WHERE {known_s} AND {valid_s} AND {known_c} AND s.stage IN ({placeholders(len(stages))}) "
        "GROUP BY c.ancestor_id",
        [*vc, *ps, *vs, *pc, *stages],
    )
    return {str(unit_id): int(count) for unit_id, count in rows}


def units_with_candidates(tx: Tx, cut: Cut, period: Period) -> frozenset[str]:
    """Units whose subtree had a candidate in a pre-admission stage (or decided) at some time in
    ``period`` up to ``as_of`` — the unit being in that subtree on those same days."""
    end = _end_day(cut, period)
    if end is None:
        return frozenset()
    stages = [*_PRE_ADMISSION, Stage.DECIDED.value]
    known_s, ps = cut.known("s")
    known_c, pc = cut.known("c")
    # Three intervals (the stage, the closure row, the period) meet on a common day as soon as
    # each pair overlaps (intervals on a line), so pairwise conditions suffice.
    rows = tx.fetchall(
        "SELECT DISTINCT c.ancestor_id FROM rm_candidate_stages s "
        "JOIN rm_unit_ancestry c ON c.unit_id = s.unit_id "
        "AND (s.valid_to IS NULL OR c.valid_from < s.valid_to) "
        "AND (c.valid_to IS NULL OR c.valid_to > s.valid_from) "
        "AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to > %s) "
        f"WHERE {known_s} AND {known_c} AND s.stage IN ({placeholders(len(stages))}) "
        "AND s.valid_from <= %s AND (s.valid_to IS NULL OR s.valid_to > %s)",
        [end, period.start, *ps, *pc, *stages, end, period.start],
    )
    return frozenset(str(r[0]) for r in rows)


# --- plans ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanFigures:
    """One plan's target at the cut, resolved to admissions."""

    plan_id: str
    unit_id: str
    target_kind: str  # TargetKind value
    percent_min: Decimal | None
    percent_max: Decimal | None
    headcount: int | None  # at the period start (percentage targets)
    headcount_rolled_up: bool  # the headcount is the plan unit's sub-units' sum
    target_min: int | None  # None: a percentage without a headcount
    target_max: int | None
    supplementary: int
    #: "set": a plan of this period; "derived_from_year": a quarter's or month's share of the
    #: unit's year plan (:func:`derived_from_year`), where none is set for the period.
    plan_source: str = "set"
    opening_admitted: int = 0  # admissions up to opening_as_of taken from a past report
    opening_as_of: date | None = None
    opening_document: str | None = None
    #: cases of the unit's subtree counted on or before ``opening_as_of``: the balance already
    #: counts them, so they are counted twice — flagged here, not refused (see docs/commands.md)
    opening_overlap: int = 0

    @property
    def quota(self) -> int | None:
        """Target minimum plus supplementary assignments."""
        return None if self.target_min is None else self.target_min + self.supplementary

    @property
    def quota_max(self) -> int | None:
        """Target maximum plus supplementary assignments."""
        return None if self.target_max is None else self.target_max + self.supplementary


def plans_at(tx: Tx, cut: Cut, period: Period) -> dict[str, PlanFigures]:
    """The plans of ``period`` with a target in force on ``cut.as_of``, by unit id."""
    known_p, pp = cut.known("p")
    known_t, pt = cut.known("t")
    valid_t, vt = cut.valid("t")
    rows = tx.fetchdicts(
        "SELECT p.plan_id, p.unit_id, t.target_kind, t.minimum, t.maximum, t.percent_min, "
        "t.percent_max, p.opening_admitted, p.opening_as_of, p.opening_document "
        "FROM rm_quota_plans p JOIN rm_quota_targets t ON t.plan_id = p.plan_id "
        f"WHERE {known_p} AND {known_t} AND {valid_t} AND p.period_key = %s",
        [*pp, *pt, *vt, period.key],
    )
    known_s, ps = cut.known("s")
    supplements = {
        str(plan_id): int(total)
        for plan_id, total in tx.fetchall(
            "SELECT s.plan_id, SUM(s.amount) FROM rm_quota_supplements s "
            f"WHERE {known_s} AND s.assigned_on <= %s GROUP BY s.plan_id",
            [*ps, cut.as_of],
        )
    }
    headcounts = rolled_up_headcounts(tx, cut, period.start)
    plans: dict[str, PlanFigures] = {}
    for r in rows:
        kind = TargetKind(r["target_kind"])
        unit_id = str(r["unit_id"])
        headcount: int | None = None
        low: int | None
        high: int | None
        if kind is TargetKind.PERCENT_OF_HEADCOUNT:
            headcount = headcounts.members.get(unit_id)
            target = QuotaTarget.percent(Decimal(r["percent_min"]), Decimal(r["percent_max"]))
            low, high = target.resolve(headcount) if headcount is not None else (None, None)
        else:
            low, high = int(r["minimum"]), int(r["maximum"])
        plans[unit_id] = PlanFigures(
            plan_id=str(r["plan_id"]),
            unit_id=unit_id,
            target_kind=kind.value,
            percent_min=Decimal(r["percent_min"]) if r["percent_min"] is not None else None,
            percent_max=Decimal(r["percent_max"]) if r["percent_max"] is not None else None,
            headcount=headcount,
            headcount_rolled_up=headcount is not None and unit_id in headcounts.rolled_up,
            target_min=low,
            target_max=high,
            supplementary=supplements.get(str(r["plan_id"]), 0),
            **_opening(r, cut),
        )
    if period.kind in (PeriodKind.QUARTER, PeriodKind.MONTH):
        year = plans_at(tx, cut, Period.year(period.start.year))
        for unit_id, plan in year.items():
            plans.setdefault(unit_id, derived_from_year(plan, period))
    return _with_overlaps(tx, cut, period, plans)


def _with_overlaps(
    tx: Tx, cut: Cut, period: Period, plans: dict[str, PlanFigures]
) -> dict[str, PlanFigures]:
    """Each plan with a balance gets the count of cases its balance also counts (one query per
    distinct balance date, bounded like :func:`admitted_by_unit`)."""
    days = {p.opening_as_of for p in plans.values() if p.opening_as_of is not None}
    counted_by_day = {
        day: admitted_by_unit(tx, replace(cut, as_of=day), period) for day in sorted(days)
    }
    return {
        unit_id: plan
        if plan.opening_as_of is None
        else replace(plan, opening_overlap=counted_by_day[plan.opening_as_of].get(unit_id, 0))
        for unit_id, plan in plans.items()
    }


def _opening(r: dict[str, Any], cut: Cut) -> dict[str, Any]:
    """A plan's opening balance, counted once the cut reaches the day it stands at (before
    that day the report's count includes admissions that had not happened yet)."""
    as_of = as_date(r["opening_as_of"]) if r["opening_as_of"] is not None else None
    if as_of is None or as_of > cut.as_of:
        return {}
    return {
        "opening_admitted": int(r["opening_admitted"]),
        "opening_as_of": as_of,
        "opening_document": r["opening_document"],
    }


def balances_by_unit(
    plans: dict[str, PlanFigures], ancestry: dict[str, dict[str, int]]
) -> dict[str, int]:
    """The plans' opening balances rolled up: each counts for its unit and every ancestor of it
    on the cut's date, as the cases' admissions do."""
    rolled: dict[str, int] = {}
    for unit_id, plan in plans.items():
        if not plan.opening_admitted:
            continue
        for ancestor in ancestry.get(unit_id, {unit_id: 0}):
            rolled[ancestor] = rolled.get(ancestor, 0) + plan.opening_admitted
    return rolled


def derived_from_year(plan: PlanFigures, period: Period) -> PlanFigures:
    """A quarter's or month's plan derived from a year ``plan``: its resolved target and its
    supplementary assignments (those dated on or before the cut's date) each × the period's
    months ÷ 12, rounded up (:func:`domain.quotas.share_of_year`). The year's percentage and
    headcount are kept to show where the figures come from; a percentage without a headcount
    stays unresolved. The year's opening balance is not shared out (it is not split by date)."""

    def share(figure: int | None) -> int | None:
        return None if figure is None else share_of_year(figure, period)

    return replace(
        plan,
        target_min=share(plan.target_min),
        target_max=share(plan.target_max),
        supplementary=share_of_year(plan.supplementary, period),
        plan_source="derived_from_year",
        # a year's opening balance counts admissions up to its date, not split by quarter or
        # month: it stays with the year's figures
        opening_admitted=0,
        opening_as_of=None,
        opening_document=None,
        opening_overlap=0,
    )


# --- attainment -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuotaFigures:
    """Admitted against a set of plans: the quota with supplementary assignments, and the
    resolution's own target without them."""

    plans: tuple[PlanFigures, ...]
    unresolved_plans: int  # plans whose percentage target has no headcount (left out)
    quota: int | None  # targets' minimum + supplementary assignments
    quota_max: int | None
    target: int | None  # targets' minimum alone (the resolution's own figure)
    target_max: int | None
    admitted: int
    percent: Decimal | None  # admitted / quota
    surplus: int | None  # admitted − quota; negative = short
    target_percent: Decimal | None  # admitted / target
    target_surplus: int | None  # admitted − target
    range_status: RangeStatus | None  # admitted against quota–quota_max

    @property
    def met(self) -> bool | None:
        """Whether admitted ≥ quota (None without a quota)."""
        return None if self.quota is None else self.admitted >= self.quota


def quota_figures(plans: Sequence[PlanFigures], admitted: int) -> QuotaFigures:
    """The figures of ``admitted`` against ``plans`` (those with a resolved target summed)."""
    resolved = [p for p in plans if p.quota is not None]

    def total(values: list[int | None]) -> int | None:
        return sum(v or 0 for v in values) if resolved else None

    quota = total([p.quota for p in resolved])
    quota_max = total([p.quota_max for p in resolved])
    target = total([p.target_min for p in resolved])
    target_max = total([p.target_max for p in resolved])
    with_quota = attainment(admitted, quota) if quota is not None else None
    with_target = attainment(admitted, target) if target is not None else None
    return QuotaFigures(
        plans=tuple(plans),
        unresolved_plans=len(plans) - len(resolved),
        quota=quota,
        quota_max=quota_max,
        target=target,
        target_max=target_max,
        admitted=admitted,
        percent=with_quota.percent if with_quota else None,
        surplus=with_quota.surplus if with_quota else None,
        target_percent=with_target.percent if with_target else None,
        target_surplus=with_target.surplus if with_target else None,
        range_status=None
        if quota is None or quota_max is None
        else range_status(admitted, quota, quota_max),
    )


@dataclass(frozen=True)
class UnitAttainment:
    """A unit's admissions against its quota for one period, at a cut."""

    unit_id: str
    code: str
    name: str
    kind: str
    parent_id: str | None
    period_key: str
    source: str | None  # "plan" (its own), "sub_units" (roll-up), None (no quota)
    figures: QuotaFigures  # against its own plan, or its sub-units' plans summed
    sub_units: QuotaFigures | None  # its topmost planned sub-units' plans summed (if any)
    opening_balance: int = 0  # of ``admitted``, taken from past reports (opening balances)

    @property
    def plans(self) -> tuple[PlanFigures, ...]:
        """The plans counted in the row's figures."""
        return self.figures.plans

    @property
    def unresolved_plans(self) -> int:
        """Plans left out: a percentage target without any headcount."""
        return self.figures.unresolved_plans

    @property
    def quota(self) -> int | None:
        """Quota with supplementary assignments."""
        return self.figures.quota

    @property
    def quota_max(self) -> int | None:
        """Upper end of the quota."""
        return self.figures.quota_max

    @property
    def admitted(self) -> int:
        """Admissions over the subtree."""
        return self.figures.admitted

    @property
    def percent(self) -> Decimal | None:
        """Attainment against the quota."""
        return self.figures.percent

    @property
    def surplus(self) -> int | None:
        """Admitted − quota."""
        return self.figures.surplus

    @property
    def met(self) -> bool | None:
        """Whether admitted ≥ quota (None without a quota)."""
        return self.figures.met


def _topmost_planned_below(
    unit_id: str, planned: set[str], ancestry: dict[str, dict[str, int]]
) -> list[str]:
    """Planned units strictly under ``unit_id`` with no planned unit between them and it."""
    found = []
    for other in planned:
        ancestors = ancestry.get(other, {})
        depth = ancestors.get(unit_id)
        if other == unit_id or depth is None or depth == 0:
            continue
        if not any(a in planned and 0 < d < depth for a, d in ancestors.items()):
            found.append(other)
    return sorted(found)


def quota_attainment(tx: Tx, cut: Cut, period: Period) -> tuple[UnitAttainment, ...]:
    """Attainment of every open unit on ``cut.as_of`` (and of any unit with its own plan).

    Units without a quota of their own or below them are listed too (``source`` None), with
    their admitted count. ``period`` is counted as :func:`counted` says.
    """
    period = counted(tx, cut, period)
    nodes = units_on(tx, cut, include_closed=True)
    ancestry = ancestry_on(tx, cut)
    plans = plans_at(tx, cut, period)
    admitted = admitted_by_unit(tx, cut, period)
    balances = balances_by_unit(plans, ancestry)
    planned = set(plans)
    result: list[UnitAttainment] = []
    for node in nodes:
        opening = balances.get(node.unit_id, 0)
        count = admitted.get(node.unit_id, 0) + opening
        below = (
            [plans[u] for u in _topmost_planned_below(node.unit_id, planned, ancestry)]
            if node.status == "open"
            else []
        )
        sub_units = quota_figures(below, count) if below else None
        if node.unit_id in plans:
            source: str | None = "plan"
            figures = quota_figures([plans[node.unit_id]], count)
        elif node.status == "open":
            source = "sub_units" if below else None
            figures = sub_units or quota_figures([], count)
        else:
            continue
        result.append(
            UnitAttainment(
                unit_id=node.unit_id,
                code=node.code,
                name=node.name,
                kind=node.kind,
                parent_id=node.parent_id,
                period_key=period.key,
                source=source,
                figures=figures,
                sub_units=sub_units,
                opening_balance=opening,
            )
        )
    return tuple(result)


def unit_attainment(tx: Tx, cut: Cut, period: Period, unit_id: str) -> UnitAttainment:
    """Attainment of one unit (its own plan, or rolled up from its sub-units)."""
    for row in quota_attainment(tx, cut, period):
        if row.unit_id == unit_id:
            return row
    raise InvalidInput(
        "UNIT_NOT_FOUND_ON_DATE",
        f"Không có đơn vị này vào ngày {cut.as_of:%d/%m/%Y}.",
        f"No such unit existed on {cut.as_of:%d/%m/%Y}.",
        field="unit",
    )


@dataclass(frozen=True)
class QuotaMeeting:
    """Sub-units meeting their quota among the planned sub-units of a unit ("10 of 15")."""

    met: int
    total: int
    units_met: tuple[str, ...]  # unit ids
    units_short: tuple[str, ...]


def units_meeting_quota(
    tx: Tx, cut: Cut, period: Period, unit_id: str | None = None
) -> QuotaMeeting:
    """Among the topmost planned sub-units of ``unit_id`` (default: of the tree's roots) with a
    resolvable quota, how many met it. The unit itself is not counted: the province's "10 of
    15" (seed 004) counts the 15 committees it gave quotas to, not the province."""
    rows = quota_attainment(tx, cut, period)
    ancestry = ancestry_on(tx, cut)
    if unit_id is None:
        tops = [r.unit_id for r in rows if r.parent_id is None and r.unit_id in ancestry]
    else:
        tops = [unit_id]
    planned = {r.unit_id for r in rows if r.source == "plan"}
    wanted = {u for top in tops for u in _topmost_planned_below(top, planned, ancestry)}
    return quota_meeting([r for r in rows if r.unit_id in wanted])


def quota_meeting(attainments: Sequence[UnitAttainment]) -> QuotaMeeting:
    """How many of ``attainments`` with their own plan and a quota met it."""
    rows = [r for r in attainments if r.source == "plan" and r.quota]
    met = tuple(r.unit_id for r in rows if r.met)
    short = tuple(r.unit_id for r in rows if not r.met)
    return QuotaMeeting(met=len(met), total=len(rows), units_met=met, units_short=short)


# --- coverage, source pool, net growth ----------------------------------------------------------
@dataclass(frozen=True)
class Coverage:
    """Grassroots organisations with candidates in the period, and how many admitted ≥ 1."""

    organizations: int  # grassroots organisations (open on as_of) that had candidates
    admitting: int  # of them, those that admitted at least one
    percent: Decimal | None  # two decimals
    without_admission: tuple[str, ...]  # unit ids that had candidates but admitted none


def coverage(tx: Tx, cut: Cut, period: Period, unit_id: str | None = None) -> Coverage:
    """Coverage: share of grassroots organisations with candidates that admitted at least one;
    with ``unit_id``, the organisations in its subtree on ``as_of`` (itself included).

    An organisation "has candidates" when, in the period up to ``as_of``, a case in its subtree
    was in a pre-admission stage or decided, or it admitted someone.
    """
    period = counted(tx, cut, period)
    inside = None if unit_id is None else subtree(tx, cut, unit_id)
    grassroots = [
        n
        for n in units_on(tx, cut)
        if UnitKind(n.kind).is_grassroots and (inside is None or n.unit_id in inside)
    ]
    admitted = admitted_by_unit(tx, cut, period)
    with_candidates = units_with_candidates(tx, cut, period) | {
        u for u, count in admitted.items() if count
    }
    concerned = [n.unit_id for n in grassroots if n.unit_id in with_candidates]
    admitting = [u for u in concerned if admitted.get(u, 0) >= 1]
    figures = attainment(len(admitting), len(concerned))
    return Coverage(
        organizations=len(concerned),
        admitting=len(admitting),
        percent=figures.percent,
        without_admission=tuple(u for u in concerned if u not in admitting),
    )


@dataclass(frozen=True)
class SourcePool:
    """The source pool against a unit's quota and the tenant's ratio band."""

    unit_id: str
    pool: int  # candidates through the awareness class, not yet admitted, over the subtree
    quota: int | None
    quota_max: int | None
    ratio: Decimal | None  # pool / quota, two decimals
    ratio_min: Decimal
    ratio_max: Decimal
    needed_min: int | None  # ratio_min × quota
    needed_max: int | None  # ratio_max × quota_max
    inside_band: bool | None  # needed_min ≤ pool ≤ needed_max
    organizations: int  # grassroots organisations and branches in the subtree on as_of
    without_candidates: tuple[str, ...]  # of them, those with no candidate at all (unit ids)


def source_pool(tx: Tx, cut: Cut, period: Period, unit_id: str) -> SourcePool:
    """The source pool of ``unit_id`` on ``cut.as_of`` against its quota for ``period``.

    The pool is judged against the whole wanted band, ratio × the quota's range: 1,200 people
    for a quota of 500–700 and a ratio of 1.5–2 lie inside 750–1,400 (seed 000), although
    1,200 / 500 = 2.40 is above the ratio 2 read against the floor alone. "Without candidates"
    counts organisations with no candidate at any pre-admission stage (seed 004: "30/657 tổ
    chức đảng không còn quần chúng để tạo nguồn").
    """
    return PoolInputs.read(tx, cut).source_pool(unit_attainment(tx, cut, period, unit_id))


@dataclass(frozen=True)
class PoolInputs:
    """What the source pools of any units at one cut are computed from, read once: a report
    of every unit of a subtree reads these once, not once per unit."""

    policy: PolicyAtCut
    pools: dict[str, int]  # the source pool per unit subtree
    anyone: dict[str, int]  # candidates at any pre-admission stage per unit subtree
    ancestry: dict[str, dict[str, int]]
    organizations: tuple[str, ...]  # grassroots organisations and branches open on as_of

    @classmethod
    def read(cls, tx: Tx, cut: Cut) -> PoolInputs:
        return cls(
            policy=policy_at(tx, cut),
            pools=pool_by_unit(tx, cut),
            anyone=pool_by_unit(tx, cut, _PRE_ADMISSION),
            ancestry=ancestry_on(tx, cut),
            organizations=tuple(
                n.unit_id
                for n in units_on(tx, cut)
                if UnitKind(n.kind).is_grassroots or UnitKind(n.kind) is UnitKind.BRANCH
            ),
        )

    def source_pool(self, row: UnitAttainment) -> SourcePool:
        """The source pool of ``row``'s unit against the quota of ``row``."""
        return _source_pool(self, row)


def _source_pool(inputs: PoolInputs, row: UnitAttainment) -> SourcePool:
    unit_id, policy, ancestry = row.unit_id, inputs.policy, inputs.ancestry
    pool = inputs.pools.get(unit_id, 0)
    ratio = (
        (Decimal(pool) / Decimal(row.quota)).quantize(_CENT, ROUND_HALF_UP) if row.quota else None
    )
    band = (
        pool_band(policy.pool_ratio_min, policy.pool_ratio_max, row.quota, row.quota_max)
        if row.quota and row.quota_max is not None
        else None
    )
    organizations = [u for u in inputs.organizations if unit_id in ancestry.get(u, {})]
    return SourcePool(
        unit_id=unit_id,
        pool=pool,
        quota=row.quota,
        quota_max=row.quota_max,
        ratio=ratio,
        ratio_min=policy.pool_ratio_min,
        ratio_max=policy.pool_ratio_max,
        needed_min=band.needed_min if band else None,
        needed_max=band.needed_max if band else None,
        inside_band=None if band is None else band.holds(pool),
        organizations=len(organizations),
        without_candidates=tuple(u for u in organizations if not inputs.anyone.get(u, 0)),
    )


@dataclass(frozen=True)
class MembershipChange:
    """Admitted and removed members of a unit's subtree in a period; net growth."""

    unit_id: str
    admitted: int
    removed: int  # removed from the list, or membership ended

    @property
    def net_growth(self) -> int:
        """Admitted − removed."""
        return self.admitted - self.removed


def membership_change(tx: Tx, cut: Cut, period: Period, unit_id: str) -> MembershipChange:
    """Admissions and removals of ``unit_id``'s subtree in ``period`` up to ``cut.as_of``."""
    period = counted(tx, cut, period)
    return MembershipChange(
        unit_id=unit_id,
        admitted=admitted_by_unit(tx, cut, period).get(unit_id, 0),
        removed=removed_by_unit(tx, cut, period).get(unit_id, 0),
    )
