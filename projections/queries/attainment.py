"""Quota attainment and the figures around it, per unit and period, at a :class:`Cut`.

Definitions (all as recorded at ``cut.recorded``, see :mod:`projections.cut`):

- **Counting day** of an admission: its decision date, or its ceremony date when the tenant's
  policy (``rm_policy.counting_basis`` as recorded at the cut) says so; the unit is the one the
  case belonged to on that day (``decision_unit_id`` / ``ceremony_unit_id``).
- **Admitted** by a unit in a period: admissions whose counting day falls in
  ``[period.start, min(period.end, as_of)]`` and whose unit was, *on the counting day*, in the
  unit's subtree (``rm_unit_ancestry``): a unit merged on day *m* counts under its target from
  *m* on, and under its old parent before.
- **Target** of a plan: the one in force on ``as_of`` (adjustments included, a backdated one as
  soon as it is recorded); a percentage is taken of the plan unit's headcount reported on or
  before the period start, rounded up like :meth:`domain.quotas.QuotaTarget.resolve`. A plan whose
  target is a percentage without any headcount yet is reported with no quota (not an error: one
  missing report must not blank a whole dashboard).
- **Quota** = target minimum + supplementary assignments dated on or before ``as_of``;
  ``quota_max`` likewise from the target maximum. Attainment % (two decimals, half-up) and the
  surplus (negative = short) are :func:`domain.quotas.attainment` of admitted and quota, and a
  unit **meets** its quota when admitted ≥ quota (the range's floor).
- **Roll-up** (documented choice): a unit with its own plan is measured against that plan only
  (a superior's plan is normally set for the whole of its subtree already). A unit without a
  plan is measured against the sum of the plans of its *topmost planned* sub-units on ``as_of``
  (a planned unit under another planned unit is not added twice), and its admitted count is its
  whole subtree's. A merged unit keeps its own plan (counting what it admitted before the
  merge); from the merge date it is under its target, so it rolls up there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.candidates import PRE_ADMISSION_STAGES, Stage
from domain.errors import InvalidInput
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget, TargetKind, attainment
from domain.tenant_policy import CountingBasis
from projections.cut import Cut
from projections.queries.org_tree import UnitNode, ancestry_on, headcounts_on, units_on
from projections.sql import Tx, placeholders

_PRE_ADMISSION = sorted(stage.value for stage in PRE_ADMISSION_STAGES)
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


def pool_by_unit(tx: Tx, cut: Cut) -> dict[str, int]:
    """Candidates in a pre-admission stage on ``cut.as_of``, per unit over its subtree."""
    known_s, ps = cut.known("s")
    valid_s, vs = cut.valid("s")
    known_c, pc = cut.known("c")
    valid_c, vc = cut.valid("c")
    rows = tx.fetchall(
        "SELECT c.ancestor_id, COUNT(DISTINCT s.candidate_id) FROM rm_candidate_stages s "
        f"JOIN rm_unit_ancestry c ON c.unit_id = s.unit_id AND {valid_c} "
        f"WHERE {known_s} AND {valid_s} AND {known_c} AND s.stage IN ({placeholders(len(_PRE_ADMISSION))}) "
        "GROUP BY c.ancestor_id",
        [*vc, *ps, *vs, *pc, *_PRE_ADMISSION],
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
    target_min: int | None  # None: a percentage without a headcount
    target_max: int | None
    supplementary: int

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
        "t.percent_max FROM rm_quota_plans p JOIN rm_quota_targets t ON t.plan_id = p.plan_id "
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
    headcounts = headcounts_on(tx, cut, period.start)
    plans: dict[str, PlanFigures] = {}
    for r in rows:
        kind = TargetKind(r["target_kind"])
        unit_id = str(r["unit_id"])
        headcount: int | None = None
        low: int | None
        high: int | None
        if kind is TargetKind.PERCENT_OF_HEADCOUNT:
            headcount = headcounts.get(unit_id)
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
            target_min=low,
            target_max=high,
            supplementary=supplements.get(str(r["plan_id"]), 0),
        )
    return plans


# --- attainment -------------------------------------------------------------------------------
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
    plans: tuple[PlanFigures, ...]  # its own plan, or the sub-units' plans summed
    unresolved_plans: int  # plans whose percentage target has no headcount (left out)
    quota: int | None
    quota_max: int | None
    admitted: int
    percent: Decimal | None
    surplus: int | None  # admitted − quota; negative = short

    @property
    def met(self) -> bool | None:
        """Whether admitted ≥ quota (None without a quota)."""
        return None if self.quota is None else self.admitted >= self.quota


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
    their admitted count.
    """
    nodes = units_on(tx, cut, include_closed=True)
    ancestry = ancestry_on(tx, cut)
    plans = plans_at(tx, cut, period)
    admitted = admitted_by_unit(tx, cut, period)
    planned = set(plans)
    result: list[UnitAttainment] = []
    for node in nodes:
        if node.unit_id in plans:
            source: str | None = "plan"
            chosen = [plans[node.unit_id]]
        elif node.status == "open":
            below = _topmost_planned_below(node.unit_id, planned, ancestry)
            chosen = [plans[u] for u in below]
            source = "sub_units" if chosen else None
        else:
            continue
        result.append(_attainment_row(node, period, source, chosen, admitted.get(node.unit_id, 0)))
    return tuple(result)


def _attainment_row(
    node: UnitNode, period: Period, source: str | None, plans: list[PlanFigures], admitted: int
) -> UnitAttainment:
    resolved = [p for p in plans if p.quota is not None]
    quota = sum(p.quota or 0 for p in resolved) if resolved else None
    quota_max = sum(p.quota_max or 0 for p in resolved) if resolved else None
    figures = attainment(admitted, quota) if quota is not None else None
    return UnitAttainment(
        unit_id=node.unit_id,
        code=node.code,
        name=node.name,
        kind=node.kind,
        parent_id=node.parent_id,
        period_key=period.key,
        source=source,
        plans=tuple(plans),
        unresolved_plans=len(plans) - len(resolved),
        quota=quota,
        quota_max=quota_max,
        admitted=admitted,
        percent=figures.percent if figures else None,
        surplus=figures.surplus if figures else None,
    )


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
    """Units meeting their own quota among the units with a plan ("10 of 15")."""

    met: int
    total: int
    units_met: tuple[str, ...]  # unit ids
    units_short: tuple[str, ...]


def units_meeting_quota(tx: Tx, cut: Cut, period: Period) -> QuotaMeeting:
    """Among units with their own plan (and a resolvable quota), how many met it."""
    return quota_meeting(quota_attainment(tx, cut, period))


def quota_meeting(attainments: Sequence[UnitAttainment]) -> QuotaMeeting:
    """:func:`units_meeting_quota` from attainment rows already read."""
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


def coverage(tx: Tx, cut: Cut, period: Period) -> Coverage:
    """Coverage: share of grassroots organisations with candidates that admitted at least one.

    An organisation "has candidates" when, in the period up to ``as_of``, a case in its subtree
    was in a pre-admission stage or decided, or it admitted someone.
    """
    grassroots = [n for n in units_on(tx, cut) if UnitKind(n.kind).is_grassroots]
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
    """Candidates in the pipeline against a unit's quota and the tenant's ratio band."""

    unit_id: str
    pool: int  # candidates in a pre-admission stage on as_of, over the subtree
    quota: int | None
    ratio: Decimal | None  # pool / quota, two decimals
    ratio_min: Decimal
    ratio_max: Decimal
    inside_band: bool | None
    organizations: int  # grassroots organisations and branches in the subtree on as_of
    without_candidates: tuple[str, ...]  # of them, those with no candidate left (unit ids)


def source_pool(tx: Tx, cut: Cut, period: Period, unit_id: str) -> SourcePool:
    """The source pool of ``unit_id`` on ``cut.as_of`` against its quota for ``period``."""
    policy = policy_at(tx, cut)
    row = unit_attainment(tx, cut, period, unit_id)
    pools = pool_by_unit(tx, cut)
    ancestry = ancestry_on(tx, cut)
    pool = pools.get(unit_id, 0)
    ratio = (
        (Decimal(pool) / Decimal(row.quota)).quantize(_CENT, ROUND_HALF_UP) if row.quota else None
    )
    organizations = [
        n.unit_id
        for n in units_on(tx, cut)
        if (UnitKind(n.kind).is_grassroots or UnitKind(n.kind) is UnitKind.BRANCH)
        and unit_id in ancestry.get(n.unit_id, {})
    ]
    return SourcePool(
        unit_id=unit_id,
        pool=pool,
        quota=row.quota,
        ratio=ratio,
        ratio_min=policy.pool_ratio_min,
        ratio_max=policy.pool_ratio_max,
        inside_band=None
        if ratio is None
        else policy.pool_ratio_min <= ratio <= policy.pool_ratio_max,
        organizations=len(organizations),
        without_candidates=tuple(u for u in organizations if not pools.get(u, 0)),
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
    return MembershipChange(
        unit_id=unit_id,
        admitted=admitted_by_unit(tx, cut, period).get(unit_id, 0),
        removed=removed_by_unit(tx, cut, period).get(unit_id, 0),
    )
