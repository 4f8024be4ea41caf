"""Command handlers: the only way state changes.

``Handlers.handle(principal, command)`` makes the command canonical (``domain.inputs``: every
violation of the input at once), then dispatches on its type: load the aggregate, call the
domain method of the same name, save. A few steps need context the command does not carry
(the grassroots unit's kind, the calendar, the admission authority, another unit); small named
helpers below give it. The result holds the aggregate id and the position of the last stored
event, so a caller can wait for projections to pass it (read-your-writes). The tenant and the
actor come from a ``Principal`` built by the caller from a verified token (or the CLI's
operator), never from command arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.candidates import Candidate
from domain.checklist import Checklist
from domain.commands import (
    AcceptTransferredCase,
    AddSponsor,
    AdjustQuota,
    AssignSupplementaryQuota,
    CaseCommand,
    Command,
    CorrectProfile,
    CorrectStepDate,
    DisableTenant,
    DiscoverCandidate,
    DissolveUnit,
    EnableTenant,
    EstablishUnit,
    HoldAdmissionCeremony,
    MergeTenant,
    MergeUnits,
    MoveCandidate,
    MoveUnit,
    PlatformCommand,
    PolicyChange,
    QuotaChange,
    ReceiveTransferredCandidate,
    RecordAdmissionDecision,
    RecordBranchResolution,
    RecordRecognitionDecision,
    RecordRecognitionVote,
    RecordUnionIntroduction,
    RejectCandidate,
    RenameUnit,
    SetQuota,
    TransferCandidateOut,
    UnitChange,
    WithdrawCandidate,
)
from domain.errors import InvalidInput, NotFound
from domain.inputs import canonical
from domain.org_units import OrgUnit, UnitKind, grassroots_of
from domain.quotas import Period, QuotaPlan
from domain.tenant_policy import TenantPolicy
from domain.values import Actor
from domain.working_days import WorkingCalendar
from service.store import Store, TenantApplication
from service.store.registry import Tenant, TenantKind
from service.transfers import accepted_case, check_destination

AggT = TypeVar("AggT", bound=Aggregate)
MAX_UNIT_DEPTH = 32


@dataclass(frozen=True)
class Principal:
    """Who acts, in which tenant: built from a verified token, never from client arguments."""

    tenant: str
    actor: Actor


@dataclass(frozen=True)
class CommandResult:
    """What a command changed: the aggregate and the position of its last stored event."""

    aggregate_id: UUID
    position: int | None


@dataclass
class Handlers:
    """The command handlers of one process, bound to its store and clock."""

    store: Store
    today: Callable[[], date] = field(default=date.today)
    #: Called with (tenant, position) after every save, e.g. to run projections inline.
    after_save: Callable[[str, int | None], None] | None = None

    # --- plumbing -----------------------------------------------------------------------------
    def _app(self, principal: Principal) -> TenantApplication:
        return self.store.app(principal.tenant, write=True)

    def _save(
        self, app: TenantApplication, aggregate_id: UUID, *aggregates: Aggregate
    ) -> CommandResult:
        positions = [recording.notification.id for recording in app.save(*aggregates)]
        result = CommandResult(aggregate_id, max(positions) if positions else None)
        if self.after_save is not None:
            self.after_save(app.tenant, result.position)
        return result

    @staticmethod
    def _load(
        app: TenantApplication,
        aggregate_id: UUID,
        kind: type[AggT],
        what_vi: str,
        what_en: str,
        key: str,
    ) -> AggT:
        try:
            return app.get(aggregate_id, kind)
        except NotFound as error:
            if error.code != "NOT_FOUND":
                raise
            raise NotFound(
                "NOT_FOUND",
                f"Không tìm thấy {what_vi} «{key}».",
                f"No {what_en} '{key}' exists in this tenant.",
                field=what_en,
            ) from None

    def unit(self, app: TenantApplication, code: str) -> OrgUnit:
        """The unit ``code`` of the tenant, following merges to the unit it now belongs to."""
        unit = self._load(app, ids.unit_id(app.tenant, code), OrgUnit, "đơn vị", "unit", code)
        return self._follow_merges(app, unit)

    @staticmethod
    def _follow_merges(app: TenantApplication, unit: OrgUnit) -> OrgUnit:
        """The unit ``unit`` now belongs to: itself, or the unit it was (in turn) merged into."""
        for _ in range(MAX_UNIT_DEPTH):
            if unit.merged_into is None:
                return unit
            unit = app.get(unit.merged_into, OrgUnit)
        return unit

    def _ancestors(self, app: TenantApplication, unit: OrgUnit) -> list[OrgUnit]:
        ancestors: list[OrgUnit] = []
        parent_id = unit.parent_id
        while parent_id is not None and len(ancestors) < MAX_UNIT_DEPTH:
            parent = app.get(parent_id, OrgUnit)
            ancestors.append(parent)
            parent_id = parent.parent_id
        return ancestors

    def candidate(self, app: TenantApplication, case_code: str) -> Candidate:
        """The case ``case_code`` of the tenant."""
        return self._load(
            app, ids.candidate_id(app.tenant, case_code), Candidate, "hồ sơ", "case", case_code
        )

    def candidate_unit(self, app: TenantApplication, candidate: Candidate) -> OrgUnit:
        """The unit following the case now (after any merge of the unit it was opened in)."""
        return self._follow_merges(app, app.get(candidate.unit_id, OrgUnit))

    def _grassroots(self, app: TenantApplication, candidate: Candidate) -> OrgUnit:
        unit = self.candidate_unit(app, candidate)
        return grassroots_of(unit, self._ancestors(app, unit))

    def youth_union_organisation(
        self,
        app: TenantApplication,
        candidate: Candidate,
        step: AddSponsor | RecordUnionIntroduction | RecordBranchResolution,
    ) -> bool | None:
        """Whether the case's unit has a Youth Union organisation on the step's date, as declared
        on its branch or, failing that, on the nearest declaring ancestor up to its grassroots
        organisation; None when none declared it (Charter Art. 4 needs the fact)."""
        return self.youth_union_organisation_on(app, candidate, step.occurred_on)

    def youth_union_organisation_on(
        self, app: TenantApplication, candidate: Candidate, on: date
    ) -> bool | None:
        """Whether the case's unit has a Youth Union organisation on ``on`` (see
        :meth:`youth_union_organisation`)."""
        unit = self.candidate_unit(app, candidate)
        for holder in [unit, *self._ancestors(app, unit)]:
            declared = holder.youth_union_organisation_on(on)
            if declared is not None:
                return declared
            if holder.kind.is_grassroots:
                break
        return None

    def checklist(self, app: TenantApplication, candidate: Candidate, on: date) -> Checklist:
        """The case's checklist on ``on`` with the facts of its unit the steps are given: the
        declared Youth Union organisation, whether the branch sits under a grassroots committee."""
        return candidate.checklist(
            on,
            self.calendar(app),
            youth_union_organisation=self.youth_union_organisation_on(app, candidate, on),
            under_grassroots_committee=self._grassroots(app, candidate).kind
            is UnitKind.GRASSROOTS_COMMITTEE,
        )

    def within_units(
        self,
        p: Principal,
        scope: Sequence[str],
        *,
        case_code: str | None = None,
        unit_code: str | None = None,
    ) -> bool:
        """Whether the case's unit now (or the unit ``unit_code``) lies in a branch secretary's
        scope: one of the open units ``scope`` names, or under one of them today.

        The same rule as the secretary's reads (``org_tree.scope_subtree`` today), taken from
        the aggregates so a write is checked against what is recorded now: a closed unit named
        in ``scope`` grants nothing, merged units are followed to the unit they were merged
        into, and a dissolved unit hangs under nothing (its cases are no branch's until an
        organizer moves them). An unknown case lies in no scope, so a secretary cannot tell it
        from another unit's case; an unknown unit raises the usual bilingual NOT_FOUND (units
        are no secret)."""
        app = self.store.app(p.tenant, write=False)
        if case_code is not None:
            try:
                case = app.get(ids.candidate_id(p.tenant, case_code), Candidate)
            except NotFound:
                self._same_work_as_a_case(app, scope)
                return False
            unit = self.candidate_unit(app, case)
        elif unit_code is not None:
            unit = self.unit(app, unit_code)
        else:
            return False
        scope_ids = {ids.unit_id(p.tenant, code) for code in scope}
        return any(u.id in scope_ids and u.is_open for u in self._scope_chain(app, unit))

    def _same_work_as_a_case(self, app: TenantApplication, scope: Sequence[str]) -> None:
        """Walk up from the scope's first unit as a case's check walks up from its unit, so an
        unknown case costs about what another unit's case does (no timing oracle either)."""
        with contextlib.suppress(NotFound):
            if scope:
                self._scope_chain(app, self.unit(app, scope[0]))

    @staticmethod
    def _scope_chain(app: TenantApplication, unit: OrgUnit) -> list[OrgUnit]:
        """The units ``unit`` hangs under today, itself first, as ``rm_unit_ancestry`` has them:
        a merged unit hangs under the unit it was merged into, a dissolved one under nothing.
        Empty for a dissolved ``unit``: it is in no branch secretary's scope."""
        if not unit.is_open and unit.merged_into is None:
            return []
        chain = [unit]
        while len(chain) <= MAX_UNIT_DEPTH:
            last = chain[-1]
            up: UUID | None
            if last.merged_into is not None:
                up = last.merged_into
            elif last.is_open:
                up = last.parent_id
            else:
                up = None  # dissolved: nothing above it any more
            if up is None:
                break
            chain.append(app.get(up, OrgUnit))
        return chain

    def policy(self, app: TenantApplication) -> TenantPolicy:
        """The tenant's policy (created with the tenant)."""
        return app.get(ids.tenant_policy_id(app.tenant), TenantPolicy)

    def calendar(self, app: TenantApplication) -> WorkingCalendar:
        """The tenant's working-day calendar."""
        return self.policy(app).calendar

    def _quota(self, app: TenantApplication, unit_code: str, period: Period) -> QuotaPlan:
        unit = self.unit(app, unit_code)
        return self._load(
            app,
            ids.quota_plan_id(app.tenant, unit.code, period.key),
            QuotaPlan,
            "chỉ tiêu",
            "quota plan",
            f"{unit.code} {period.key}",
        )

    # --- the one entry point ------------------------------------------------------------------
    def handle(self, p: Principal, command: Command) -> CommandResult:
        """Make ``command`` canonical and carry it out as ``p``; nothing is saved on refusal."""
        command = canonical(type(command), command, today=self.today())
        return self.handle_canonical(p, command)

    def handle_canonical(self, p: Principal, command: Command) -> CommandResult:
        """Carry out ``command`` as ``p``, already made canonical by the caller (an import makes
        a whole row's commands canonical first, to report all of their problems at once);
        nothing is saved on refusal."""
        return handler_of(type(command))(self, p, self._app(p), command)

    # --- tenants ------------------------------------------------------------------------------
    def create_tenant(self, actor: Actor, slug: str, name: str, kind: TenantKind | str) -> Tenant:
        """Register a tenant (platform operators) and record its default policy."""
        tenant = self.store.registry.create(slug, name, kind, actor=actor)
        app = self.store.app(tenant.slug)
        policy = TenantPolicy(id=ids.tenant_policy_id(tenant.slug), tenant=tenant.slug, actor=actor)
        self._save(app, policy.id, policy)
        return tenant

    def handle_platform(self, actor: Actor, command: PlatformCommand) -> Tenant:
        """Make a platform operator's ``command`` canonical and carry it out as ``actor``; the
        tenant as it now stands. Recorded in the platform's history, nothing on refusal."""
        command = canonical(type(command), command, today=self.today())
        registry = self.store.registry
        if isinstance(command, DisableTenant):
            return registry.disable(command.slug, actor=actor, reason=command.reason)
        if isinstance(command, EnableTenant):
            return registry.enable(command.slug, actor=actor, reason=command.reason)
        if isinstance(command, MergeTenant):
            raise TypeError("MergeTenant is carried out by service.tenant_merge.run_merge")
        raise TypeError(f"no handler for {type(command).__name__}")


# --- dispatch -----------------------------------------------------------------------------------
Handler = Callable[[Handlers, Principal, TenantApplication, Any], CommandResult]
_HANDLERS: dict[type[Command], Handler] = {}
CommandT = TypeVar("CommandT", bound=Command)

#: Where the domain method's name is not the command's (``RejectCandidate`` → ``reject``).
_METHOD: dict[type[Command], str] = {
    RejectCandidate: "reject",
    WithdrawCandidate: "withdraw",
    TransferCandidateOut: "transfer_out",
    RenameUnit: "rename",
    DissolveUnit: "dissolve",
    AssignSupplementaryQuota: "assign_supplementary",
    AdjustQuota: "adjust",
}
#: Fields that name the aggregate a command acts on; the domain method does not take them.
_ADDRESS = frozenset({"case_code", "code", "unit_code", "period"})


def handles(
    kind: type[CommandT],
) -> Callable[
    [Callable[[Handlers, Principal, TenantApplication, CommandT], CommandResult]], Handler
]:
    """Register the handler of ``kind`` (and of its subclasses without their own)."""

    def register(
        handler: Callable[[Handlers, Principal, TenantApplication, CommandT], CommandResult],
    ) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_of(kind: type[Command]) -> Handler:
    """The handler of commands of type ``kind``: its own, else its nearest base's."""
    for base in kind.__mro__:
        handler = _HANDLERS.get(base)
        if handler is not None:
            return handler
    raise TypeError(f"no handler for {kind.__name__}")


#: :func:`method_name` and :func:`arguments_of` by command class: both are asked for every
#: command handled (an import's profile showed them at ~3 % of its time).
_METHOD_NAMES: dict[type[Command], str] = {}
_ARGUMENTS: dict[type[Command], tuple[str, ...]] = {}


def method_name(kind: type[Command]) -> str:
    """The domain method a command calls: its name in snake case, or its entry in ``_METHOD``."""
    name = _METHOD_NAMES.get(kind)
    if name is None:
        name = _METHOD.get(kind) or re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()
        _METHOD_NAMES[kind] = name
    return name


def arguments_of(kind: type[Command]) -> tuple[str, ...]:
    """The command's fields the domain method takes (all but those naming the aggregate)."""
    names = _ARGUMENTS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if f.name not in _ADDRESS)
        _ARGUMENTS[kind] = names
    return names


def _arguments(command: Command, **context: Any) -> dict[str, Any]:
    """The domain method's arguments: the command's fields but its address, and ``context``."""
    arguments = {name: getattr(command, name) for name in arguments_of(type(command))}
    return {**arguments, **context}


def _apply(
    h: Handlers,
    p: Principal,
    app: TenantApplication,
    aggregate: Aggregate,
    command: Command,
    **context: Any,
) -> CommandResult:
    """Call the domain method named after ``command`` on ``aggregate``, then save it."""
    getattr(aggregate, method_name(type(command)))(actor=p.actor, **_arguments(command, **context))
    return h._save(app, aggregate.id, aggregate)


# --- context some steps need ---------------------------------------------------------------------
def _case_context(
    h: Handlers, app: TenantApplication, case: Candidate, command: Command
) -> dict[str, Any]:
    """What a step on a case needs beyond its command: the calendar for deadlines, the
    grassroots unit's kind and admission authority."""
    if isinstance(command, AddSponsor | RecordUnionIntroduction):
        return {"youth_union_organisation": h.youth_union_organisation(app, case, command)}
    if isinstance(command, RecordBranchResolution):
        grassroots = h._grassroots(app, case)
        return {
            "committee_resolution_required": grassroots.kind is UnitKind.GRASSROOTS_COMMITTEE,
            "youth_union_organisation": h.youth_union_organisation(app, case, command),
        }
    if isinstance(command, RecordAdmissionDecision):
        authority = h._grassroots(app, case).admission_authority
        assert authority is not None
        return {"unit_authority": authority, "calendar": h.calendar(app)}
    if isinstance(command, RecordRecognitionDecision):
        grassroots = h._grassroots(app, case)
        return {
            "calendar": h.calendar(app),
            "under_grassroots_committee": grassroots.kind is UnitKind.GRASSROOTS_COMMITTEE,
        }
    if isinstance(
        command,
        HoldAdmissionCeremony | RecordRecognitionVote | CorrectStepDate | CorrectProfile,
    ):
        return {"calendar": h.calendar(app)}
    return {}


# --- the tenant's policy ------------------------------------------------------------------------
@handles(PolicyChange)
def _policy_change(
    h: Handlers, p: Principal, app: TenantApplication, command: PolicyChange
) -> CommandResult:
    return _apply(h, p, app, h.policy(app), command)


# --- units --------------------------------------------------------------------------------------
@handles(UnitChange)
def _unit_change(
    h: Handlers, p: Principal, app: TenantApplication, command: UnitChange
) -> CommandResult:
    return _apply(h, p, app, h.unit(app, command.code), command)


def _free(
    app: TenantApplication, aggregate_id: UUID, code: str, vi: str, en: str, what: str
) -> None:
    """Refuse a new aggregate whose natural key is already taken."""
    if aggregate_id in app.repository:
        raise InvalidInput(code, vi, en, field=what)


@handles(EstablishUnit)
def _establish_unit(
    h: Handlers, p: Principal, app: TenantApplication, c: EstablishUnit
) -> CommandResult:
    unit_id = ids.unit_id(p.tenant, c.code)
    _free(
        app,
        unit_id,
        "UNIT_CODE_TAKEN",
        f"Mã đơn vị «{c.code}» đã được dùng.",
        f"The unit code '{c.code}' is already in use.",
        "code",
    )
    parent = h.unit(app, c.parent_code) if c.parent_code else None
    unit = OrgUnit.establish(
        id=unit_id,
        tenant=p.tenant,
        actor=p.actor,
        occurred_on=c.occurred_on,
        code=c.code,
        name=c.name,
        kind=c.kind,
        parent=parent,
        admission_authority=c.admission_authority,
        document=c.document,
        notes=c.notes,
    )
    return h._save(app, unit.id, unit)


@handles(MoveUnit)
def _move_unit(h: Handlers, p: Principal, app: TenantApplication, c: MoveUnit) -> CommandResult:
    unit = h.unit(app, c.code)
    new_parent = h.unit(app, c.new_parent_code)
    if unit.id in {a.id for a in h._ancestors(app, new_parent)}:
        raise InvalidInput(
            "UNIT_MOVE_CYCLE",
            "Không thể chuyển đơn vị vào đơn vị cấp dưới của nó.",
            "A unit cannot be moved under one of its own sub-units.",
            field="new_parent_code",
        )
    unit.move(
        actor=p.actor,
        occurred_on=c.occurred_on,
        new_parent=new_parent,
        document=c.document,
        notes=c.notes,
    )
    return h._save(app, unit.id, unit)


@handles(MergeUnits)
def _merge_units(h: Handlers, p: Principal, app: TenantApplication, c: MergeUnits) -> CommandResult:
    source, target = h.unit(app, c.code), h.unit(app, c.into_code)
    source.merge_into(
        actor=p.actor, occurred_on=c.occurred_on, target=target, document=c.document, notes=c.notes
    )
    return h._save(app, source.id, source, target)


# --- quotas -------------------------------------------------------------------------------------
@handles(QuotaChange)
def _quota_change(
    h: Handlers, p: Principal, app: TenantApplication, command: QuotaChange
) -> CommandResult:
    return _apply(h, p, app, h._quota(app, command.unit_code, command.period), command)


@handles(SetQuota)
def _set_quota(h: Handlers, p: Principal, app: TenantApplication, c: SetQuota) -> CommandResult:
    unit = h.unit(app, c.unit_code)
    plan_id = ids.quota_plan_id(p.tenant, unit.code, c.period.key)
    _free(
        app,
        plan_id,
        "QUOTA_ALREADY_SET",
        f"Chỉ tiêu {c.period.key} của {unit.name} đã được giao; hãy điều chỉnh.",
        f"The {c.period.key} quota of {unit.name} is already set; adjust it.",
        "period",
    )
    plan = QuotaPlan.set(
        id=plan_id,
        tenant=p.tenant,
        actor=p.actor,
        unit_id=unit.id,
        **_arguments(c),
        period=c.period,
    )
    return h._save(app, plan.id, plan)


# --- cases --------------------------------------------------------------------------------------
@handles(CaseCommand)
def _case_step(
    h: Handlers, p: Principal, app: TenantApplication, command: CaseCommand
) -> CommandResult:
    case = h.candidate(app, command.case_code)
    return _apply(h, p, app, case, command, **_case_context(h, app, case, command))


def _new_case(
    h: Handlers,
    p: Principal,
    app: TenantApplication,
    c: DiscoverCandidate | ReceiveTransferredCandidate | AcceptTransferredCase,
) -> dict[str, Any]:
    """A new case's code is free and its unit open: the creation's common arguments."""
    case_id = ids.candidate_id(p.tenant, c.case_code)
    _free(
        app,
        case_id,
        "CASE_CODE_TAKEN",
        f"Mã hồ sơ «{c.case_code}» đã được dùng.",
        f"The case code '{c.case_code}' is already in use.",
        "case_code",
    )
    unit = h.unit(app, c.unit_code)
    unit.require_open(c.occurred_on)
    return {
        "id": case_id,
        "tenant": p.tenant,
        "actor": p.actor,
        "case_code": c.case_code,
        "unit_id": unit.id,
        "unit_admits_candidates": unit.kind.admits_candidates,
    }


@handles(DiscoverCandidate)
def _discover(
    h: Handlers, p: Principal, app: TenantApplication, c: DiscoverCandidate
) -> CommandResult:
    case = Candidate.discover(**_arguments(c), **_new_case(h, p, app, c))
    return h._save(app, case.id, case)


@handles(ReceiveTransferredCandidate)
def _receive(
    h: Handlers, p: Principal, app: TenantApplication, c: ReceiveTransferredCandidate
) -> CommandResult:
    new_case = _new_case(h, p, app, c)
    unit = h.unit(app, c.unit_code)
    # A branch under a grassroots committee needs its resolution (8-KNĐ); a grassroots branch
    # does not: the received case goes on as the receiving branch's own would.
    required = (
        not unit.kind.admits_candidates
        or grassroots_of(unit, h._ancestors(app, unit)).kind is UnitKind.GRASSROOTS_COMMITTEE
    )
    case = Candidate.receive_transfer(
        **_arguments(c), **new_case, committee_resolution_required=required
    )
    return h._save(app, case.id, case)


@handles(TransferCandidateOut)
def _transfer_out(
    h: Handlers, p: Principal, app: TenantApplication, c: TransferCandidateOut
) -> CommandResult:
    if c.destination_tenant is not None:
        check_destination(h.store, p.tenant, c.destination_tenant)
    case = h.candidate(app, c.case_code)
    return _apply(h, p, app, case, c)


@handles(AcceptTransferredCase)
def _accept_transfer(
    h: Handlers, p: Principal, app: TenantApplication, c: AcceptTransferredCase
) -> CommandResult:
    new_case = _new_case(h, p, app, c)
    unit = h.unit(app, c.unit_code)
    required = (
        not unit.kind.admits_candidates
        or grassroots_of(unit, h._ancestors(app, unit)).kind is UnitKind.GRASSROOTS_COMMITTEE
    )
    case = accepted_case(
        h.store, p, app, c, new_case=new_case, committee_resolution_required=required
    )
    return h._save(app, case.id, case)


@handles(MoveCandidate)
def _move_case(
    h: Handlers, p: Principal, app: TenantApplication, c: MoveCandidate
) -> CommandResult:
    case = h.candidate(app, c.case_code)
    unit = h.unit(app, c.unit_code)
    unit.require_open(c.occurred_on)
    case.move_to_unit(
        actor=p.actor,
        occurred_on=c.occurred_on,
        unit_id=unit.id,
        unit_admits_candidates=unit.kind.admits_candidates,
        document=c.document,
        notes=c.notes,
    )
    return h._save(app, case.id, case)


@handles(CorrectProfile)
def _correct_profile(
    h: Handlers, p: Principal, app: TenantApplication, c: CorrectProfile
) -> CommandResult:
    case = h.candidate(app, c.case_code)
    person = c.person.applied_to(case.person)
    return _apply(h, p, app, case, c, person=person, **_case_context(h, app, case, c))
