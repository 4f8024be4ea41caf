"""The organisation tree at a cut: which units existed, under whom, with which name and headcount.

Reads ``rm_unit_versions``, ``rm_unit_ancestry`` and ``rm_unit_headcounts`` (see
:mod:`projections.units`) as recorded at ``cut.recorded`` and valid on ``cut.as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.cut import Cut
from projections.sql import Dialect, Tx, as_date, placeholders


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
    headcount: int | None  # latest report on or before the date, or its sub-units' sum
    since: date  # start of this version of the unit
    headcount_rolled_up: bool = False  # no report of its own: the sum of its sub-units'


_VERSION_COLUMNS = (
    "v.unit_id, v.code, v.name, v.kind, v.parent_id, v.admission_authority, v.status, "
    "v.merged_into, v.valid_from"
)


def _version_filter(cut: Cut, include_closed: bool) -> tuple[list[str], list[Any]]:
    """WHERE clauses (and parameters) for the unit versions on ``cut.as_of``."""
    known, known_params = cut.known("v")
    valid, valid_params = cut.valid("v")
    where = [known, valid]
    params: list[Any] = [*known_params, *valid_params]
    if not include_closed:
        where.append("v.status = %s")
        params.append("open")
    return where, params


def _nodes(
    rows: Sequence[dict[str, Any]], depths: dict[str, int], headcounts: Headcounts
) -> list[UnitNode]:
    return [
        UnitNode(
            unit_id=str(r["unit_id"]),
            code=str(r["code"]),
            name=str(r["name"]),
            kind=str(r["kind"]),
            parent_id=r["parent_id"],
            admission_authority=r["admission_authority"],
            status=str(r["status"]),
            merged_into=r["merged_into"],
            depth=depths.get(str(r["unit_id"]), 0),
            headcount=headcounts.members.get(str(r["unit_id"])),
            since=_date(r["valid_from"]),
            headcount_rolled_up=str(r["unit_id"]) in headcounts.rolled_up,
        )
        for r in rows
    ]


def units_on(tx: Tx, cut: Cut, *, include_closed: bool = False) -> tuple[UnitNode, ...]:
    """Every unit established by ``cut.as_of`` (open ones only unless ``include_closed``).

    Ordered root first, then by depth and code, so a client can build the tree in one pass.
    """
    where, params = _version_filter(cut, include_closed)
    rows = tx.fetchdicts(
        f"SELECT {_VERSION_COLUMNS} FROM rm_unit_versions v WHERE {' AND '.join(where)}", params
    )
    links = ancestry_rows(tx, cut, cut.as_of)
    nodes = _nodes(rows, _depths_of(links), rolled_up_headcounts(tx, cut, cut.as_of, links))
    nodes.sort(key=lambda n: (n.depth, n.code))
    return tuple(nodes)


def units_page(
    tx: Tx, cut: Cut, *, include_closed: bool, first: int, after: str | None
) -> tuple[list[UnitNode], bool]:
    """The units of :func:`units_on`, one keyset page ordered by code (byte order): ``first``
    units after code ``after``, and whether more follow."""
    code = 'v.code COLLATE "C"' if tx.dialect is Dialect.POSTGRES else "v.code"
    where, params = _version_filter(cut, include_closed)
    if after is not None:
        where.append(f"{code} > %s")
        params.append(after)
    rows = tx.fetchdicts(
        f"SELECT {_VERSION_COLUMNS} FROM rm_unit_versions v "
        f"WHERE {' AND '.join(where)} ORDER BY {code} LIMIT %s",
        [*params, first + 1],
    )
    page = rows[:first]
    if not page:
        return [], False
    links = ancestry_rows(tx, cut, cut.as_of)
    headcounts = rolled_up_headcounts(tx, cut, cut.as_of, links)
    return _nodes(page, _depths_of(links), headcounts), len(rows) > first


def count_units(tx: Tx, cut: Cut, *, include_closed: bool) -> int:
    """How many units :func:`units_on` gives."""
    where, params = _version_filter(cut, include_closed)
    row = tx.fetchone(
        f"SELECT COUNT(*) FROM rm_unit_versions v WHERE {' AND '.join(where)}", params
    )
    return int(row[0]) if row else 0


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


def scope_subtree(tx: Tx, cut: Cut, unit_id: str) -> frozenset[str]:
    """The units a branch secretary of ``unit_id`` answers for on ``cut.as_of``: nothing when
    the unit is closed (merged or dissolved) then, else its :func:`subtree` without the units
    dissolved by then (their cases are no branch's until an organizer moves them; merged units
    stay, under the unit they were merged into)."""
    known_a, pa = cut.known("a")
    valid_a, va = cut.valid("a")
    known_v, pv = cut.known("v")
    valid_v, vv = cut.valid("v")
    known_o, po = cut.known("o")
    valid_o, vo = cut.valid("o")
    rows = tx.fetchall(
        f"SELECT a.unit_id FROM rm_unit_ancestry a WHERE {known_a} AND {valid_a} "
        "AND a.ancestor_id = %s "
        f"AND EXISTS (SELECT 1 FROM rm_unit_versions o WHERE o.unit_id = a.ancestor_id "
        f"AND {known_o} AND {valid_o} AND o.status = %s) "
        "AND NOT EXISTS (SELECT 1 FROM rm_unit_versions v "
        f"WHERE v.unit_id = a.unit_id AND {known_v} AND {valid_v} AND v.status = %s)",
        [*pa, *va, unit_id, *po, *vo, "open", *pv, *vv, "dissolved"],
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


def headcounts_on(
    tx: Tx, cut: Cut, day: date, unit_ids: Sequence[str] | None = None
) -> dict[str, int]:
    """Each unit's (or each of ``unit_ids``') latest member headcount reported on or before
    ``day`` (as recorded at cut)."""
    known, known_params = cut.known("h")
    query = (
        "SELECT h.unit_id, h.members FROM rm_unit_headcounts h "
        f"WHERE {known} AND h.valid_from <= %s AND (h.valid_to IS NULL OR h.valid_to > %s)"
    )
    params: list[Any] = [*known_params, day, day]
    if unit_ids is not None:
        query += f" AND h.unit_id IN ({placeholders(len(unit_ids))})"
        params += list(unit_ids)
    return {str(unit_id): int(members) for unit_id, members in tx.fetchall(query, params)}


@dataclass(frozen=True)
class Headcounts:
    """Member headcounts on a day: each unit's own latest report, or — for a unit with no report
    of its own — the sum of its sub-units' (themselves rolled up the same way)."""

    members: dict[str, int]
    rolled_up: frozenset[str]  # units whose figure is their sub-units' sum


def ancestry_rows(tx: Tx, cut: Cut, day: date) -> list[tuple[str, str, int]]:
    """``(unit, ancestor, depth)`` of every unit on ``day`` (as recorded at cut), itself at 0."""
    known, known_params = cut.known("a")
    rows = tx.fetchall(
        f"SELECT a.unit_id, a.ancestor_id, a.depth FROM rm_unit_ancestry a WHERE {known} "
        "AND a.valid_from <= %s AND (a.valid_to IS NULL OR a.valid_to > %s)",
        [*known_params, day, day],
    )
    return [(str(u), str(a), int(d)) for u, a, d in rows]


def _depths_of(links: Sequence[tuple[str, str, int]]) -> dict[str, int]:
    """Each unit's depth below its root: its deepest ancestor's depth."""
    depths: dict[str, int] = {}
    for unit_id, _, depth in links:
        depths[unit_id] = max(depth, depths.get(unit_id, 0))
    return depths


def rolled_up_headcounts(
    tx: Tx, cut: Cut, day: date, links: Sequence[tuple[str, str, int]] | None = None
) -> Headcounts:
    """:class:`Headcounts` on ``day`` (as recorded at cut), over the tree as it stood that day
    (``links``: its :func:`ancestry_rows`, when already read).

    A committee seldom reports its own total when its organisations report theirs (seed 003:
    72 organisations, 3,232 members; seed 001: 11 branches, 196 members): the sum is its
    headcount. A unit that reported keeps its own figure, even if its sub-units' sum differs
    (the report is the committee's document); a unit with neither has none.
    """
    own = headcounts_on(tx, cut, day)
    if links is None:
        links = ancestry_rows(tx, cut, day)
    children: dict[str, list[str]] = {}
    for unit_id, parent_id, depth in links:
        if depth == 1:
            children.setdefault(parent_id, []).append(unit_id)
    members = dict(own)
    rolled: set[str] = set()

    def total(unit_id: str, level: int) -> int | None:
        if unit_id in members:
            return members[unit_id]
        if level > _MAX_DEPTH:
            return None
        figures = [f for c in children.get(unit_id, ()) if (f := total(c, level + 1)) is not None]
        if not figures:
            return None
        members[unit_id] = sum(figures)
        rolled.add(unit_id)
        return members[unit_id]

    for parent_id in children:
        total(parent_id, 0)
    return Headcounts(members, frozenset(rolled))


#: Deeper than any real tree; stops a corrupt cycle from recursing forever.
_MAX_DEPTH = 32


def _date(value: object) -> date:
    day = as_date(value)
    assert day is not None
    return day
