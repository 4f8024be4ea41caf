"""Command handlers: the only way state changes.

Each handler loads the aggregate it acts on, calls one domain method, and saves. It returns a
``CommandResult`` with the aggregate id and the position of the last stored event, so a caller
can wait for projections to pass it (read-your-writes). The tenant and the actor come from a
``Principal`` built by the caller from a verified token (or the CLI's operator), never from
command arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import ids
from domain.candidates import Candidate, ExitReason, Stage
from domain.errors import InvalidInput, NotFound
from domain.org_units import OrgUnit, UnitKind, grassroots_of
from domain.quotas import Period, QuotaPlan, QuotaTarget
from domain.rules import AdmissionAuthority, PriorMembership, Sponsor
from domain.tenant_policy import CountingBasis, TenantPolicy
from domain.values import (
    Actor,
    DocumentRef,
    MassOrganization,
    PersonProfile,
    SpecialArea,
    require_not_in_future,
)
from domain.working_days import WorkingCalendar
from service.store import Store, TenantApplication
from service.store.registry import Tenant, TenantKind

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
class _Change(Generic[AggT]):
    """One change to a loaded aggregate; ``result`` is set once it is saved."""

    app: TenantApplication
    aggregate: AggT
    result: CommandResult = field(init=False)


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

    def _check_date(self, occurred_on: date) -> None:
        require_not_in_future(occurred_on, self.today())

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

    def within_units(
        self,
        p: Principal,
        scope: Sequence[str],
        *,
        case_code: str | None = None,
        unit_code: str | None = None,
    ) -> bool:
        """Whether the case's unit now (or the unit ``unit_code``) is one of the units ``scope``
        names or lies under one of them (a branch secretary's scope). Unknown names raise the
        usual bilingual NOT_FOUND."""
        app = self.store.app(p.tenant, write=False)
        if case_code is not None:
            unit = self.candidate_unit(app, self.candidate(app, case_code))
        elif unit_code is not None:
            unit = self.unit(app, unit_code)
        else:
            return False
        scope_ids = {ids.unit_id(p.tenant, code) for code in scope}
        return any(u.id in scope_ids for u in [unit, *self._ancestors(app, unit)])

    def policy(self, app: TenantApplication) -> TenantPolicy:
        """The tenant's policy (created with the tenant)."""
        return app.get(ids.tenant_policy_id(app.tenant), TenantPolicy)

    def calendar(self, app: TenantApplication) -> WorkingCalendar:
        """The tenant's working-day calendar."""
        return self.policy(app).calendar

    @contextmanager
    def _changing(
        self, p: Principal, occurred_on: date, load: Callable[[TenantApplication], AggT]
    ) -> Iterator[_Change[AggT]]:
        """Check the date, load one aggregate, let the caller apply one change, save it.

        Nothing is saved when the change raises.
        """
        self._check_date(occurred_on)
        app = self._app(p)
        change = _Change(app, load(app))
        yield change
        change.result = self._save(app, change.aggregate.id, change.aggregate)

    def _case(
        self, p: Principal, case_code: str, occurred_on: date
    ) -> AbstractContextManager[_Change[Candidate]]:
        return self._changing(p, occurred_on, lambda app: self.candidate(app, case_code))

    def _unit_change(
        self, p: Principal, code: str, occurred_on: date
    ) -> AbstractContextManager[_Change[OrgUnit]]:
        return self._changing(p, occurred_on, lambda app: self.unit(app, code))

    def _quota_change(
        self, p: Principal, unit_code: str, period: Period, occurred_on: date
    ) -> AbstractContextManager[_Change[QuotaPlan]]:
        return self._changing(p, occurred_on, lambda app: self._quota(app, unit_code, period))

    # --- tenants ------------------------------------------------------------------------------
    def create_tenant(self, actor: Actor, slug: str, name: str, kind: TenantKind | str) -> Tenant:
        """Register a tenant (platform operators) and record its default policy."""
        tenant = self.store.registry.create(slug, name, kind)
        app = self.store.app(tenant.slug)
        policy = TenantPolicy(id=ids.tenant_policy_id(tenant.slug), tenant=tenant.slug, actor=actor)
        self._save(app, policy.id, policy)
        return tenant

    # --- tenant policy ------------------------------------------------------------------------
    def _policy_change(
        self, principal: Principal, change: Callable[[TenantPolicy], None]
    ) -> CommandResult:
        app = self._app(principal)
        policy = self.policy(app)
        change(policy)
        return self._save(app, policy.id, policy)

    def choose_counting_basis(self, p: Principal, basis: CountingBasis) -> CommandResult:
        """Count admissions by decision date or ceremony date."""
        return self._policy_change(p, lambda x: x.choose_counting_basis(actor=p.actor, basis=basis))

    def set_source_pool_ratio(
        self, p: Principal, minimum: Decimal, maximum: Decimal
    ) -> CommandResult:
        """Set the tenant's source-pool ratio policy (e.g. 1.5–2×)."""
        return self._policy_change(
            p, lambda x: x.set_source_pool_ratio(actor=p.actor, minimum=minimum, maximum=maximum)
        )

    def set_stalled_threshold(self, p: Principal, days: int) -> CommandResult:
        """Set after how many days without a step a case counts as stalled."""
        return self._policy_change(p, lambda x: x.set_stalled_threshold(actor=p.actor, days=days))

    def declare_day_off(
        self, p: Principal, day: date, document: DocumentRef | None = None, notes: str = ""
    ) -> CommandResult:
        """Declare an extra day off for deadlines."""
        return self._policy_change(
            p, lambda x: x.declare_day_off(actor=p.actor, day=day, document=document, notes=notes)
        )

    def declare_working_day(
        self, p: Principal, day: date, document: DocumentRef | None = None, notes: str = ""
    ) -> CommandResult:
        """Declare an extra working day for deadlines."""
        return self._policy_change(
            p,
            lambda x: x.declare_working_day(actor=p.actor, day=day, document=document, notes=notes),
        )

    # --- org units ----------------------------------------------------------------------------
    def establish_unit(
        self,
        p: Principal,
        *,
        code: str,
        name: str,
        kind: UnitKind,
        parent_code: str | None,
        occurred_on: date,
        admission_authority: AdmissionAuthority | None = None,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Establish a unit of the tenant's tree."""
        self._check_date(occurred_on)
        app = self._app(p)
        unit_id = ids.unit_id(p.tenant, code)
        if unit_id in app.repository:
            raise InvalidInput(
                "UNIT_CODE_TAKEN",
                f"Mã đơn vị «{code}» đã được dùng.",
                f"The unit code '{code}' is already in use.",
                field="code",
            )
        parent = self.unit(app, parent_code) if parent_code else None
        unit = OrgUnit.establish(
            id=unit_id,
            tenant=p.tenant,
            actor=p.actor,
            occurred_on=occurred_on,
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            admission_authority=admission_authority,
            document=document,
            notes=notes,
        )
        return self._save(app, unit.id, unit)

    def rename_unit(
        self,
        p: Principal,
        code: str,
        *,
        name: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Rename a unit from a date."""
        with self._unit_change(p, code, occurred_on) as change:
            change.aggregate.rename(
                actor=p.actor, occurred_on=occurred_on, name=name, document=document, notes=notes
            )
        return change.result

    def move_unit(
        self,
        p: Principal,
        code: str,
        *,
        new_parent_code: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Move a unit under another parent from a date."""
        self._check_date(occurred_on)
        app = self._app(p)
        unit = self.unit(app, code)
        new_parent = self.unit(app, new_parent_code)
        if unit.id in {a.id for a in self._ancestors(app, new_parent)}:
            raise InvalidInput(
                "UNIT_MOVE_CYCLE",
                "Không thể chuyển đơn vị vào đơn vị cấp dưới của nó.",
                "A unit cannot be moved under one of its own sub-units.",
                field="new_parent",
            )
        unit.move(
            actor=p.actor,
            occurred_on=occurred_on,
            new_parent=new_parent,
            document=document,
            notes=notes,
        )
        return self._save(app, unit.id, unit)

    def merge_units(
        self,
        p: Principal,
        code: str,
        *,
        into_code: str,
        occurred_on: date,
        document: DocumentRef,
        notes: str = "",
    ) -> CommandResult:
        """Merge a unit into another; both are saved together."""
        self._check_date(occurred_on)
        app = self._app(p)
        source = self.unit(app, code)
        target = self.unit(app, into_code)
        source.merge_into(
            actor=p.actor, occurred_on=occurred_on, target=target, document=document, notes=notes
        )
        return self._save(app, source.id, source, target)

    def dissolve_unit(
        self, p: Principal, code: str, *, occurred_on: date, document: DocumentRef, notes: str = ""
    ) -> CommandResult:
        """Dissolve a unit."""
        with self._unit_change(p, code, occurred_on) as change:
            change.aggregate.dissolve(
                actor=p.actor, occurred_on=occurred_on, document=document, notes=notes
            )
        return change.result

    def report_headcount(
        self,
        p: Principal,
        code: str,
        *,
        members: int,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Report a unit's member headcount on a date."""
        with self._unit_change(p, code, occurred_on) as change:
            change.aggregate.report_headcount(
                actor=p.actor,
                occurred_on=occurred_on,
                members=members,
                document=document,
                notes=notes,
            )
        return change.result

    def set_admission_authority(
        self,
        p: Principal,
        code: str,
        *,
        authority: AdmissionAuthority,
        occurred_on: date,
        document: DocumentRef,
        notes: str = "",
    ) -> CommandResult:
        """Record which committee decides admissions for a grassroots organisation."""
        with self._unit_change(p, code, occurred_on) as change:
            change.aggregate.set_admission_authority(
                actor=p.actor,
                occurred_on=occurred_on,
                authority=authority,
                document=document,
                notes=notes,
            )
        return change.result

    # --- quotas -------------------------------------------------------------------------------
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

    def set_quota(
        self,
        p: Principal,
        *,
        unit_code: str,
        period: Period,
        target: QuotaTarget,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Set a unit's quota for a period."""
        self._check_date(occurred_on)
        app = self._app(p)
        unit = self.unit(app, unit_code)
        plan_id = ids.quota_plan_id(p.tenant, unit.code, period.key)
        if plan_id in app.repository:
            raise InvalidInput(
                "QUOTA_ALREADY_SET",
                f"Chỉ tiêu {period.key} của {unit.name} đã được giao; hãy điều chỉnh.",
                f"The {period.key} quota of {unit.name} is already set; adjust it.",
                field="period",
            )
        plan = QuotaPlan.set(
            id=plan_id,
            tenant=p.tenant,
            actor=p.actor,
            occurred_on=occurred_on,
            unit_id=unit.id,
            period=period,
            target=target,
            document=document,
            notes=notes,
        )
        return self._save(app, plan.id, plan)

    def assign_supplementary_quota(
        self,
        p: Principal,
        *,
        unit_code: str,
        period: Period,
        amount: int,
        reason: str,
        occurred_on: date,
        document: DocumentRef,
        notes: str = "",
    ) -> CommandResult:
        """Assign supplementary admissions to a quota."""
        with self._quota_change(p, unit_code, period, occurred_on) as change:
            change.aggregate.assign_supplementary(
                actor=p.actor,
                occurred_on=occurred_on,
                amount=amount,
                reason=reason,
                document=document,
                notes=notes,
            )
        return change.result

    def adjust_quota(
        self,
        p: Principal,
        *,
        unit_code: str,
        period: Period,
        target: QuotaTarget,
        reason: str,
        occurred_on: date,
        document: DocumentRef,
        notes: str = "",
    ) -> CommandResult:
        """Adjust a quota's target with a reason."""
        with self._quota_change(p, unit_code, period, occurred_on) as change:
            change.aggregate.adjust(
                actor=p.actor,
                occurred_on=occurred_on,
                target=target,
                reason=reason,
                document=document,
                notes=notes,
            )
        return change.result

    # --- candidates ---------------------------------------------------------------------------
    def _new_case(
        self, p: Principal, case_code: str, unit_code: str, occurred_on: date
    ) -> tuple[TenantApplication, UUID, OrgUnit]:
        """For a new case: the date is not in the future, the code is free, the unit is open."""
        self._check_date(occurred_on)
        app = self._app(p)
        case_id = ids.candidate_id(p.tenant, case_code)
        if case_id in app.repository:
            raise InvalidInput(
                "CASE_CODE_TAKEN",
                f"Mã hồ sơ «{case_code}» đã được dùng.",
                f"The case code '{case_code}' is already in use.",
                field="case_code",
            )
        unit = self.unit(app, unit_code)
        unit.require_open(occurred_on)
        return app, case_id, unit

    def discover_candidate(
        self,
        p: Principal,
        *,
        case_code: str,
        unit_code: str,
        person: PersonProfile,
        occurred_on: date,
        introduced_by: MassOrganization = MassOrganization.BRANCH,
        prior_membership: PriorMembership | None = None,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Open a candidate's case in a branch."""
        app, case_id, unit = self._new_case(p, case_code, unit_code, occurred_on)
        candidate = Candidate.discover(
            id=case_id,
            tenant=p.tenant,
            actor=p.actor,
            occurred_on=occurred_on,
            case_code=case_code,
            unit_id=unit.id,
            unit_admits_candidates=unit.kind.admits_candidates,
            person=person,
            introduced_by=introduced_by,
            prior_membership=prior_membership,
            document=document,
            notes=notes,
        )
        return self._save(app, candidate.id, candidate)

    def receive_transferred_candidate(
        self,
        p: Principal,
        *,
        case_code: str,
        unit_code: str,
        person: PersonProfile,
        origin: str,
        stage: Stage,
        occurred_on: date,
        document: DocumentRef,
        awareness_certificate: DocumentRef | None = None,
        ceremony_on: date | None = None,
        new_member_class: DocumentRef | None = None,
        full_member_since: date | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Open a case received from another committee at the stage it had there."""
        app, case_id, unit = self._new_case(p, case_code, unit_code, occurred_on)
        candidate = Candidate.receive_transfer(
            id=case_id,
            tenant=p.tenant,
            actor=p.actor,
            occurred_on=occurred_on,
            case_code=case_code,
            unit_id=unit.id,
            unit_admits_candidates=unit.kind.admits_candidates,
            person=person,
            origin=origin,
            stage=stage,
            awareness_certificate=awareness_certificate,
            ceremony_on=ceremony_on,
            new_member_class=new_member_class,
            full_member_since=full_member_since,
            document=document,
            notes=notes,
        )
        return self._save(app, candidate.id, candidate)

    def add_to_sympathizer_list(
        self,
        p: Principal,
        case_code: str,
        *,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 2: sympathizer list."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.add_to_sympathizer_list(
                actor=p.actor, occurred_on=occurred_on, document=document, notes=notes
            )
        return case.result

    def assign_helper(
        self,
        p: Principal,
        case_code: str,
        *,
        member_name: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 2/11: assign a helping member."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.assign_helper(
                actor=p.actor,
                occurred_on=occurred_on,
                member_name=member_name,
                document=document,
                notes=notes,
            )
        return case.result

    def assign_test_task(
        self,
        p: Principal,
        case_code: str,
        *,
        task: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 2: a test task."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.assign_test_task(
                actor=p.actor, occurred_on=occurred_on, task=task, document=document, notes=notes
            )
        return case.result

    def record_awareness_certificate(
        self,
        p: Principal,
        case_code: str,
        *,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 3: awareness class certificate."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_awareness_certificate(
                actor=p.actor, occurred_on=occurred_on, document=document, notes=notes
            )
        return case.result

    def submit_application(
        self,
        p: Principal,
        case_code: str,
        *,
        occurred_on: date,
        document: DocumentRef | None,
        personal_history: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 4: application and personal history."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.submit_application(
                actor=p.actor,
                occurred_on=occurred_on,
                document=document,
                personal_history=personal_history,
                notes=notes,
            )
        return case.result

    def add_sponsor(
        self,
        p: Principal,
        case_code: str,
        *,
        sponsor: Sponsor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 5: a sponsoring member."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.add_sponsor(
                actor=p.actor,
                occurred_on=occurred_on,
                sponsor=sponsor,
                document=document,
                notes=notes,
            )
        return case.result

    def record_union_introduction(
        self,
        p: Principal,
        case_code: str,
        *,
        organization: MassOrganization,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 5: a Youth Union / Trade Union introducing resolution."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_union_introduction(
                actor=p.actor,
                occurred_on=occurred_on,
                organization=organization,
                document=document,
                notes=notes,
            )
        return case.result

    def record_background_verification(
        self,
        p: Principal,
        case_code: str,
        *,
        passed: bool,
        conclusion: str,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 6: verification conclusion."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_background_verification(
                actor=p.actor,
                occurred_on=occurred_on,
                passed=passed,
                conclusion=conclusion,
                document=document,
                notes=notes,
            )
        return case.result

    def record_comments(
        self,
        p: Principal,
        case_code: str,
        *,
        source: str,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 6: comments of mass organisations / residence."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_comments(
                actor=p.actor,
                occurred_on=occurred_on,
                source=source,
                document=document,
                notes=notes,
            )
        return case.result

    def record_branch_resolution(
        self,
        p: Principal,
        case_code: str,
        *,
        official_members: int,
        votes_for: int,
        occurred_on: date,
        document: DocumentRef | None,
        special_area: SpecialArea | None = None,
        education_exception: DocumentRef | None = None,
        over_60_consent: DocumentRef | None = None,
        readmission_consent: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 7: branch resolution (6-KNĐ)."""
        with self._case(p, case_code, occurred_on) as case:
            grassroots = self._grassroots(case.app, case.aggregate)
            case.aggregate.record_branch_resolution(
                actor=p.actor,
                occurred_on=occurred_on,
                official_members=official_members,
                votes_for=votes_for,
                document=document,
                committee_resolution_required=grassroots.kind is UnitKind.GRASSROOTS_COMMITTEE,
                special_area=special_area,
                education_exception=education_exception,
                over_60_consent=over_60_consent,
                readmission_consent=readmission_consent,
                notes=notes,
            )
        return case.result

    def record_committee_resolution(
        self,
        p: Principal,
        case_code: str,
        *,
        committee_members: int,
        votes_for: int,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 8: grassroots committee resolution (8-KNĐ)."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_committee_resolution(
                actor=p.actor,
                occurred_on=occurred_on,
                committee_members=committee_members,
                votes_for=votes_for,
                document=document,
                notes=notes,
            )
        return case.result

    def record_admission_decision(
        self,
        p: Principal,
        case_code: str,
        *,
        decided_by: AdmissionAuthority,
        occurred_on: date,
        document: DocumentRef | None,
        extension: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 9: admission decision (9-KNĐ)."""
        with self._case(p, case_code, occurred_on) as case:
            grassroots = self._grassroots(case.app, case.aggregate)
            authority = grassroots.admission_authority
            assert authority is not None
            case.aggregate.record_admission_decision(
                actor=p.actor,
                occurred_on=occurred_on,
                decided_by=decided_by,
                unit_authority=authority,
                calendar=self.calendar(case.app),
                document=document,
                extension=extension,
                notes=notes,
            )
        return case.result

    def hold_admission_ceremony(
        self,
        p: Principal,
        case_code: str,
        *,
        occurred_on: date,
        decision_received_on: date,
        superior_consent: DocumentRef | None = None,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 10: admission ceremony."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.hold_admission_ceremony(
                actor=p.actor,
                occurred_on=occurred_on,
                decision_received_on=decision_received_on,
                calendar=self.calendar(case.app),
                superior_consent=superior_consent,
                document=document,
                notes=notes,
            )
        return case.result

    def record_new_member_class(
        self,
        p: Principal,
        case_code: str,
        *,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 11: new-member class certificate."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_new_member_class(
                actor=p.actor, occurred_on=occurred_on, document=document, notes=notes
            )
        return case.result

    def record_recognition_vote(
        self,
        p: Principal,
        case_code: str,
        *,
        official_members: int,
        votes_for: int,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Step 12: the branch's recognition vote."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_recognition_vote(
                actor=p.actor,
                occurred_on=occurred_on,
                official_members=official_members,
                votes_for=votes_for,
                calendar=self.calendar(case.app),
                document=document,
                notes=notes,
            )
        return case.result

    def record_recognition_decision(
        self,
        p: Principal,
        case_code: str,
        *,
        occurred_on: date,
        document: DocumentRef | None,
        extension: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Step 12: the recognition decision."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.record_recognition_decision(
                actor=p.actor,
                occurred_on=occurred_on,
                calendar=self.calendar(case.app),
                document=document,
                extension=extension,
                notes=notes,
            )
        return case.result

    def reject_candidate(
        self,
        p: Principal,
        case_code: str,
        *,
        reason: ExitReason,
        explanation: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Exit: rejected."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.reject(
                actor=p.actor,
                occurred_on=occurred_on,
                reason=reason,
                explanation=explanation,
                document=document,
                notes=notes,
            )
        return case.result

    def withdraw_candidate(
        self,
        p: Principal,
        case_code: str,
        *,
        explanation: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Exit: withdrawn."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.withdraw(
                actor=p.actor,
                occurred_on=occurred_on,
                explanation=explanation,
                document=document,
                notes=notes,
            )
        return case.result

    def remove_from_list(
        self,
        p: Principal,
        case_code: str,
        *,
        reason: ExitReason,
        explanation: str,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Exit: a probationary member removed from the list."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.remove_from_list(
                actor=p.actor,
                occurred_on=occurred_on,
                reason=reason,
                explanation=explanation,
                document=document,
                notes=notes,
            )
        return case.result

    def end_membership(
        self,
        p: Principal,
        case_code: str,
        *,
        reason: ExitReason,
        explanation: str,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Exit: a full member screened out."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.end_membership(
                actor=p.actor,
                occurred_on=occurred_on,
                reason=reason,
                explanation=explanation,
                document=document,
                notes=notes,
            )
        return case.result

    def move_candidate(
        self,
        p: Principal,
        case_code: str,
        *,
        unit_code: str,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Move a case to another branch of the tenant."""
        with self._case(p, case_code, occurred_on) as case:
            unit = self.unit(case.app, unit_code)
            unit.require_open(occurred_on)
            case.aggregate.move_to_unit(
                actor=p.actor,
                occurred_on=occurred_on,
                unit_id=unit.id,
                unit_admits_candidates=unit.kind.admits_candidates,
                document=document,
                notes=notes,
            )
        return case.result

    def transfer_candidate_out(
        self,
        p: Principal,
        case_code: str,
        *,
        destination: str,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str = "",
    ) -> CommandResult:
        """Exit: transferred to another committee."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.transfer_out(
                actor=p.actor,
                occurred_on=occurred_on,
                destination=destination,
                document=document,
                notes=notes,
            )
        return case.result

    def correct_step_date(
        self,
        p: Principal,
        case_code: str,
        *,
        step: str,
        corrected_date: date,
        reason: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Correction: the business date of a recorded step."""
        self._check_date(corrected_date)
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.correct_step_date(
                actor=p.actor,
                occurred_on=occurred_on,
                step=step,
                corrected_date=corrected_date,
                reason=reason,
                document=document,
                notes=notes,
            )
        return case.result

    def correct_profile(
        self,
        p: Principal,
        case_code: str,
        *,
        person: PersonProfile,
        reason: str,
        occurred_on: date,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> CommandResult:
        """Correction: the candidate's personal data."""
        with self._case(p, case_code, occurred_on) as case:
            case.aggregate.correct_profile(
                actor=p.actor,
                occurred_on=occurred_on,
                person=person,
                reason=reason,
                document=document,
                notes=notes,
            )
        return case.result
