"""The audit history: one row per event of the tenant, in recording order, never changed.

``rm_audit`` answers "who did what, when, on which document" for auditors (Ủy ban Kiểm tra):
the recording position and time, the business date, the actor and role, the event type, the
aggregate it belongs to, the candidate and unit it concerns, the backing document, the notes,
and a one-line summary in Vietnamese and English (:mod:`projections.audit_summaries`). Rows are
only appended, so the table is bitemporal by itself: *as of a business date* is
``occurred_on <= D``, *as recorded at* position P is ``position <= P``. A correction is its own
row; the row it corrects stays.

``rm_audit_units`` (versioned) keeps the code, name and merge target of every unit, so the
projection can name units in summaries and give a candidate's events the unit that follows the
case now (a case of a branch merged away belongs to the branch it was merged into).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from domain.candidates import Candidate
from domain.org_units import OrgUnit
from domain.quotas import QuotaPlan
from projections.audit_summaries import UnitLabel, event_type_of, summarize
from projections.framework import Apply, Projection
from projections.sql import Column, Table, Tx, id_text

#: Merge chains longer than this are cut (the tree is never that deep).
MAX_MERGE_CHAIN = 32

AUDIT = Table(
    "rm_audit",
    (
        Column("position", "int", nullable=False),
        Column("recorded_at", "timestamp", nullable=False),
        Column("occurred_on", "date"),
        Column("actor_id", "text", nullable=False),
        Column("role", "text", nullable=False),
        Column("event_type", "text", nullable=False),
        Column("aggregate_type", "text", nullable=False),
        Column("aggregate_id", "text", nullable=False),
        Column("aggregate_version", "int", nullable=False),
        Column("candidate_id", "text"),
        Column("unit_id", "text"),
        Column("related_unit_id", "text"),
        Column("document_kind", "text"),
        Column("document_number", "text"),
        Column("document_issued_on", "date"),
        Column("document_issuer", "text"),
        Column("notes", "text"),
        Column("summary_vi", "text", nullable=False),
        Column("summary_en", "text", nullable=False),
    ),
    versioned=False,
    primary_key=("position",),
    indexes=(
        ("recorded_at",),
        ("occurred_on", "position"),
        ("actor_id", "position"),
        ("event_type", "position"),
        ("aggregate_id", "position"),
        ("candidate_id", "position"),
        ("unit_id", "position"),
        ("related_unit_id", "position"),
    ),
)

AUDIT_UNITS = Table(
    "rm_audit_units",
    (
        Column("code", "text", nullable=False),
        Column("name", "text", nullable=False),
        Column("merged_into", "text"),
    ),
)


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    merged_into: UUID | None


class _Units:
    """Unit labels and merge targets: ``rm_audit_units`` read once per batch, then kept in step.

    Reading the table for every event would force the runner's buffered writes out each time;
    instead the whole (small) table is read when a new transaction starts, and the projection
    updates it in memory as unit events come. A new transaction (next batch, after a rollback,
    or after another process wrote) always starts from the table again.
    """

    def __init__(self) -> None:
        self._tx: Tx | None = None
        self._units: dict[UUID, _Unit] = {}

    def begin(self, tx: Tx) -> None:
        """Load the units when ``tx`` is not the transaction they were read in."""
        if tx is self._tx:
            return
        rows = tx.fetchall(
            f"SELECT entity_id, code, name, merged_into FROM {AUDIT_UNITS.name} "
            "WHERE rec_to IS NULL"
        )
        self._units = {UUID(r[0]): _Unit(r[1], r[2], UUID(r[3]) if r[3] else None) for r in rows}
        self._tx = tx

    def put(self, unit: OrgUnit) -> None:
        """Remember the unit's state after one of its events."""
        self._units[unit.id] = _Unit(unit.code, unit.name, unit.merged_into)

    def label(self, unit_id: UUID) -> UnitLabel | None:
        """The unit's code and name, as recorded so far."""
        unit = self._units.get(unit_id)
        return None if unit is None else UnitLabel(unit.code, unit.name)

    def current(self, unit_id: UUID) -> UUID:
        """The unit that ``unit_id``'s cases belong to now: itself or the unit it merged into."""
        for _ in range(MAX_MERGE_CHAIN):
            unit = self._units.get(unit_id)
            if unit is None or unit.merged_into is None:
                return unit_id
            unit_id = unit.merged_into
        return unit_id


def _units_concerned(event: Any, aggregate: Any, units: _Units) -> tuple[UUID | None, UUID | None]:
    """The unit an event concerns, and the other unit it involves (if any)."""
    if isinstance(aggregate, Candidate):
        unit = units.current(aggregate.unit_id)
        return unit, getattr(event, "from_unit_id", None)
    if isinstance(aggregate, OrgUnit):
        related = None
        for name in ("target_id", "source_id", "new_parent_id", "parent_id"):
            related = getattr(event, name, None)
            if related is not None:
                break
        return aggregate.id, related
    if isinstance(aggregate, QuotaPlan):
        return units.current(aggregate.unit_id), None
    return None, None


def _text(value: UUID | None) -> str | None:
    return None if value is None else id_text(value)


class AuditProjection(Projection):
    """``rm_audit``: one append-only row per event, with bilingual summaries."""

    name: ClassVar[str] = "audit"
    version: ClassVar[int] = 2  # 2: the indexes of issue 12 (tables rebuilt with them)
    tables = (AUDIT, AUDIT_UNITS)

    def __init__(self) -> None:
        self._units = _Units()

    def apply(self, change: Apply) -> None:
        event: Any = change.event
        aggregate: Any = change.aggregate
        units = self._units
        units.begin(change.tx)
        if isinstance(aggregate, OrgUnit):
            merged = _text(aggregate.merged_into)
            row = {"code": aggregate.code, "name": aggregate.name, "merged_into": merged}
            change.replace(AUDIT_UNITS, aggregate.id, [row])
            units.put(aggregate)
        unit_id, related_unit_id = _units_concerned(event, aggregate, units)
        summary = summarize(event, aggregate, units.label)
        event_type = event_type_of(event)
        actor = event.actor
        document = getattr(event, "document", None)
        notes = getattr(event, "notes", None) or None
        change.append(
            AUDIT,
            [
                {
                    "position": change.position,
                    "recorded_at": change.recorded_at,
                    "occurred_on": getattr(event, "occurred_on", None),
                    "actor_id": actor.user_id,
                    "role": actor.role.value,
                    "event_type": event_type,
                    "aggregate_type": event_type.split(".", 1)[0],
                    "aggregate_id": id_text(event.originator_id),
                    "aggregate_version": event.originator_version,
                    "candidate_id": id_text(aggregate.id)
                    if isinstance(aggregate, Candidate)
                    else None,
                    "unit_id": _text(unit_id),
                    "related_unit_id": _text(related_unit_id),
                    "document_kind": document.kind if document else None,
                    "document_number": document.number if document else None,
                    "document_issued_on": document.issued_on if document else None,
                    "document_issuer": document.issuer if document else None,
                    "notes": notes,
                    "summary_vi": summary.vi,
                    "summary_en": summary.en,
                }
            ],
        )
