"""The organisation tree of a tenant (hệ thống tổ chức đảng), with effective dates.

Units are created, renamed, moved, merged and dissolved over time; a unit's history survives its
dissolution. Candidates and quotas of a merged unit follow it to the unit it was merged into.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInput, StageOrderError
from domain.rules import AdmissionAuthority
from domain.values import Actor, DocumentRef


class UnitKind(Enum):
    """Kinds of party organisation, from the tenant's committee down to party cells."""

    COMMITTEE = "committee"  # đảng bộ (cấp trên cơ sở) — the tenant's own committee
    SUBORDINATE_COMMITTEE = "subordinate_committee"  # đảng bộ trực thuộc
    GRASSROOTS_COMMITTEE = "grassroots_committee"  # đảng bộ cơ sở
    GRASSROOTS_BRANCH = "grassroots_branch"  # chi bộ cơ sở
    BRANCH = "branch"  # chi bộ trực thuộc đảng ủy cơ sở
    CELL = "cell"  # tổ đảng

    @property
    def label_vi(self) -> str:
        """Vietnamese name of the kind."""
        return _KIND_VI[self]

    @property
    def is_grassroots(self) -> bool:
        """A grassroots party organisation (tổ chức cơ sở đảng)."""
        return self in (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_BRANCH)

    @property
    def admits_candidates(self) -> bool:
        """Candidates are followed by a branch: a grassroots branch or a branch."""
        return self in (UnitKind.GRASSROOTS_BRANCH, UnitKind.BRANCH)


_KIND_VI = {
    UnitKind.COMMITTEE: "đảng bộ",
    UnitKind.SUBORDINATE_COMMITTEE: "đảng bộ trực thuộc",
    UnitKind.GRASSROOTS_COMMITTEE: "đảng bộ cơ sở",
    UnitKind.GRASSROOTS_BRANCH: "chi bộ cơ sở",
    UnitKind.BRANCH: "chi bộ",
    UnitKind.CELL: "tổ đảng",
}

ALLOWED_PARENTS: dict[UnitKind, frozenset[UnitKind]] = {
    UnitKind.COMMITTEE: frozenset({UnitKind.COMMITTEE}),
    UnitKind.SUBORDINATE_COMMITTEE: frozenset({UnitKind.COMMITTEE}),
    UnitKind.GRASSROOTS_COMMITTEE: frozenset({UnitKind.COMMITTEE, UnitKind.SUBORDINATE_COMMITTEE}),
    UnitKind.GRASSROOTS_BRANCH: frozenset({UnitKind.COMMITTEE, UnitKind.SUBORDINATE_COMMITTEE}),
    UnitKind.BRANCH: frozenset({UnitKind.GRASSROOTS_COMMITTEE}),
    UnitKind.CELL: frozenset({UnitKind.BRANCH, UnitKind.GRASSROOTS_BRANCH}),
}


#: Kinds that may be the root of a tenant's tree: a committee above the grassroots (a bloc, a
#: corporate group, a province), or a grassroots committee that is itself the tenant — a
#: department's party committee with its branches directly under it (seed 001: the Đảng ủy Sở
#: LĐ-TB&XH, 11 branches, 196 members, its own 2020–2025 congress resolution and quota of 30).
ROOT_KINDS = frozenset({UnitKind.COMMITTEE, UnitKind.GRASSROOTS_COMMITTEE})


def check_parent_kind(kind: UnitKind, parent_kind: UnitKind | None) -> None:
    """A unit sits under a unit of an allowed kind; only a committee or a grassroots committee
    (a tenant that is itself a grassroots committee) may be a root."""
    if parent_kind is None:
        if kind not in ROOT_KINDS:
            raise InvalidInput(
                "UNIT_PARENT_REQUIRED",
                f"Đơn vị loại {kind.label_vi} phải thuộc một đơn vị cấp trên.",
                f"A unit of kind {kind.value} needs a parent unit.",
                field="parent",
            )
        return
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise InvalidInput(
            "UNIT_PARENT_KIND_INVALID",
            f"{kind.label_vi.capitalize()} không thể trực thuộc {parent_kind.label_vi}.",
            f"A unit of kind {kind.value} cannot sit under a {parent_kind.value}.",
            field="parent",
        )


def check_admission_authority_fits(
    kind: UnitKind, authority: AdmissionAuthority, field: str
) -> None:
    """Only a grassroots organisation carries an admission authority, and a grassroots branch
    cannot be authorised to decide admissions itself."""
    if not kind.is_grassroots:
        raise InvalidInput(
            "ADMISSION_AUTHORITY_ON_NON_GRASSROOTS",
            "Chỉ tổ chức cơ sở đảng mới có thẩm quyền kết nạp riêng.",
            "Only a grassroots organisation carries an admission authority.",
            field=field,
        )
    if kind is UnitKind.GRASSROOTS_BRANCH and authority is AdmissionAuthority.GRASSROOTS_COMMITTEE:
        raise InvalidInput(
            "ADMISSION_AUTHORITY_INVALID",
            "Chi bộ cơ sở không được ủy quyền quyết định kết nạp.",
            "A grassroots branch cannot hold admission authority itself.",
            field=field,
        )


class OrgUnit(Aggregate):
    """A party organisation of the tenant's tree (đơn vị), followed over time."""

    @event("Created")
    def __init__(
        self,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        code: str,
        name: str,
        kind: UnitKind,
        parent_id: UUID | None,
        admission_authority: AdmissionAuthority | None,
    ) -> None:
        self.tenant = tenant
        self.code = code
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        self.admission_authority = admission_authority
        self.established_on = occurred_on
        self.closed_on: date | None = None
        self.merged_into: UUID | None = None
        self.absorbed: list[UUID] = []
        self.headcounts: dict[date, int] = {}
        self.names: list[tuple[date, str]] = [(occurred_on, name)]
        self.parents: list[tuple[date, UUID | None]] = [(occurred_on, parent_id)]
        # Whether a grassroots Youth Union organisation exists in the unit, from each declared date
        # (Charter Art. 4: it decides who introduces a candidate of Youth Union age).
        self.youth_union_declarations: list[tuple[date, bool]] = []

    @classmethod
    def establish(
        cls,
        *,
        id: UUID,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        code: str,
        name: str,
        kind: UnitKind,
        parent: OrgUnit | None,
        admission_authority: AdmissionAuthority | None = None,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> OrgUnit:
        """Establish a unit under ``parent`` (thành lập tổ chức đảng)."""
        _check_code_and_name(code, name)
        check_parent_kind(kind, parent.kind if parent else None)
        if parent is not None:
            parent.require_open(occurred_on)
        if admission_authority is None:
            admission_authority = (
                AdmissionAuthority.SUPERIOR_STANDING_COMMITTEE if kind.is_grassroots else None
            )
        else:
            check_admission_authority_fits(kind, admission_authority, "admission_authority")
        return cls(
            id=id,
            tenant=tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            code=code.strip(),
            name=name.strip(),
            kind=kind,
            parent_id=parent.id if parent else None,
            admission_authority=admission_authority,
        )

    @property
    def is_open(self) -> bool:
        """Neither dissolved nor merged away."""
        return self.closed_on is None

    def require_open(self, on: date) -> None:
        """Refuse changes to a dissolved or merged unit, or before it was established."""
        if self.closed_on is not None and on >= self.closed_on:
            raise StageOrderError(
                "UNIT_CLOSED",
                f"Đơn vị {self.name} đã giải thể hoặc hợp nhất từ ngày {self.closed_on:%d/%m/%Y}.",
                f"Unit {self.name} was dissolved or merged on {self.closed_on:%d/%m/%Y}.",
                field="unit",
            )
        if on < self.established_on:
            raise InvalidInput(
                "DATE_BEFORE_UNIT_ESTABLISHED",
                f"Ngày {on:%d/%m/%Y} trước ngày thành lập đơn vị {self.name} "
                f"({self.established_on:%d/%m/%Y}).",
                f"{on:%d/%m/%Y} is before unit {self.name} was established "
                f"({self.established_on:%d/%m/%Y}).",
                field="occurred_on",
            )

    def name_on(self, on: date) -> str:
        """The unit's name on a business date."""
        return _value_on(self.names, on, self.name)

    def parent_on(self, on: date) -> UUID | None:
        """The unit's parent on a business date."""
        return _value_on(self.parents, on, self.parent_id)

    def headcount_on(self, on: date) -> int | None:
        """The latest member headcount reported on or before ``on``."""
        dates = [d for d in self.headcounts if d <= on]
        return self.headcounts[max(dates)] if dates else None

    # --- rename -------------------------------------------------------------------------------
    def rename(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        name: str,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """Rename the unit from ``occurred_on`` (đổi tên)."""
        self.require_open(occurred_on)
        _check_code_and_name(self.code, name)
        self._renamed(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            name=name.strip(),
        )

    @event("Renamed")
    def _renamed(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        name: str,
    ) -> None:
        self.name = name
        self.names.append((occurred_on, name))

    # --- move ---------------------------------------------------------------------------------
    def move(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        new_parent: OrgUnit,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """Move the unit under another parent from ``occurred_on`` (điều chuyển)."""
        self.require_open(occurred_on)
        new_parent.require_open(occurred_on)
        if new_parent.id == self.id:
            raise InvalidInput(
                "UNIT_MOVE_INTO_ITSELF",
                "Không thể chuyển đơn vị vào chính nó.",
                "A unit cannot be moved under itself.",
                field="new_parent",
            )
        check_parent_kind(self.kind, new_parent.kind)
        self._moved(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            old_parent_id=self.parent_id,
            new_parent_id=new_parent.id,
        )

    @event("Moved")
    def _moved(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        old_parent_id: UUID | None,
        new_parent_id: UUID,
    ) -> None:
        self.parent_id = new_parent_id
        self.parents.append((occurred_on, new_parent_id))

    # --- merge --------------------------------------------------------------------------------
    def merge_into(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        target: OrgUnit,
        document: DocumentRef,
        notes: str = "",
    ) -> None:
        """Merge this unit into ``target`` (hợp nhất, sáp nhập); its candidates and quotas follow.

        The caller saves both aggregates together: this one records ``MergedInto``, the target
        records ``Absorbed``.
        """
        self.require_open(occurred_on)
        target.require_open(occurred_on)
        if target.id == self.id:
            raise InvalidInput(
                "UNIT_MERGE_INTO_ITSELF",
                "Không thể hợp nhất đơn vị vào chính nó.",
                "A unit cannot be merged into itself.",
                field="target",
            )
        if target.kind is not self.kind and not (
            target.kind.admits_candidates and self.kind.admits_candidates
        ):
            raise InvalidInput(
                "UNIT_MERGE_KIND_MISMATCH",
                f"Không thể hợp nhất {self.kind.label_vi} vào {target.kind.label_vi}.",
                f"A {self.kind.value} cannot be merged into a {target.kind.value}.",
                field="target",
            )
        self._merged_into(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            target_id=target.id,
        )
        target._absorbed(
            tenant=target.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            source_id=self.id,
        )

    @event("MergedInto")
    def _merged_into(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        target_id: UUID,
    ) -> None:
        self.merged_into = target_id
        self.closed_on = occurred_on

    @event("Absorbed")
    def _absorbed(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        source_id: UUID,
    ) -> None:
        self.absorbed.append(source_id)

    # --- dissolve -----------------------------------------------------------------------------
    def dissolve(
        self, *, actor: Actor, occurred_on: date, document: DocumentRef, notes: str = ""
    ) -> None:
        """Dissolve the unit (giải thể); its history stays."""
        self.require_open(occurred_on)
        self._dissolved(
            tenant=self.tenant, actor=actor, occurred_on=occurred_on, document=document, notes=notes
        )

    @event("Dissolved")
    def _dissolved(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
    ) -> None:
        self.closed_on = occurred_on

    # --- headcount ----------------------------------------------------------------------------
    def report_headcount(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        members: int,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """Report the number of party members of the unit on ``occurred_on`` (số đảng viên)."""
        self.require_open(occurred_on)
        if members < 0:
            raise InvalidInput(
                "HEADCOUNT_NEGATIVE",
                "Số đảng viên không được âm.",
                "The member headcount cannot be negative.",
                field="members",
            )
        self._headcount_reported(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            members=members,
        )

    @event("HeadcountReported")
    def _headcount_reported(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        members: int,
    ) -> None:
        self.headcounts[occurred_on] = members

    # --- admission authority ------------------------------------------------------------------
    def set_admission_authority(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        authority: AdmissionAuthority,
        document: DocumentRef,
        notes: str = "",
    ) -> None:
        """Record which committee decides admissions for this grassroots organisation."""
        self.require_open(occurred_on)
        check_admission_authority_fits(self.kind, authority, "authority")
        self._admission_authority_set(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            authority=authority,
        )

    @event("AdmissionAuthoritySet")
    def _admission_authority_set(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        authority: AdmissionAuthority,
    ) -> None:
        self.admission_authority = authority

    # --- Youth Union organisation -------------------------------------------------------------
    def declare_youth_union_organisation(
        self,
        *,
        actor: Actor,
        occurred_on: date,
        present: bool,
        document: DocumentRef | None = None,
        notes: str = "",
    ) -> None:
        """Declare whether the unit has a grassroots Youth Union organisation (tổ chức cơ sở Đoàn
        Thanh niên) from ``occurred_on``: a fact the sponsorship rule needs, never assumed."""
        self.require_open(occurred_on)
        self._youth_union_organisation_declared(
            tenant=self.tenant,
            actor=actor,
            occurred_on=occurred_on,
            document=document,
            notes=notes,
            present=present,
        )

    @event("YouthUnionOrganisationDeclared")
    def _youth_union_organisation_declared(
        self,
        *,
        tenant: str,
        actor: Actor,
        occurred_on: date,
        document: DocumentRef | None,
        notes: str,
        present: bool,
    ) -> None:
        self.youth_union_declarations.append((occurred_on, present))

    def youth_union_organisation_on(self, on: date) -> bool | None:
        """Whether the unit has a Youth Union organisation on ``on``; None if never declared
        (or declared only from a later date)."""
        declared = [
            present
            for since, present in sorted(self.youth_union_declarations, key=lambda d: d[0])
            if since <= on
        ]
        return declared[-1] if declared else None


V = TypeVar("V")


def _value_on(history: list[tuple[date, V]], on: date, default: V) -> V:
    values = [value for since, value in sorted(history, key=lambda item: item[0]) if since <= on]
    return values[-1] if values else default


def _check_code_and_name(code: str, name: str) -> None:
    if not code.strip() or len(code) > 64:
        raise InvalidInput(
            "UNIT_CODE_INVALID",
            "Mã đơn vị không hợp lệ (1–64 ký tự).",
            "The unit code is invalid (1–64 characters).",
            field="code",
        )
    if not name.strip() or len(name) > 300:
        raise InvalidInput(
            "UNIT_NAME_INVALID",
            "Tên đơn vị không hợp lệ (1–300 ký tự).",
            "The unit name is invalid (1–300 characters).",
            field="name",
        )


def grassroots_of(unit: OrgUnit, ancestors: list[OrgUnit]) -> OrgUnit:
    """The grassroots organisation a branch belongs to: itself or its nearest grassroots ancestor.

    ``ancestors`` are the unit's ancestors, nearest first.
    """
    for candidate in [unit, *ancestors]:
        if candidate.kind.is_grassroots:
            return candidate
    raise InvalidInput(
        "UNIT_NOT_UNDER_GRASSROOTS",
        f"Đơn vị {unit.name} không thuộc tổ chức cơ sở đảng nào.",
        f"Unit {unit.name} is not under any grassroots organisation.",
        field="unit",
    )
