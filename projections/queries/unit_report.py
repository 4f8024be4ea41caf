"""A quarterly or yearly report of every unit of a subtree, read in a fixed number of statements.

One row per unit of the subtree on ``cut.as_of``: its attainment (:func:`attainment.
quota_attainment`, a quarter or month derived from the year plan where none is set), its source
pool against that quota (:class:`attainment.PoolInputs`), its membership change
(:func:`attainment.removed_by_unit`) and its overdue cases. Each figure is the one the per-unit
query gives (``sourcePool``, ``membershipChange``, the case list's ``overdueOnly`` count over the
unit's subtree); each is read once for the whole tenant and grouped by unit in SQL, so the cost
does not grow with the number of units asked (no query per unit).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.quotas import Period
from projections.cut import Cut
from projections.queries import attainment
from projections.queries.attainment import MembershipChange, SourcePool, UnitAttainment
from projections.queries.org_tree import subtree
from projections.sql import Tx


@dataclass(frozen=True)
class UnitReportRow:
    """The figures of one unit of the report."""

    attainment: UnitAttainment
    pool: SourcePool
    change: MembershipChange
    overdue: int  # cases in the unit's subtree on as_of whose due step is past due


def overdue_by_unit(tx: Tx, cut: Cut) -> dict[str, int]:
    """Cases whose step due in their stage is past its due date on ``cut.as_of``, per unit over
    its subtree, placed where the case was on ``as_of`` — the case list's ``overdueOnly``."""
    known_s, ps = cut.known("s")
    valid_s, vs = cut.valid("s")
    known_c, pc = cut.known("c")
    valid_c, vc = cut.valid("c")
    rows = tx.fetchall(
        "SELECT c.ancestor_id, COUNT(DISTINCT s.candidate_id) FROM rm_candidate_stages s "
        f"JOIN rm_unit_ancestry c ON c.unit_id = s.unit_id AND {valid_c} "
        f"WHERE {known_s} AND {valid_s} AND {known_c} AND s.deadline_on < %s "
        "GROUP BY c.ancestor_id",
        [*vc, *ps, *vs, *pc, cut.as_of],
    )
    return {str(unit_id): int(count) for unit_id, count in rows}


def unit_report(tx: Tx, cut: Cut, period: Period, unit_id: str) -> tuple[UnitReportRow, ...]:
    """The report of ``unit_id`` and every unit under it on ``cut.as_of``, in the order of
    :func:`attainment.quota_attainment` (root first, then by depth and code)."""
    inside = subtree(tx, cut, unit_id)
    counted = attainment.counted(tx, cut, period)
    rows = [r for r in attainment.quota_attainment(tx, cut, period) if r.unit_id in inside]
    pools = attainment.PoolInputs.read(tx, cut)
    admitted = attainment.admitted_by_unit(tx, cut, counted)
    removed = attainment.removed_by_unit(tx, cut, counted)
    overdue = overdue_by_unit(tx, cut)
    return tuple(
        UnitReportRow(
            attainment=r,
            pool=pools.source_pool(r),
            change=MembershipChange(
                unit_id=r.unit_id,
                admitted=admitted.get(r.unit_id, 0),
                removed=removed.get(r.unit_id, 0),
            ),
            overdue=overdue.get(r.unit_id, 0),
        )
        for r in rows
    )
