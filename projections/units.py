"""Read models of the organisation tree: unit versions, the dated closure table, headcounts.

- ``rm_unit_versions`` — versioned, entity = unit id: business-time intervals
  ``[valid_from, valid_to)`` during which the unit had one code, name, kind, parent and status.
  While open the status is ``open``; from the day it was merged or dissolved one last open-ended
  row says ``merged`` (with ``merged_into``) or ``dissolved``, so the unit's history survives.
- ``rm_unit_ancestry`` — versioned, entity = unit id: the closure of the tree with intervals,
  ``(unit_id, ancestor_id, depth, valid_from, valid_to)``, depth 0 being the unit itself. A unit
  merged into another on day *m* hangs, from *m* on, under the target (ancestor = the target at
  depth 1, then the target's ancestors), so what is counted against the merged unit from then on
  rolls up where it belongs; before *m* it counts where the unit belonged then.
- ``rm_unit_headcounts`` — versioned, entity = unit id: each member headcount report, valid from
  its date until the next report.

Queries join the closure on a date (an admission's counting date, a report's as-of date):
``valid_from <= day AND (valid_to IS NULL OR valid_to > day)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.org_units import OrgUnit
from projections.framework import Apply, Projection, Row
from projections.sql import Column, Table, Tx, as_date

UNIT_VERSIONS = Table(
    "rm_unit_versions",
    (
        Column("unit_id", "text", nullable=False),
        Column("code", "text", nullable=False),
        Column("name", "text", nullable=False),
        Column("kind", "text", nullable=False),  # UnitKind value
        Column("parent_id", "text"),
        Column("admission_authority", "text"),  # AdmissionAuthority value (current one)
        Column("status", "text", nullable=False),  # open | merged | dissolved
        Column("merged_into", "text"),
        Column("valid_from", "date", nullable=False),
        Column("valid_to", "date"),
    ),
    indexes=(("unit_id", "valid_from"), ("parent_id",)),
)

UNIT_ANCESTRY = Table(
    "rm_unit_ancestry",
    (
        Column("unit_id", "text", nullable=False),
        Column("ancestor_id", "text", nullable=False),
        Column("depth", "int", nullable=False),
        Column("valid_from", "date", nullable=False),
        Column("valid_to", "date"),
    ),
    indexes=(("unit_id", "valid_from"), ("ancestor_id",)),
)

UNIT_HEADCOUNTS = Table(
    "rm_unit_headcounts",
    (
        Column("unit_id", "text", nullable=False),
        Column("members", "int", nullable=False),
        Column("valid_from", "date", nullable=False),
        Column("valid_to", "date"),
    ),
    indexes=(("unit_id", "valid_from"),),
)

OPEN = "open"
MERGED = "merged"
DISSOLVED = "dissolved"

#: Events that change which unit hangs under which: they trigger a closure recomputation.
#: ``Created`` only adds the new unit's own closure (a new unit has no sub-units yet).
_RESTRUCTURING_EVENTS = frozenset({"Moved", "MergedInto", "Dissolved"})
#: Deeper than any real tree; stops a corrupt cycle from recursing forever.
_MAX_DEPTH = 32


def unit_version_rows(unit: OrgUnit) -> list[Row]:
    """The business-time intervals of ``unit``: one per (name, parent) while open, then its end.

    The admission authority carries no history in the aggregate, so every row shows the current
    one (it only changes which committee may decide, not where anything counts).
    """
    closed = unit.closed_on
    starts = {unit.established_on}
    starts.update(since for since, _ in unit.names)
    starts.update(since for since, _ in unit.parents)
    open_starts = sorted(
        d for d in starts if d >= unit.established_on and (not closed or d < closed)
    )
    authority = unit.admission_authority.value if unit.admission_authority else None
    base = {
        "unit_id": str(unit.id),
        "code": unit.code,
        "kind": unit.kind.value,
        "admission_authority": authority,
    }
    rows: list[Row] = []
    for number, start in enumerate(open_starts):
        end = open_starts[number + 1] if number + 1 < len(open_starts) else closed
        parent = unit.parent_on(start)
        rows.append(
            {
                **base,
                "name": unit.name_on(start),
                "parent_id": str(parent) if parent else None,
                "status": OPEN,
                "merged_into": None,
                "valid_from": start,
                "valid_to": end,
            }
        )
    if closed is not None:
        parent = unit.parent_on(closed)
        rows.append(
            {
                **base,
                "name": unit.name_on(closed),
                "parent_id": str(parent) if parent else None,
                "status": MERGED if unit.merged_into else DISSOLVED,
                "merged_into": str(unit.merged_into) if unit.merged_into else None,
                "valid_from": closed,
                "valid_to": None,
            }
        )
    return rows


def headcount_rows(unit: OrgUnit) -> list[Row]:
    """Each headcount report of ``unit``, valid until the next one."""
    days = sorted(unit.headcounts)
    return [
        {
            "unit_id": str(unit.id),
            "members": unit.headcounts[day],
            "valid_from": day,
            "valid_to": days[number + 1] if number + 1 < len(days) else None,
        }
        for number, day in enumerate(days)
    ]


@dataclass(frozen=True)
class Link:
    """Where a unit hangs during ``[start, end)``: its parent, the unit it merged into, or none."""

    start: date
    end: date | None
    up: str | None


@dataclass(frozen=True)
class AncestorSpan:
    """``ancestor`` is ``depth`` levels above the unit during ``[start, end)``."""

    ancestor: str
    depth: int
    start: date
    end: date | None


def _earlier_end(a: date | None, b: date | None) -> date | None:
    """The earlier of two interval ends (None = open-ended)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class Closure:
    """The dated closure of a tenant's tree, computed from each unit's links over time."""

    def __init__(self, links: dict[str, list[Link]]) -> None:
        self._links = links
        self._memo: dict[str, list[AncestorSpan]] = {}

    @classmethod
    def from_versions(cls, rows: Iterable[Sequence[object]]) -> Closure:
        """From ``(unit_id, status, parent_id, merged_into, valid_from, valid_to)`` rows."""
        links: dict[str, list[Link]] = {}
        for unit_id, status, parent_id, merged_into, valid_from, valid_to in rows:
            start = as_date(valid_from)
            assert start is not None
            up = parent_id if status == OPEN else merged_into if status == MERGED else None
            links.setdefault(str(unit_id), []).append(
                Link(start, as_date(valid_to), str(up) if up else None)
            )
        for spans in links.values():
            spans.sort(key=lambda link: link.start)
        return cls(links)

    @property
    def units(self) -> list[str]:
        """Every unit known."""
        return list(self._links)

    def ancestry(self, unit_id: str, _level: int = 0) -> list[AncestorSpan]:
        """The unit itself (from its first day on) and each ancestor with its interval."""
        known = self._memo.get(unit_id)
        if known is not None:
            return known
        links = self._links.get(unit_id, [])
        if not links or _level > _MAX_DEPTH:
            return []
        spans = [AncestorSpan(unit_id, 0, links[0].start, None)]
        for link in links:
            if link.up is None:
                continue
            for above in self.ancestry(link.up, _level + 1):
                start = max(link.start, above.start)
                end = _earlier_end(link.end, above.end)
                if end is None or start < end:
                    spans.append(AncestorSpan(above.ancestor, above.depth + 1, start, end))
        result = _coalesce(spans)
        self._memo[unit_id] = result
        return result

    def rows(self, unit_id: str) -> list[Row]:
        """``rm_unit_ancestry`` rows of one unit."""
        return [
            {
                "unit_id": unit_id,
                "ancestor_id": span.ancestor,
                "depth": span.depth,
                "valid_from": span.start,
                "valid_to": span.end,
            }
            for span in self.ancestry(unit_id)
        ]


def _coalesce(spans: list[AncestorSpan]) -> list[AncestorSpan]:
    """Join back-to-back intervals of the same (ancestor, depth): one row per stretch."""
    spans.sort(key=lambda s: (s.ancestor, s.depth, s.start))
    result: list[AncestorSpan] = []
    for span in spans:
        last = result[-1] if result else None
        if (
            last is not None
            and last.ancestor == span.ancestor
            and last.depth == span.depth
            and last.end is not None
            and last.end >= span.start
        ):
            end = None if span.end is None else max(last.end, span.end)
            result[-1] = AncestorSpan(last.ancestor, last.depth, last.start, end)
        else:
            result.append(span)
    return result


def read_closure(tx: Tx) -> Closure:
    """The closure of the tenant's tree as the current ``rm_unit_versions`` rows define it."""
    rows = tx.fetchall(
        "SELECT unit_id, status, parent_id, merged_into, valid_from, valid_to "
        "FROM rm_unit_versions WHERE rec_to IS NULL"
    )
    return Closure.from_versions(rows)


class UnitsProjection(Projection):
    """``rm_unit_versions``, ``rm_unit_ancestry`` and ``rm_unit_headcounts``."""

    name: ClassVar[str] = "units"
    version: ClassVar[int] = 2  # 2: the indexes of issue 12 (tables rebuilt with them)
    tables = (UNIT_VERSIONS, UNIT_ANCESTRY, UNIT_HEADCOUNTS)
    follows = (OrgUnit,)

    def apply(self, change: Apply) -> None:
        unit = change.aggregate
        assert isinstance(unit, OrgUnit)
        kind = type(change.event).__name__
        if kind == "HeadcountReported":
            change.replace(UNIT_HEADCOUNTS, unit.id, headcount_rows(unit))
            return
        changed = change.replace(UNIT_VERSIONS, unit.id, unit_version_rows(unit))
        if not changed:
            return  # a rename on the same name, an absorption: nothing moved
        # The closure is recomputed from the versions just written, in the same transaction.
        # Trees are small (hundreds of units), and ``replace`` writes only what differs.
        closure = read_closure(change.tx)
        if kind in _RESTRUCTURING_EVENTS:
            for unit_id in closure.units:
                change.replace(UNIT_ANCESTRY, unit_id, closure.rows(unit_id))
        else:
            change.replace(UNIT_ANCESTRY, unit.id, closure.rows(str(unit.id)))
