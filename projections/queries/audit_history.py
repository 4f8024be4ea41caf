"""The audit history (``rm_audit``, see :mod:`projections.audit`): filtered, bitemporal, paged.

Both time axes:

- *as of a business date* D: events whose business date is on or before D
  (``occurred_on <= D``);
- *as recorded at* a position P (``position <= P``) or a time T (every event recorded by then:
  the last position recorded at or before T, as :func:`projections.cut.position_recorded_by`
  does for the other read models).

Tenant-policy events have no business date: the business-date filters leave them out unless
``include_undated`` is set. Pages are cut by position (keyset pagination, done in SQL): ask for
the ``first`` entries ``after`` a position, ascending (oldest first) or descending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from projections.audit import AUDIT
from projections.cut import Cut
from projections.sql import Tx, as_date, as_datetime, placeholders

#: The most entries one page may hold.
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditDocument:
    """The document an event was backed by."""

    kind: str
    number: str
    issued_on: date
    issuer: str


@dataclass(frozen=True)
class AuditEntry:
    """One event of the tenant's history, as the audit history shows it."""

    position: int
    recorded_at: datetime
    occurred_on: date | None
    actor_id: str
    role: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    candidate_id: str | None
    unit_id: str | None
    related_unit_id: str | None
    document: AuditDocument | None
    notes: str | None
    summary_vi: str
    summary_en: str


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show; every criterion given must hold (empty: all entries).

    Dates and times are inclusive. ``unit_id`` matches the unit an entry concerns (for a
    candidate's events, the unit following the case), and also the other unit it involves
    (the unit a case moved from, a merge partner, a new parent) when ``include_related_units``.
    """

    actor_id: str | None = None
    roles: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    aggregate_types: tuple[str, ...] = ()
    aggregate_id: UUID | str | None = None
    candidate_id: UUID | str | None = None
    unit_id: UUID | str | None = None
    include_related_units: bool = False
    occurred_from: date | None = None
    occurred_to: date | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    as_of: date | None = None
    recorded_position: int | None = None
    recorded_at: datetime | None = None
    include_undated: bool = False

    @classmethod
    def at(cls, cut: Cut, **criteria: Any) -> AuditFilter:
        """A filter standing at ``cut``: as of its business date, as recorded at its position."""
        return cls(as_of=cut.as_of, recorded_position=cut.recorded, **criteria)


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, and where the next one starts."""

    entries: tuple[AuditEntry, ...]
    has_more: bool

    @property
    def end_cursor(self) -> int | None:
        """The position to pass as ``after`` for the next page (None when the page is empty)."""
        return self.entries[-1].position if self.entries else None


_COLUMNS = ", ".join(AUDIT.column_names)


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
    return f"{column} IN ({placeholders(len(values))})", list(values)


def _where(criteria: AuditFilter) -> tuple[str, list[Any]]:
    """The SQL condition (``TRUE`` when nothing is asked) and its parameters."""
    clauses: list[str] = []
    params: list[Any] = []

    def add(clause: str, *values: Any) -> None:
        clauses.append(clause)
        params.extend(values)

    if criteria.actor_id is not None:
        add("actor_id = %s", criteria.actor_id)
    for column, values in (
        ("role", criteria.roles),
        ("event_type", criteria.event_types),
        ("aggregate_type", criteria.aggregate_types),
    ):
        if values:
            clause, values_params = _in(column, values)
            add(clause, *values_params)
    if criteria.aggregate_id is not None:
        add("aggregate_id = %s", str(criteria.aggregate_id))
    if criteria.candidate_id is not None:
        add("candidate_id = %s", str(criteria.candidate_id))
    if criteria.unit_id is not None:
        unit = str(criteria.unit_id)
        if criteria.include_related_units:
            add("(unit_id = %s OR related_unit_id = %s)", unit, unit)
        else:
            add("unit_id = %s", unit)
    undated = " OR occurred_on IS NULL" if criteria.include_undated else ""
    for clause, value in (
        ("occurred_on >= %s", criteria.occurred_from),
        ("occurred_on <= %s", criteria.occurred_to),
        ("occurred_on <= %s", criteria.as_of),
    ):
        if value is not None:
            add(f"({clause}{undated})", value)
    if criteria.recorded_from is not None:
        add("recorded_at >= %s", _utc(criteria.recorded_from))
    if criteria.recorded_to is not None:
        add("recorded_at <= %s", _utc(criteria.recorded_to))
    if criteria.recorded_position is not None:
        add("position <= %s", criteria.recorded_position)
    if criteria.recorded_at is not None:
        add(
            f"position <= (SELECT COALESCE(MAX(position), 0) FROM {AUDIT.name} "
            "WHERE recorded_at <= %s)",
            _utc(criteria.recorded_at),
        )
    return (" AND ".join(clauses) if clauses else "1 = 1"), params


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    r = dict(zip(AUDIT.column_names, row, strict=True))
    recorded_at = as_datetime(r["recorded_at"])
    assert recorded_at is not None
    issued_on = as_date(r["document_issued_on"])
    document = (
        AuditDocument(r["document_kind"], r["document_number"], issued_on, r["document_issuer"])
        if r["document_kind"] is not None and issued_on is not None
        else None
    )
    return AuditEntry(
        position=int(r["position"]),
        recorded_at=_utc(recorded_at),
        occurred_on=as_date(r["occurred_on"]),
        actor_id=r["actor_id"],
        role=r["role"],
        event_type=r["event_type"],
        aggregate_type=r["aggregate_type"],
        aggregate_id=r["aggregate_id"],
        aggregate_version=int(r["aggregate_version"]),
        candidate_id=r["candidate_id"],
        unit_id=r["unit_id"],
        related_unit_id=r["related_unit_id"],
        document=document,
        notes=r["notes"],
        summary_vi=r["summary_vi"],
        summary_en=r["summary_en"],
    )


def audit_entries(
    tx: Tx,
    criteria: AuditFilter | None = None,
    *,
    first: int = DEFAULT_PAGE_SIZE,
    after: int | None = None,
    descending: bool = False,
) -> AuditPage:
    """A page of entries matching ``criteria``, in recording order (newest first if
    ``descending``), starting after position ``after`` (None: from the start or the end)."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        msg = f"first must be between 1 and {MAX_PAGE_SIZE}, not {first}"
        raise ValueError(msg)
    where, params = _where(criteria or AuditFilter())
    if after is not None:
        where += " AND position < %s" if descending else " AND position > %s"
        params.append(after)
    order = "DESC" if descending else "ASC"
    rows = tx.fetchall(
        f"SELECT {_COLUMNS} FROM {AUDIT.name} WHERE {where} ORDER BY position {order} LIMIT %s",
        [*params, first + 1],
    )
    return AuditPage(tuple(_entry(row) for row in rows[:first]), has_more=len(rows) > first)


def count_audit_entries(tx: Tx, criteria: AuditFilter | None = None) -> int:
    """How many entries match ``criteria``."""
    where, params = _where(criteria or AuditFilter())
    row = tx.fetchone(f"SELECT COUNT(*) FROM {AUDIT.name} WHERE {where}", params)
    return int(row[0]) if row else 0


def audit_entry(tx: Tx, position: int) -> AuditEntry | None:
    """The entry of one position, or None."""
    row = tx.fetchone(f"SELECT {_COLUMNS} FROM {AUDIT.name} WHERE position = %s", (position,))
    return None if row is None else _entry(row)


def candidate_timeline(
    tx: Tx,
    candidate_id: UUID | str,
    *,
    as_of: date | None = None,
    recorded_position: int | None = None,
    first: int = MAX_PAGE_SIZE,
    after: int | None = None,
) -> AuditPage:
    """One case's entries in recording order (optionally as of a date / as recorded at P)."""
    criteria = AuditFilter(
        candidate_id=candidate_id, as_of=as_of, recorded_position=recorded_position
    )
    return audit_entries(tx, criteria, first=first, after=after)


def unit_timeline(
    tx: Tx,
    unit_id: UUID | str,
    *,
    include_related: bool = True,
    as_of: date | None = None,
    recorded_position: int | None = None,
    first: int = MAX_PAGE_SIZE,
    after: int | None = None,
) -> AuditPage:
    """One unit's entries in recording order: its own events, its candidates' and quotas'
    events, and (``include_related``) the events of other units that involve it."""
    criteria = AuditFilter(
        unit_id=unit_id,
        include_related_units=include_related,
        as_of=as_of,
        recorded_position=recorded_position,
    )
    return audit_entries(tx, criteria, first=first, after=after)
