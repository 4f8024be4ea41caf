"""Merging a tenant into another (``MergeTenant``, platform operators): the long operation.

Steps, each safe to repeat (a re-run of the same command resumes after a failure):

1. **Close the source.** Its last event, ``MergeClosing`` ("merged into T on D by document X"),
   is recorded; then the registry marks it merged (disabled for good: every process refuses
   writes within a second, ``TENANT_MERGED``); then its chain is verified and a signed
   checkpoint over its head (that closing event included) is stored in the source
   (``ketnap_checkpoints``). The source's history and read models stay: figures before the
   merge date are answered there, as they were.
2. **Receive in the target.** ``MergeReception`` records the source's closing checkpoint
   (position, head hash, signature). The source's open units are re-established under the
   operator's ``under_unit`` (the source's root committee under it, the others under their own
   parents), parents first, on the merge date, with their latest headcount; then its open cases
   arrive through ``Candidate.receive_transfer`` at the stage they had, with their dossier
   rebuilt from their events and a ``MergeOrigin`` (source tenant, aggregate id and version,
   closing checkpoint). A code already used in the target takes the prefix ``<source>-``
   (reported as a collision). Each batch is saved with a ``MergeArrivalsRecorded`` event of the
   reception in ONE transaction, so a failure loses nothing and a re-run skips what arrived.
3. **Summary**: ``TenantMergeCompleted`` (units, cases, collisions).

A case arrives on the merge date, or on the date of its last step in the source when the
source went on recording after that date (no step is dated before the case arrived). The target
counts no admission of an arriving case (it was decided at the source): quotas and figures
before the merge date are the source's, the target's do not double count.

Dissolved and merged-away units, and closed cases, stay in the source's history only; an open
case whose unit was dissolved (it follows no branch) stays too, and is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import ids
from domain.candidates import Candidate
from domain.commands import MergeTenant
from domain.errors import DomainError, InvalidInput, NotFound
from domain.inputs import canonical
from domain.org_units import OrgUnit, check_parent_kind
from domain.tenant_merge import (
    Arrival,
    ClosingCheckpoint,
    MergeClosing,
    MergeOrigin,
    MergeReception,
    prefixed_code,
)
from domain.values import Actor
from service.audit.checkpoints import Checkpoint, load_signing_key, signing_key_path
from service.audit.recording import record_checkpoint
from service.case_history import aggregate_ids, dossier_of
from service.commands import Handlers
from service.store import Store, TenantApplication
from service.store.registry import Tenant, tenant_merged

log = logging.getLogger(__name__)

#: Cases saved per transaction (with their reception event).
BATCH = 50


@dataclass
class MergeProgress:
    """Where a merge stands (for the operator's progress line and the final summary)."""

    source: str
    target: str
    phase: str = "closing"
    units: int = 0
    cases: int = 0
    units_total: int = 0
    cases_total: int = 0
    collisions: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    completed: bool = False


@dataclass(frozen=True)
class MergeSummary:
    """What a merge did: the source as it now stands, the counts, the collisions."""

    source: Tenant
    target: str
    units: int
    cases: int
    collisions: tuple[str, ...]
    left_behind: tuple[str, ...]
    checkpoint_position: int
    checkpoint_head_hash: str
    effective_on: date


def _refuse(code: str, vi: str, en: str, field: str) -> InvalidInput:
    return InvalidInput(code, vi, en, field=field)


def merge_tenant(
    store: Store,
    actor: Actor,
    command: MergeTenant,
    *,
    today: date,
    progress: Callable[[MergeProgress], None] | None = None,
    after_save: Callable[[str, int | None], None] | None = None,
    key: Ed25519PrivateKey | None = None,
) -> MergeSummary:
    """Carry out (or resume) ``command`` as ``actor``; see the module docstring. ``progress``
    hears where it stands after each step; ``after_save`` is called like the handlers' (tenant,
    position) after every save (to run projections inline). The closing checkpoint is signed
    with ``key``, else with the deployment's key (``KETNAP_SIGNING_KEY_FILE``; refused
    bilingually when there is none)."""
    registry = store.registry

    def save(app: TenantApplication, *aggregates: Any) -> None:
        positions = [r.notification.id for r in app.save(*aggregates)]
        if after_save is not None:
            after_save(app.tenant, max(positions) if positions else None)

    tell = progress or (lambda _p: None)
    state = MergeProgress(command.slug, command.into)
    if command.effective_on > today:
        raise _refuse(
            "MERGE_DATE_IN_FUTURE",
            f"Ngày hợp nhất {command.effective_on:%d/%m/%Y} chưa tới.",
            f"The merge date {command.effective_on:%d/%m/%Y} is in the future.",
            "effective_on",
        )
    if command.slug == command.into:
        raise _refuse(
            "TENANT_MERGE_INTO_ITSELF",
            f"Không thể hợp nhất đơn vị '{command.slug}' vào chính nó.",
            f"The tenant '{command.slug}' cannot be merged into itself.",
            "into",
        )
    source = registry.get(command.slug)
    target = registry.get(command.into)
    if target.merged_into is not None:
        raise tenant_merged(target, "into")
    resuming = source.merged_into is not None
    if resuming and source.merged_into != command.into:
        raise tenant_merged(source)
    # The key is needed at the end of step 1: refuse before anything is recorded without it.
    if key is None:
        key = load_signing_key(signing_key_path(store.settings.signing_key_file))
    target_app = store.app(command.into, write=True)
    under = _target_unit(target_app, command.under_unit)
    under.require_open(command.effective_on)
    if not resuming:
        _check_roots_fit(store.app(command.slug, write=False), under)

    # 1. close the source
    if not resuming:
        source_app = store.app(command.slug, write=True)
        closing_id = ids.closing_id(command.slug)
        if closing_id not in source_app.repository:
            closing = MergeClosing.close(
                id=closing_id,
                tenant=command.slug,
                actor=actor,
                into=command.into,
                occurred_on=command.effective_on,
                document=command.document,
                notes=command.reason,
            )
            save(source_app, closing)
        source = registry.merge(
            command.slug, command.into, command.effective_on, actor=actor, reason=command.reason
        )
    if source.merged_on != command.effective_on:
        raise _refuse(
            "MERGE_DATE_MISMATCH",
            f"Đơn vị '{command.slug}' đã hợp nhất từ ngày {source.merged_on:%d/%m/%Y}.",
            f"The tenant '{command.slug}' was merged on {source.merged_on:%d/%m/%Y}.",
            "effective_on",
        )
    source_app = store.app(command.slug, write=False)
    reception_id = ids.reception_id(command.into, command.slug)
    reception: MergeReception | None = (
        target_app.get(reception_id, MergeReception)
        if reception_id in target_app.repository
        else None
    )
    if reception is None:
        checkpoint = record_checkpoint(store, command.slug, key)
        state.checkpoint = checkpoint
        reception = MergeReception.receive(
            id=reception_id,
            tenant=command.into,
            actor=actor,
            source=command.slug,
            occurred_on=command.effective_on,
            document=command.document,
            under_unit_id=under.id,
            checkpoint=ClosingCheckpoint(
                tenant=checkpoint.tenant,
                position=checkpoint.position,
                events=checkpoint.events,
                head_hash=checkpoint.head_hash,
                recorded_at=checkpoint.recorded_at,
                public_key=checkpoint.public_key,
                signature=checkpoint.signature,
            ),
            notes=command.reason,
        )
        save(target_app, reception)
    state.phase = "units"
    tell(state)

    # 2. units, parents first, then cases
    if not reception.completed:
        context = _MergeRun(actor, command, source, source_app, target_app, reception, save)
        context.move_units(state, tell)
        state.phase = "cases"
        tell(state)
        context.move_cases(state, tell)
        # 3. summary
        reception = target_app.get(reception_id, MergeReception)
        reception.complete(actor=actor)
        save(target_app, reception)
    state.units, state.cases = len(reception.units), len(reception.cases)
    state.collisions = list(reception.collisions)
    state.phase, state.completed = "completed", True
    tell(state)
    log.info(
        "tenant %s merged into %s: %d units, %d cases, %d collisions",
        command.slug,
        command.into,
        state.units,
        state.cases,
        len(state.collisions),
    )
    return MergeSummary(
        source=registry.get(command.slug),
        target=command.into,
        units=state.units,
        cases=state.cases,
        collisions=tuple(state.collisions),
        left_behind=tuple(state.left_behind),
        checkpoint_position=reception.checkpoint.position,
        checkpoint_head_hash=reception.checkpoint.head_hash,
        effective_on=command.effective_on,
    )


def _check_roots_fit(source_app: TenantApplication, under: OrgUnit) -> None:
    """The source's root units may sit under ``under`` (checked before the source is closed)."""
    for unit_id in aggregate_ids(source_app, OrgUnit, "Created"):
        unit = source_app.get(unit_id, OrgUnit)
        if unit.parent_id is None and unit.is_open:
            check_parent_kind(unit.kind, under.kind)


def _target_unit(app: TenantApplication, code: str) -> OrgUnit:
    try:
        return app.get(ids.unit_id(app.tenant, code), OrgUnit)
    except NotFound:
        raise NotFound(
            "NOT_FOUND",
            f"Không tìm thấy đơn vị «{code}» trong đơn vị sử dụng '{app.tenant}'.",
            f"No unit '{code}' exists in tenant '{app.tenant}'.",
            field="under_unit",
        ) from None


class _MergeRun:
    """One run of step 2: the source's units and cases moved into the target."""

    def __init__(
        self,
        actor: Actor,
        command: MergeTenant,
        source: Tenant,
        source_app: TenantApplication,
        target_app: TenantApplication,
        reception: MergeReception,
        save: Callable[..., None],
    ) -> None:
        self.save = save
        self.actor = actor
        self.command = command
        self.source = source
        self.source_app = source_app
        self.target_app = target_app
        self.reception = reception
        self.checkpoint = reception.checkpoint
        self.origin = f"{source.name} ({source.slug})"
        #: source unit id → target unit id (from arrivals, this run's and earlier runs')
        self.unit_ids: dict[UUID, UUID] = {
            sid: ids.unit_id(target_app.tenant, a.target_code) for sid, a in reception.units.items()
        }

    # --- codes --------------------------------------------------------------------------------
    def _code(self, code: str, id_of: Callable[[str, str], UUID], field: str) -> str:
        """``code`` if free in the target, else ``<source>-code``; refused if both are taken."""
        target = self.target_app.tenant
        if id_of(target, code) not in self.target_app.repository:
            return code
        prefixed = prefixed_code(self.source.slug, code)
        if id_of(target, prefixed) not in self.target_app.repository:
            return prefixed
        raise _refuse(
            "MERGE_CODE_TAKEN",
            f"Mã «{code}» và «{prefixed}» đều đã có ở đơn vị '{target}'.",
            f"Both '{code}' and '{prefixed}' are already used in tenant '{target}'.",
            field,
        )

    def _origin(self, aggregate: Any, code: str) -> MergeOrigin:
        return MergeOrigin(
            tenant=self.source.slug,
            aggregate_id=aggregate.id,
            version=aggregate.version,
            code=code,
            checkpoint_position=self.checkpoint.position,
            checkpoint_head_hash=self.checkpoint.head_hash,
        )

    def _note(self, code: str) -> str:
        return (
            f"Hợp nhất từ '{self.source.slug}' (mã {code}) / merged from '{self.source.slug}' "
            f"(code {code})"
        )

    # --- units --------------------------------------------------------------------------------
    def move_units(self, state: MergeProgress, tell: Callable[[MergeProgress], None]) -> None:
        """Re-establish the source's open units, parents first, one transaction each."""
        units = [
            self.source_app.get(i, OrgUnit)
            for i in aggregate_ids(self.source_app, OrgUnit, "Created")
        ]
        by_id = {u.id: u for u in units}
        open_units = [u for u in units if u.is_open]
        state.units_total = len(open_units)
        on = self.command.effective_on

        def depth(unit: OrgUnit) -> int:
            d, parent = 0, unit.parent_id
            while parent is not None and parent in by_id and d < 64:
                d, parent = d + 1, by_id[parent].parent_id
            return d

        for unit in sorted(open_units, key=depth):
            if unit.id in self.reception.units:
                continue
            if unit.parent_id is None or unit.parent_id not in self.unit_ids:
                parent = self.target_app.get(self.reception.under_unit_id, OrgUnit)
            else:
                parent = self.target_app.get(self.unit_ids[unit.parent_id], OrgUnit)
            code = self._code(unit.code, ids.unit_id, "under_unit")
            moved = OrgUnit.establish(
                id=ids.unit_id(self.target_app.tenant, code),
                tenant=self.target_app.tenant,
                actor=self.actor,
                occurred_on=on,
                code=code,
                name=unit.name_on(on),
                kind=unit.kind,
                parent=parent,
                admission_authority=unit.admission_authority if unit.kind.is_grassroots else None,
                document=self.command.document,
                notes=self._note(unit.code),
            )
            headcount = unit.headcounts[max(unit.headcounts)] if unit.headcounts else None
            if headcount is not None:
                moved.report_headcount(
                    actor=self.actor,
                    occurred_on=on,
                    members=headcount,
                    document=self.command.document,
                    notes=self._note(unit.code),
                )
            arrival = Arrival(unit.id, unit.version, unit.code, code)
            self.reception.record_arrivals(actor=self.actor, units=(arrival,), cases=())
            self.save(self.target_app, moved, self.reception)
            self.unit_ids[unit.id] = moved.id
            state.units += 1
            if arrival.collided:
                state.collisions.append(unit.code)
            tell(state)

    # --- cases --------------------------------------------------------------------------------
    def _current_unit(self, unit_id: UUID) -> UUID | None:
        """The target unit a source case's unit now maps to (following merges in the source)."""
        for _ in range(64):
            if unit_id in self.unit_ids:
                return self.unit_ids[unit_id]
            unit = self.source_app.get(unit_id, OrgUnit)
            if unit.merged_into is None:
                return None
            unit_id = unit.merged_into
        return None

    def move_cases(self, state: MergeProgress, tell: Callable[[MergeProgress], None]) -> None:
        """Receive the source's open cases, :data:`BATCH` per transaction."""
        pending: list[Candidate] = []
        arrivals: list[Arrival] = []
        ids_seen = list(aggregate_ids(self.source_app, Candidate, "Discovered"))
        for case_id in ids_seen:
            if case_id in self.reception.cases:
                continue
            case = self.source_app.get(case_id, Candidate)
            if case.stage.is_exit:
                continue
            state.cases_total += 1
            unit_id = self._current_unit(case.unit_id)
            if unit_id is None:
                state.left_behind.append(case.case_code)
                continue
            unit = self.target_app.get(unit_id, OrgUnit)
            code = self._code(case.case_code, ids.candidate_id, "slug")
            arrived = self._receive(case, code, unit)
            pending.append(arrived)
            arrival = Arrival(case.id, case.version, case.case_code, code)
            arrivals.append(arrival)
            if arrival.collided:
                state.collisions.append(case.case_code)
            if len(pending) >= BATCH:
                self._save_cases(pending, arrivals, state, tell)
                pending, arrivals = [], []
        if pending:
            self._save_cases(pending, arrivals, state, tell)

    def _save_cases(
        self,
        cases: list[Candidate],
        arrivals: list[Arrival],
        state: MergeProgress,
        tell: Callable[[MergeProgress], None],
    ) -> None:
        self.reception.record_arrivals(actor=self.actor, units=(), cases=tuple(arrivals))
        self.save(self.target_app, *cases, self.reception)
        state.cases += len(cases)
        tell(state)

    def _receive(self, case: Candidate, code: str, unit: OrgUnit) -> Candidate:
        dossier = dossier_of(self.source_app, case)
        dated = [d.issued_on for _, d in dossier.documents()] if dossier else []
        arrived_on = max(self.command.effective_on, case.last_step_on, *dated)
        try:
            return Candidate.receive_transfer(
                id=ids.candidate_id(self.target_app.tenant, code),
                tenant=self.target_app.tenant,
                actor=self.actor,
                occurred_on=arrived_on,
                case_code=code,
                unit_id=unit.id,
                unit_admits_candidates=unit.kind.admits_candidates,
                person=case.person,
                origin=self.origin,
                stage=case.stage,
                awareness_certificate=case.awareness_certificate,
                ceremony_on=case.ceremony_on,
                new_member_class=case.new_member_class,
                full_member_since=case.full_member_since,
                dossier=dossier,
                committee_resolution_required=case.committee_resolution_required,
                merged_from=self._origin(case, case.case_code),
                introduced_by=case.introduced_by,
                document=self.command.document,
                notes=self._note(case.case_code),
            )
        except DomainError as error:
            raise DomainError(
                error.code,
                f"Hồ sơ «{case.case_code}» của '{self.source.slug}': {error.message_vi}",
                f"Case '{case.case_code}' of '{self.source.slug}': {error.message_en}",
                field=error.field,
            ) from None


def run_merge(
    handlers: Handlers,
    actor: Actor,
    command: MergeTenant,
    progress: Callable[[MergeProgress], None] | None = None,
    key: Ed25519PrivateKey | None = None,
) -> MergeSummary:
    """``MergeTenant`` carried out with ``handlers``' store, clock and inline projections (the
    API, the CLI and the demo call this: a long operation of many transactions, not one
    handler's load-call-save)."""
    command = canonical(MergeTenant, command, today=handlers.today())
    return merge_tenant(
        handlers.store,
        actor,
        command,
        today=handlers.today(),
        progress=progress,
        after_save=handlers.after_save,
        key=key,
    )
