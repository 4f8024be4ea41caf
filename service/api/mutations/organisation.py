"""Mutations on the tenant's organisation: its tree of units, its quotas and its policy.

Organizers only (``Capability.WRITE``). Each mutation is one call into a command handler; the
domain values (periods, documents, targets) are built inside that call, so a bad one comes back
as the :class:`~service.api.errors.DomainErrorType` member of the result like any refusal.
Payloads show the changed object as it stands today: a unit (``UnitPayload``), a quota plan
(``QuotaPayload``) or the tenant's settings (``TenantSettingsPayload``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.errors import InvalidInput
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget, TargetKind
from domain.rules import AdmissionAuthority
from domain.tenant_policy import CountingBasis
from domain.values import DocumentRef
from projections.queries import org_tree
from projections.queries.attainment import PlanFigures, plans_at
from projections.sql import Tx
from service.api.context import ApiContext, get_context
from service.api.errors import DomainErrorType, attempt
from service.api.mutations.common import WHAT, DocumentInput, document
from service.api.permissions import Capability, needs
from service.api.queries.settings import TenantSettings, settings_at
from service.api.types import OrgUnit
from service.commands import CommandResult

WRITE = needs(Capability.WRITE)

UnitKindEnum = strawberry.enum(
    UnitKind,
    name="UnitKind",
    description="Kind of party organisation: committee (đảng bộ), subordinate committee (đảng bộ "
    "trực thuộc), grassroots committee (đảng bộ cơ sở), grassroots branch (chi bộ cơ sở), "
    "branch (chi bộ), cell (tổ đảng).",
)
# AdmissionAuthority is registered once, in service/api/mutations/cases.py.
QuotaTargetKindEnum = strawberry.enum(
    TargetKind,
    name="QuotaTargetKind",
    description="How a quota's target (chỉ tiêu) is expressed: a number, a range, or a "
    "percentage of the unit's member headcount.",
)

NOTES = "Free-text notes."
DOCUMENT = "The document backing the change (văn bản)."
OCCURRED_ON = "Business date of the change (on its document); not in the future."
PERIOD = (
    'The period (kỳ): "2020-2025" (term, nhiệm kỳ), "2024" (year), "2024-Q3" (quarter) or '
    '"2024-07" (month).'
)


# --- payloads -----------------------------------------------------------------------------------
@strawberry.type(description="A unit after a successful command.")
class UnitPayload:
    unit: OrgUnit | None = strawberry.field(
        description="The unit the command changed, as it stands today (a merge answers the "
        "merged unit); null only if the read models do not show it yet."
    )
    position: int | None = strawberry.field(
        description="Position of the last event stored by the command in the tenant's history."
    )


UnitResult = Annotated[
    UnitPayload | DomainErrorType,
    strawberry.union("UnitResult", description="The changed unit, or why nothing was recorded."),
]


@strawberry.type(
    description="A unit's quota plan (chỉ tiêu kết nạp) for one period, as it stands today: the "
    "target in force, resolved to admissions, and the supplementary assignments."
)
class QuotaPlanView:
    unit_code: str = strawberry.field(description="Code of the unit the plan was set for.")
    period: str = strawberry.field(
        description='The period\'s key, e.g. "term:2020-2025", "year:2024", "quarter:2024-Q3".'
    )
    starts_on: date = strawberry.field(description="First day of the period.")
    ends_on: date = strawberry.field(description="Last day of the period (inclusive).")
    target_kind: TargetKind = strawberry.field(description="How the target is expressed.")
    percent_min: Decimal | None = strawberry.field(
        description="Percentage targets: the lowest share of the headcount, in %."
    )
    percent_max: Decimal | None = strawberry.field(
        description="Percentage targets: the highest share of the headcount, in %."
    )
    headcount: int | None = strawberry.field(
        description="Percentage targets: the unit's members (số đảng viên) reported on or "
        "before the period's start; null when none was reported."
    )
    target_min: int | None = strawberry.field(
        description="Target in admissions, lower bound (a percentage rounded up); null for a "
        "percentage without a headcount."
    )
    target_max: int | None = strawberry.field(
        description="Target in admissions, upper bound; null for a percentage without a headcount."
    )
    supplementary: int = strawberry.field(
        description="Admissions assigned on top of the target so far (giao bổ sung)."
    )
    quota: int | None = strawberry.field(
        description="The quota: target lower bound plus supplementary assignments."
    )
    quota_max: int | None = strawberry.field(
        description="Target upper bound plus supplementary assignments."
    )

    @classmethod
    def of(cls, figures: PlanFigures, period: Period, unit_code: str) -> QuotaPlanView:
        return cls(
            unit_code=unit_code,
            period=period.key,
            starts_on=period.start,
            ends_on=period.end,
            target_kind=TargetKind(figures.target_kind),
            percent_min=figures.percent_min,
            percent_max=figures.percent_max,
            headcount=figures.headcount,
            target_min=figures.target_min,
            target_max=figures.target_max,
            supplementary=figures.supplementary,
            quota=figures.quota,
            quota_max=figures.quota_max,
        )


@strawberry.type(description="A quota plan after a successful command.")
class QuotaPayload:
    plan: QuotaPlanView | None = strawberry.field(
        description="The plan as it stands today; null only if the read models do not show it yet."
    )
    position: int | None = strawberry.field(
        description="Position of the last event stored by the command in the tenant's history."
    )


QuotaResult = Annotated[
    QuotaPayload | DomainErrorType,
    strawberry.union(
        "QuotaResult", description="The changed quota plan, or why nothing was recorded."
    ),
]


@strawberry.type(description="The tenant's settings after a successful command.")
class TenantSettingsPayload:
    settings: TenantSettings = strawberry.field(description="The settings as they stand now.")
    position: int | None = strawberry.field(
        description="Position of the last event stored by the command in the tenant's history."
    )


TenantSettingsResult = Annotated[
    TenantSettingsPayload | DomainErrorType,
    strawberry.union(
        "TenantSettingsResult", description="The changed settings, or why nothing was recorded."
    ),
]


async def unit_payload(ctx: ApiContext, result: CommandResult) -> UnitPayload:
    """The payload of a command on a unit: the changed unit (the result's aggregate) today."""
    cut_key = ctx.cut_key(None)
    unit_id = str(result.aggregate_id)
    # The tree just changed: related units (parent, merged into) must not come from a read made
    # before this command in the same request.
    ctx.unit_loader.clear_all()
    node = await ctx.read(lambda tx: org_tree.unit_on(tx, ctx.cut(tx, cut_key), unit_id))
    return UnitPayload(
        unit=None if node is None else OrgUnit.of(node, cut_key), position=result.position
    )


async def quota_payload(ctx: ApiContext, period_text: str, result: CommandResult) -> QuotaPayload:
    """The payload of a command on a quota plan (the result's aggregate) of a period, today."""
    period = Period.parse(period_text)  # already read by the command: cannot fail here
    cut_key = ctx.cut_key(None)
    plan_id = str(result.aggregate_id)

    def one(tx: Tx) -> QuotaPlanView | None:
        cut = ctx.cut(tx, cut_key)
        for figures in plans_at(tx, cut, period).values():
            if figures.plan_id == plan_id:
                unit = org_tree.unit_on(tx, cut, figures.unit_id)
                code = figures.unit_id if unit is None else unit.code
                return QuotaPlanView.of(figures, period, code)
        return None

    return QuotaPayload(plan=await ctx.read(one), position=result.position)


async def settings_payload(ctx: ApiContext, result: CommandResult) -> TenantSettingsPayload:
    """The payload of a policy command: the tenant's settings now."""
    settings = await settings_at(ctx, ctx.cut_key(None))
    return TenantSettingsPayload(settings=settings, position=result.position)


# --- inputs -------------------------------------------------------------------------------------
def required_document(value: DocumentInput) -> DocumentRef:
    """The domain document of a required input."""
    ref = document(value)
    assert ref is not None
    return ref


@strawberry.input(description="A new unit of the tenant's tree (thành lập tổ chức đảng).")
class EstablishUnitInput:
    code: str = strawberry.field(description="The unit's code (mã đơn vị), unique in the tenant.")
    name: str = strawberry.field(description="The unit's name (tên đơn vị).")
    kind: UnitKind = strawberry.field(description="Kind of party organisation.")
    parent_code: str | None = strawberry.field(
        description="The unit above (cấp ủy cấp trên); none for the tenant's root committee."
    )
    occurred_on: date = strawberry.field(description="Date of establishment (ngày thành lập).")
    admission_authority: AdmissionAuthority | None = strawberry.field(
        default=None,
        description="Grassroots organisations: who decides admissions (default: the superior's "
        "standing committee).",
    )
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A unit's new name from a date (đổi tên).")
class RenameUnitInput:
    code: str = strawberry.field(description="The unit (mã đơn vị).")
    name: str = strawberry.field(description="The new name.")
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A unit moved under another parent from a date (điều chuyển).")
class MoveUnitInput:
    code: str = strawberry.field(description="The unit that moves (mã đơn vị).")
    new_parent_code: str = strawberry.field(description="The unit it moves under.")
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(
    description="A unit merged into another (hợp nhất, sáp nhập); its candidates and quotas "
    "follow it."
)
class MergeUnitsInput:
    code: str = strawberry.field(description="The unit merged away (mã đơn vị).")
    into_code: str = strawberry.field(description="The unit it is merged into.")
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput = strawberry.field(description="The merger's decision (quyết định).")
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A unit dissolved (giải thể); its history stays.")
class DissolveUnitInput:
    code: str = strawberry.field(description="The unit (mã đơn vị).")
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput = strawberry.field(description="The dissolution decision.")
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A unit's member headcount on a date (số đảng viên).")
class ReportHeadcountInput:
    code: str = strawberry.field(description="The unit (mã đơn vị).")
    members: int = strawberry.field(description="Party members of the unit on that date.")
    occurred_on: date = strawberry.field(description="Date the headcount stands at.")
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(
    description="Who decides admissions for a grassroots organisation from a date "
    "(thẩm quyền kết nạp)."
)
class SetAdmissionAuthorityInput:
    code: str = strawberry.field(description="The grassroots organisation (mã đơn vị).")
    authority: AdmissionAuthority = strawberry.field(description="Who decides admissions.")
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput = strawberry.field(description="The authorising decision.")
    notes: str = strawberry.field(default="", description=NOTES)


#: Larger numbers are refused before they reach the domain: no quota, percentage or ratio comes
#: near it, and the read models keep targets in integer columns.
LARGEST_NUMBER = Decimal(10_000_000)


def decimal_of(text: str, *, code: str, field: str) -> Decimal:
    """A decimal number written by the client ("1.5", "7"); refused bilingually when it is none
    (or beyond :data:`LARGEST_NUMBER`)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise InvalidInput(
            code,
            f"«{text}» không phải là một số (viết ví dụ 1.5).",
            f"'{text}' is not a number (write e.g. 1.5).",
            field=field,
        )
    if abs(value) > LARGEST_NUMBER:
        raise InvalidInput(
            code,
            f"Số {text} quá lớn (tối đa 10.000.000).",
            f"The number {text} is too large (at most 10,000,000).",
            field=field,
        )
    return value


@strawberry.input(
    description="A quota's target (chỉ tiêu): a number, a range (min–max) or a share (min–max %) "
    "of the unit's member headcount at the period's start. Numbers are written as text "
    '(e.g. "30", "4.5") and checked with the other rules.'
)
class QuotaTargetInput:
    kind: TargetKind = strawberry.field(description="How the target is expressed.")
    minimum: str = strawberry.field(
        description="The number, the range's lower bound, or the lowest percentage."
    )
    maximum: str | None = strawberry.field(
        default=None,
        description="The range's upper bound or the highest percentage (default: the minimum); "
        "leave out for a number.",
    )


def quota_target(value: QuotaTargetInput) -> QuotaTarget:
    """The domain target of an input (checked by the domain)."""
    minimum = decimal_of(value.minimum, code="QUOTA_TARGET_INVALID", field="target.minimum")
    maximum = minimum
    if value.maximum is not None:
        maximum = decimal_of(value.maximum, code="QUOTA_TARGET_INVALID", field="target.maximum")
    if value.kind is TargetKind.NUMBER and maximum != minimum:
        raise InvalidInput(
            "QUOTA_TARGET_INVALID",
            "Chỉ tiêu dạng số chỉ có một giá trị: hãy bỏ trống giá trị tối đa hoặc dùng khoảng.",
            "A number target has one value: leave the maximum out or use a range.",
            field="target",
        )
    return QuotaTarget(value.kind, minimum, maximum)


@strawberry.input(description="A unit's quota for a period (giao chỉ tiêu).")
class SetQuotaInput:
    unit_code: str = strawberry.field(description="The unit (mã đơn vị).")
    period: str = strawberry.field(description=PERIOD)
    target: QuotaTargetInput = strawberry.field(description="The target.")
    occurred_on: date = strawberry.field(description="Date the quota was set (e.g. a resolution).")
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="Admissions assigned on top of a quota (giao bổ sung).")
class AssignSupplementaryQuotaInput:
    unit_code: str = strawberry.field(description="The unit (mã đơn vị).")
    period: str = strawberry.field(description=PERIOD)
    amount: int = strawberry.field(description="Admissions added (negative: taken back); not 0.")
    reason: str = strawberry.field(description="Why (lý do).")
    occurred_on: date = strawberry.field(description=OCCURRED_ON)
    document: DocumentInput = strawberry.field(description="The assigning decision.")
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A quota's new target from a date (điều chỉnh chỉ tiêu).")
class AdjustQuotaInput:
    unit_code: str = strawberry.field(description="The unit (mã đơn vị).")
    period: str = strawberry.field(description=PERIOD)
    target: QuotaTargetInput = strawberry.field(description="The new target.")
    reason: str = strawberry.field(description="Why (lý do).")
    occurred_on: date = strawberry.field(description="Date the new target applies from.")
    document: DocumentInput = strawberry.field(description="The adjusting decision.")
    notes: str = strawberry.field(default="", description=NOTES)


@strawberry.input(description="A day declared for the tenant's working-day calendar.")
class CalendarDayInput:
    day: date = strawberry.field(description="The day.")
    document: DocumentInput | None = strawberry.field(default=None, description=DOCUMENT)
    notes: str = strawberry.field(default="", description=NOTES)


Basis = Annotated[
    CountingBasis, strawberry.argument(description="The date that counts an admission.")
]
RatioBound = Annotated[
    str,
    strawberry.argument(description='Times the quota, written as text (e.g. "1.5"); above 0.'),
]
Days = Annotated[int, strawberry.argument(description="Calendar days without a step, 1–3650.")]


@strawberry.type
class OrganisationMutations:
    # --- tenant policy --------------------------------------------------------------------------
    @strawberry.mutation(
        description="Count admissions towards quotas by decision date or ceremony date "
        "(cách tính chỉ tiêu).",
        permission_classes=WRITE,
    )
    async def choose_counting_basis(self, info: Info, basis: Basis) -> TenantSettingsResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(lambda h, p: h.choose_counting_basis(p, basis)),
            lambda result: settings_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Set the wanted candidate pool against the quota (tỷ lệ nguồn), e.g. "
        "1.5–2 times.",
        permission_classes=WRITE,
    )
    async def set_source_pool_ratio(
        self, info: Info, minimum: RatioBound, maximum: RatioBound
    ) -> TenantSettingsResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.set_source_pool_ratio(
                    p,
                    decimal_of(minimum, code="SOURCE_POOL_RATIO_INVALID", field="minimum"),
                    decimal_of(maximum, code="SOURCE_POOL_RATIO_INVALID", field="maximum"),
                )
            ),
            lambda result: settings_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Set after how many days without a step a case counts as stalled "
        "(ngưỡng tồn đọng).",
        permission_classes=WRITE,
    )
    async def set_stalled_threshold(self, info: Info, days: Days) -> TenantSettingsResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(lambda h, p: h.set_stalled_threshold(p, days)),
            lambda result: settings_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Declare an extra day off (ngày nghỉ bổ sung) that deadlines skip.",
        permission_classes=WRITE,
    )
    async def declare_day_off(
        self, info: Info, input: Annotated[CalendarDayInput, WHAT]
    ) -> TenantSettingsResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.declare_day_off(
                    p, input.day, document=document(input.document), notes=input.notes
                )
            ),
            lambda result: settings_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Declare an extra working day (ngày làm bù) that deadlines count.",
        permission_classes=WRITE,
    )
    async def declare_working_day(
        self, info: Info, input: Annotated[CalendarDayInput, WHAT]
    ) -> TenantSettingsResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.declare_working_day(
                    p, input.day, document=document(input.document), notes=input.notes
                )
            ),
            lambda result: settings_payload(ctx, result),
        )

    # --- units ----------------------------------------------------------------------------------
    @strawberry.mutation(
        description="Establish a unit of the tenant's tree (thành lập tổ chức đảng).",
        permission_classes=WRITE,
    )
    async def establish_unit(
        self, info: Info, input: Annotated[EstablishUnitInput, WHAT]
    ) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.establish_unit(
                    p,
                    code=input.code,
                    name=input.name,
                    kind=input.kind,
                    parent_code=input.parent_code,
                    occurred_on=input.occurred_on,
                    admission_authority=input.admission_authority,
                    document=document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Rename a unit from a date (đổi tên).", permission_classes=WRITE
    )
    async def rename_unit(self, info: Info, input: Annotated[RenameUnitInput, WHAT]) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.rename_unit(
                    p,
                    input.code,
                    name=input.name,
                    occurred_on=input.occurred_on,
                    document=document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Move a unit under another parent from a date (điều chuyển).",
        permission_classes=WRITE,
    )
    async def move_unit(self, info: Info, input: Annotated[MoveUnitInput, WHAT]) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.move_unit(
                    p,
                    input.code,
                    new_parent_code=input.new_parent_code,
                    occurred_on=input.occurred_on,
                    document=document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Merge a unit into another (hợp nhất, sáp nhập); answers the merged unit.",
        permission_classes=WRITE,
    )
    async def merge_units(self, info: Info, input: Annotated[MergeUnitsInput, WHAT]) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.merge_units(
                    p,
                    input.code,
                    into_code=input.into_code,
                    occurred_on=input.occurred_on,
                    document=required_document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    @strawberry.mutation(description="Dissolve a unit (giải thể).", permission_classes=WRITE)
    async def dissolve_unit(
        self, info: Info, input: Annotated[DissolveUnitInput, WHAT]
    ) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.dissolve_unit(
                    p,
                    input.code,
                    occurred_on=input.occurred_on,
                    document=required_document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Report a unit's member headcount on a date (số đảng viên).",
        permission_classes=WRITE,
    )
    async def report_headcount(
        self, info: Info, input: Annotated[ReportHeadcountInput, WHAT]
    ) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.report_headcount(
                    p,
                    input.code,
                    members=input.members,
                    occurred_on=input.occurred_on,
                    document=document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    @strawberry.mutation(
        description="Record who decides admissions for a grassroots organisation "
        "(thẩm quyền kết nạp).",
        permission_classes=WRITE,
    )
    async def set_admission_authority(
        self, info: Info, input: Annotated[SetAdmissionAuthorityInput, WHAT]
    ) -> UnitResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.set_admission_authority(
                    p,
                    input.code,
                    authority=input.authority,
                    occurred_on=input.occurred_on,
                    document=required_document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: unit_payload(ctx, result),
        )

    # --- quotas ---------------------------------------------------------------------------------
    @strawberry.mutation(
        description="Set a unit's quota for a period (giao chỉ tiêu); once per unit and period.",
        permission_classes=WRITE,
    )
    async def set_quota(self, info: Info, input: Annotated[SetQuotaInput, WHAT]) -> QuotaResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.set_quota(
                    p,
                    unit_code=input.unit_code,
                    period=Period.parse(input.period),
                    target=quota_target(input.target),
                    occurred_on=input.occurred_on,
                    document=document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: quota_payload(ctx, input.period, result),
        )

    @strawberry.mutation(
        description="Assign admissions on top of a quota (giao bổ sung chỉ tiêu), with a reason.",
        permission_classes=WRITE,
    )
    async def assign_supplementary_quota(
        self, info: Info, input: Annotated[AssignSupplementaryQuotaInput, WHAT]
    ) -> QuotaResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.assign_supplementary_quota(
                    p,
                    unit_code=input.unit_code,
                    period=Period.parse(input.period),
                    amount=input.amount,
                    reason=input.reason,
                    occurred_on=input.occurred_on,
                    document=required_document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: quota_payload(ctx, input.period, result),
        )

    @strawberry.mutation(
        description="Replace a quota's target from a date (điều chỉnh chỉ tiêu), with a reason.",
        permission_classes=WRITE,
    )
    async def adjust_quota(
        self, info: Info, input: Annotated[AdjustQuotaInput, WHAT]
    ) -> QuotaResult:
        ctx = get_context(info)
        return await attempt(
            lambda: ctx.command(
                lambda h, p: h.adjust_quota(
                    p,
                    unit_code=input.unit_code,
                    period=Period.parse(input.period),
                    target=quota_target(input.target),
                    reason=input.reason,
                    occurred_on=input.occurred_on,
                    document=required_document(input.document),
                    notes=input.notes,
                )
            ),
            lambda result: quota_payload(ctx, input.period, result),
        )
