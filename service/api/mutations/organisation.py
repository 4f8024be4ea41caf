"""Mutations on the tenant's organisation: its tree of units, its quotas and its policy.

Organizers only (``Capability.WRITE``). Each mutation is one call into a command handler; the
domain values (periods, documents, targets) are built inside that call, so a bad one comes back
as the :class:`~service.api.errors.DomainErrorType` member of the result like any refusal.
Payloads show the changed object as it stands today: a unit (``UnitPayload``), a quota plan
(``QuotaPayload``) or the tenant's settings (``TenantSettingsPayload``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from domain.commands import Command, PolicyChange, QuotaChange, UnitChange
from domain.org_units import UnitKind
from domain.quotas import Period, TargetKind
from projections.queries import org_tree
from projections.queries.attainment import PlanFigures, plans_at
from projections.sql import Tx
from service.api.context import ApiContext
from service.api.errors import DomainErrorType
from service.api.mutations.factory import Family, mutations
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
    ctx.forget_units()
    node = await ctx.read(lambda tx: org_tree.unit_on(tx, ctx.cut(tx, cut_key), unit_id))
    return UnitPayload(
        unit=None if node is None else OrgUnit.of(node, cut_key), position=result.position
    )


async def quota_payload(ctx: ApiContext, period: Period, result: CommandResult) -> QuotaPayload:
    """The payload of a command on a quota plan (the result's aggregate) of a period, today."""
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


async def _run(ctx: ApiContext, command: Command) -> CommandResult:
    return await ctx.command(lambda h, p: h.handle(p, command))


async def _unit(ctx: ApiContext, command: UnitChange, result: CommandResult) -> UnitPayload:
    return await unit_payload(ctx, result)


async def _quota(ctx: ApiContext, command: QuotaChange, result: CommandResult) -> QuotaPayload:
    return await quota_payload(ctx, command.period, result)


async def _settings(
    ctx: ApiContext, command: PolicyChange, result: CommandResult
) -> TenantSettingsPayload:
    return await settings_payload(ctx, result)


WRITE = needs(Capability.WRITE)
OrganisationMutations = mutations(
    "OrganisationMutations",
    {
        PolicyChange: Family(TenantSettingsResult, WRITE, _settings, _run),
        UnitChange: Family(UnitResult, WRITE, _unit, _run),
        QuotaChange: Family(QuotaResult, WRITE, _quota, _run),
    },
)
