"""The tenant's settings (thiết lập của đơn vị): the policy the rules and reports depend on.

Read from the ``policy`` read model (``rm_policy``, ``rm_calendar_days``, see
:mod:`projections.policy`). The policy is not dated in business time: a change applies from the
moment it is recorded, so only ``asRecordedAt`` moves the answer back in time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.tenant_policy import CountingBasis
from projections.queries.attainment import congresses_at, policy_at
from projections.sql import Tx, as_date
from service.api.context import ApiContext, CutKey, get_context
from service.api.permissions import Capability, needs
from service.api.queries.core import AsRecordedAt

CountingBasisEnum = strawberry.enum(
    CountingBasis,
    name="CountingBasis",
    description="Which date counts an admission towards a quota (cách tính chỉ tiêu): the "
    "admission decision's date (ngày quyết định kết nạp) or the ceremony's (ngày lễ kết nạp).",
)

#: The stall threshold before any policy is recorded (``TenantPolicy``'s default).
DEFAULT_STALLED_AFTER_DAYS = 180

SettingsAsOf = Annotated[
    date | None,
    strawberry.argument(
        description="Business date asked about (default: today). The policy has no business "
        "dates in the read models (a change applies from when it is recorded), so this date "
        "does not change the answer; use asRecordedAt to see an earlier policy."
    ),
]


@strawberry.type(
    description="How many candidates in the pipeline (nguồn kết nạp) are wanted per admission "
    "of the quota: from minimum to maximum times the quota (tỷ lệ nguồn)."
)
class SourcePoolRatio:
    minimum: Decimal = strawberry.field(description="Lower bound, e.g. 1.5 (times the quota).")
    maximum: Decimal = strawberry.field(description="Upper bound, e.g. 2 (times the quota).")


@strawberry.type(
    description="The tenant's own settings (chính sách của đơn vị) as recorded at a time: "
    "counting basis, source-pool ratio, stall threshold, declared days off and working days, "
    "and its congresses."
)
class TenantSettings:
    counting_basis: CountingBasis = strawberry.field(
        description="Which date counts an admission towards a quota (cách tính chỉ tiêu)."
    )
    source_pool_ratio: SourcePoolRatio = strawberry.field(
        description="Wanted size of the candidate pool against the quota (tỷ lệ nguồn)."
    )
    stalled_threshold_days: int = strawberry.field(
        description="A case with no step for more than this many calendar days counts as "
        "stalled (hồ sơ tồn đọng)."
    )
    days_off: list[date] = strawberry.field(
        description="Extra days off declared by the tenant (ngày nghỉ bổ sung), in order; "
        "deadlines in working days skip them. Public holidays are built in and not listed. The "
        "read models keep the days only, not the documents or notes of their declarations."
    )
    working_days: list[date] = strawberry.field(
        description="Extra working days declared by the tenant (ngày làm bù), in order; "
        "deadlines count them. The read models keep the days only, not the documents or notes "
        "of their declarations."
    )
    congresses: list[date] = strawberry.field(
        description="The days the tenant's congresses opened (đại hội), in order: a term "
        "(nhiệm kỳ) counts admissions from the congress in its first year to the day before "
        "the one in its last year; without them, from 1 January after its first year to 31 "
        "December of its last."
    )


def settings_in(tx: Tx, ctx: ApiContext, cut_key: CutKey) -> TenantSettings:
    """The tenant's settings as recorded at ``cut_key`` (defaults before any policy)."""
    cut = ctx.cut(tx, cut_key)
    policy = policy_at(tx, cut)
    known, params = cut.known()
    row = tx.fetchone(f"SELECT stalled_after_days FROM rm_policy WHERE {known}", params)
    days: dict[str, list[date]] = {"off": [], "working": []}
    for day, kind in tx.fetchall(
        f"SELECT day, kind FROM rm_calendar_days WHERE {known} ORDER BY day", params
    ):
        parsed = as_date(day)
        if parsed is not None and kind in days:
            days[kind].append(parsed)
    return TenantSettings(
        counting_basis=policy.counting_basis,
        source_pool_ratio=SourcePoolRatio(
            minimum=policy.pool_ratio_min, maximum=policy.pool_ratio_max
        ),
        stalled_threshold_days=int(row[0]) if row else DEFAULT_STALLED_AFTER_DAYS,
        days_off=days["off"],
        working_days=days["working"],
        congresses=congresses_at(tx, cut),
    )


async def settings_at(ctx: ApiContext, cut_key: CutKey) -> TenantSettings:
    """The tenant's settings as recorded at ``cut_key``, read in one transaction."""
    return await ctx.read(lambda tx: settings_in(tx, ctx, cut_key))


@strawberry.type
class SettingsQueries:
    @strawberry.field(
        description="The tenant's settings (thiết lập): counting basis, source-pool ratio, "
        "stall threshold, declared days off and working days.",
        permission_classes=needs(Capability.READ_DASHBOARDS),
    )
    async def tenant_settings(
        self,
        info: Info,
        as_of: SettingsAsOf = None,
        as_recorded_at: AsRecordedAt = None,
    ) -> TenantSettings:
        ctx = get_context(info)
        return await settings_at(ctx, ctx.cut_key(as_of, as_recorded_at))
