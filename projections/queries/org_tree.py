"""The organisation tree at a cut: which units existed, under whom, with which name and headcount.

Reads ``rm_unit_versions``, ``rm_unit_ancestry`` and ``rm_unit_headcounts`` (see
:mod:`projections.units`) as recorded at ``cut.recorded`` and valid on ``cut.as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from projections.cut import Cut
from projections.sql import Tx, as_date


@dataclass(frozen=True)
class UnitNode:
    """One unit as it was on the cut's date."""

    unit_id: str
    code: str
    name: str
    kind: str  # UnitKind value
    parent_id: str | None
    admission_authority: str | None
    status: str  # open | merged | dissolved
    merged_into: str | None
    depth: int  # 0 for a root; levels below the root on that date
    headcount: int | None  # latest report on or before the date
    since: date  # start of this version of the unit


def units_on(tx: Tx, cut: Cut, *, include_closed: bool = False) -> tuple[UnitNode, ...]:
    """Every unit established by ``cut.as_of`` (open ones only unless ``include_closed``).

    Ordered root first, then by depth and code, so a client can build the tree in one pass.
    """
    known, known_params = cut.known("v")
    valid, valid_params = cut.valid("v")
    rows = tx.fetchdicts(
        "SELECT v.unit_id, v.code, v.name, v.kind, v.parent_id, v.admission_authority, "
        f"v.status, v.merged_into, v.valid_from FROM rm_unit_versions v WHERE {known} AND {valid}",
        [*known_params, *valid_params],
    )
    depths = _depths(tx, cut)
    headcounts = headcounts_on(tx, cut, cut.as_of)
    nodes = [
        UnitNode(
            unit_id=r["unit_id"],
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            parent_id=r["parent_id"],
            admission_authority=r["admission_authority"],
            status=r["status"],
            merged_into=r["merged_into"],
            depth=depths.get(r["unit_id"], 0),
            headcount=headcounts.get(r["unit_id"]),
            since=_date(r["valid_from"]),
        )
        for r in rows
        if include_closed or r["status"] == "open"
    ]
    nodes.sort(key=lambda n: (n.depth, n.code))
    return tuple(nodes)


def org_tree(tx: Tx, cut: Cut, root_id: str | None = None) -> tuple[UnitNode, ...]:
    """The open units on ``cut.as_of``: all of them, or ``root_id`` and its subtree."""
    nodes = units_on(tx, cut)
    if root_id is None:
        return nodes
    inside = subtree(tx, cut, root_id)
    return tuple(n for n in nodes if n.unit_id in inside)


def unit_on(tx: Tx, cut: Cut, unit_id: str) -> UnitNode | None:
    """One unit on ``cut.as_of`` (also when merged or dissolved by then), or None."""
    for node in units_on(tx, cut, include_closed=True):
        if node.unit_id == unit_id:
            return node
    return None


def subtree(tx: Tx, cut: Cut, unit_id: str) -> frozenset[str]:
    """``unit_id`` and every unit under it on ``cut.as_of`` (merged units under their target)."""
    known, known_params = cut.known("a")
    valid, valid_params = cut.valid("a")
    rows = tx.fetchall(
        f"SELECT a.unit_id FROM rm_unit_ancestry a WHERE {known} AND {valid} AND a.ancestor_id = %s",
        [*known_params, *valid_params, unit_id],
    )
    return frozenset(str(r[0]) for r in rows)


def ancestry_on(tx: Tx, cut: Cut) -> dict[str, dict[str, int]]:
    """For each unit on ``cut.as_of``: its ancestors (itself included) with their depth."""
    known, known_params = cut.known("a")
    valid, valid_params = cut.valid("a")
    rows = tx.fetchall(
        f"SELECT a.unit_id, a.ancestor_id, a.depth FROM rm_unit_ancestry a WHERE {known} AND {valid}",
        [*known_params, *valid_params],
    )
    result: dict[str, dict[str, int]] = {}
    for unit_id, ancestor_id, depth in rows:
        result.setdefault(str(unit_id), {})[str(ancestor_id)] = int(depth)
    return result


def headcounts_on(tx: Tx, cut: Cut, day: date) -> dict[str, int]:
    """Each unit's latest member headcount reported on or before ``day`` (as recorded at cut)."""
    known, known_params = cut.known("h")
    rows = tx.fetchall(
        "SELECT h.unit_id, h.members FROM rm_unit_headcounts h "
        f"WHERE {known} AND h.valid_from <= %s AND (h.valid_to IS NULL OR h.valid_to > %s)",
        [*known_params, day, day],
    )
    return {str(unit_id): int(members) for unit_id, members in rows}


def _depths(tx: Tx, cut: Cut) -> dict[str, int]:
    return {unit: max(ancestors.values()) for unit, ancestors in ancestry_on(tx, cut).items()}


def _date(value: object) -> date:
    day = as_date(value)
    assert day is not None
    return day
