"""A tenant merged into another (hợp nhất đảng bộ): what each side's history records.

The 2025 reform merged provincial committees (e.g. Bà Rịa–Vũng Tàu into Hồ Chí Minh City from
1/7/2025) and wound up the provincial enterprise blocs. A platform operator's ``MergeTenant``
(``service.tenant_merge``) moves the open units and cases of the source tenant into the target:

- the **source** records :class:`MergeClosing` as its last event ("merged into T on D by
  document X"); the registry then marks the source merged (nothing more can be recorded) and its
  chain is closed by a signed checkpoint over that event, so auditors can still read and verify
  the whole source history;
- the **target** records :class:`MergeReception`: the source's closing checkpoint (position,
  head hash, signature), then the arrivals batch by batch (source code, id and version → target
  code; saved in the same transaction as the arriving units and cases, so a re-run resumes where
  a failure stopped), then the summary. Each arriving case's ``TransferredIn`` event carries a
  :class:`MergeOrigin` pointing back to the source aggregate and checkpoint.

Aggregate ids are ``uuid5(tenant, natural key)`` (``domain.ids``); the keys used here are
:func:`closing_key` and :func:`reception_key`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput
from domain.values import Actor, DocumentRef

#: Prefix of a code that collides with one of the target's: ``<source slug>-<code>``.
COLLISION_SEPARATOR = "-"


def closing_key() -> str:
    """Natural key of the source's :class:`MergeClosing` (one per tenant: it closes it)."""
    return "tenant-merge:closing"


def reception_key(source: str) -> str:
    """Natural key of the target's :class:`MergeReception` of ``source``."""
    return f"tenant-merge:from:{source}"


def prefixed_code(source: str, code: str) -> str:
    """The code a unit or case of ``source`` takes in the target when its own is taken."""
    return f"{source}{COLLISION_SEPARATOR}{code}"


@dataclass(frozen=True)
class ClosingCheckpoint:
    """The source's signed closing checkpoint, as the target records it (see
    ``service.audit.checkpoints``): the source's history up to ``position`` hashes to
    ``head_hash``, signed by ``public_key``."""

    tenant: str
    position: int
    events: int
    head_hash: str
    recorded_at: str
    public_key: str
    signature: str


@dataclass(frozen=True)
class MergeOrigin:
    """Where a merged aggregate came from: the source tenant's aggregate at the version it had
    when the source was closed, and the closing checkpoint's position and head hash."""

    tenant: str
    aggregate_id: UUID
    version: int
    code: str
    checkpoint_position: int
    checkpoint_head_hash: str


@dataclass(frozen=True)
class Arrival:
    """One unit or case moved: its source id, version and code, and its code in the target
    (different when the source code was taken)."""

    source_id: UUID
    source_version: int
    source_code: str
    target_code: str

    @property
    def collided(self) -> bool:
        """Its code was taken in the target: it arrived under a prefixed code."""
        return self.source_code != self.target_code


class MergeClosing(Aggregate):
    """The source tenant's last event: it was merged into ``into`` from ``effective_on``."""

    @event("TenantClosedByMerge")
    def __init__(
        self,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        into: str,
        occurred_on: date,
        document: DocumentRef,
        notes: str,
    ) -> None:
        self.tenant = tenant
        self.into = into
        self.effective_on = occurred_on
        self.document = document

    @classmethod
    def close(
        cls,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        into: str,
        occurred_on: date,
        document: DocumentRef,
        notes: str = "",
    ) -> MergeClosing:
        """Close ``tenant``: merged into ``into`` on ``occurred_on`` by ``document``."""
        if into == tenant:
            raise merge_into_itself(tenant)
        return cls(
            id=id,
            tenant=tenant,
            actor=actor,
            into=into,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
        )


class MergeReception(Aggregate):
    """The target's record of one merge: the source's closing checkpoint, the arrivals, the
    summary."""

    @event("TenantMergeReceived")
    def __init__(
        self,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        source: str,
        occurred_on: date,
        document: DocumentRef,
        under_unit_id: UUID,
        checkpoint: ClosingCheckpoint,
        notes: str,
    ) -> None:
        self.tenant = tenant
        self.source = source
        self.effective_on = occurred_on
        self.document = document
        self.under_unit_id = under_unit_id
        self.checkpoint = checkpoint
        self.units: dict[UUID, Arrival] = {}
        self.cases: dict[UUID, Arrival] = {}
        self.completed = False

    @classmethod
    def receive(
        cls,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        source: str,
        occurred_on: date,
        document: DocumentRef,
        under_unit_id: UUID,
        checkpoint: ClosingCheckpoint,
        notes: str = "",
    ) -> MergeReception:
        """The target starts receiving ``source``, closed by ``checkpoint``."""
        if source == tenant:
            raise merge_into_itself(tenant)
        if checkpoint.tenant != source:
            raise InvalidInput(
                "MERGE_CHECKPOINT_MISMATCH",
                f"Điểm kiểm tra đóng sổ thuộc đơn vị '{checkpoint.tenant}', không phải '{source}'.",
                f"The closing checkpoint is of tenant '{checkpoint.tenant}', not '{source}'.",
                field="checkpoint",
            )
        return cls(
            id=id,
            tenant=tenant,
            actor=actor,
            source=source,
            occurred_on=occurred_on,
            document=document,
            under_unit_id=under_unit_id,
            checkpoint=checkpoint,
            notes=notes,
        )

    def record_arrivals(
        self, *, actor: Actor, units: tuple[Arrival, ...], cases: tuple[Arrival, ...]
    ) -> None:
        """Units and cases arrived (saved with them, in one transaction)."""
        if self.completed:
            raise merge_already_completed(self.source, self.tenant)
        self._arrivals_recorded(tenant=self.tenant, actor=actor, units=units, cases=cases)

    @event("MergeArrivalsRecorded")
    def _arrivals_recorded(
        self, *, tenant: str, actor: Actor, units: tuple[Arrival, ...], cases: tuple[Arrival, ...]
    ) -> None:
        for arrival in units:
            self.units[arrival.source_id] = arrival
        for arrival in cases:
            self.cases[arrival.source_id] = arrival

    def complete(self, *, actor: Actor) -> None:
        """Every open unit and case arrived: the summary."""
        if self.completed:
            raise merge_already_completed(self.source, self.tenant)
        self._completed(
            tenant=self.tenant,
            actor=actor,
            units=len(self.units),
            cases=len(self.cases),
            collisions=self.collisions,
        )

    @event("TenantMergeCompleted")
    def _completed(
        self, *, tenant: str, actor: Actor, units: int, cases: int, collisions: tuple[str, ...]
    ) -> None:
        self.completed = True

    @property
    def collisions(self) -> tuple[str, ...]:
        """Source codes that arrived under a prefixed code (units first, then cases)."""
        return tuple(
            a.source_code for a in (*self.units.values(), *self.cases.values()) if a.collided
        )


def merge_into_itself(slug: str) -> InvalidInput:
    """Refusal of a tenant merged into itself."""
    return InvalidInput(
        "TENANT_MERGE_INTO_ITSELF",
        f"Không thể hợp nhất đơn vị '{slug}' vào chính nó.",
        f"The tenant '{slug}' cannot be merged into itself.",
        field="into",
    )


def merge_already_completed(source: str, target: str) -> InvalidInput:
    """Refusal of a change to a merge that is complete."""
    return InvalidInput(
        "TENANT_MERGE_COMPLETED",
        f"Việc hợp nhất '{source}' vào '{target}' đã hoàn tất.",
        f"The merge of '{source}' into '{target}' is already complete.",
        field="slug",
    )
