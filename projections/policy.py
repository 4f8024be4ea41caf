"""Read model of the tenant's policy: counting basis, source-pool ratio, stall threshold, days.

Versioned like every read model, so reports as recorded at a past position use the policy in
force then (e.g. which date counted an admission when a report was sent).
"""

from __future__ import annotations

from typing import ClassVar

from domain.tenant_policy import TenantPolicy
from projections.framework import Apply, Projection
from projections.sql import Column, Table

POLICY = Table(
    "rm_policy",
    (
        Column("counting_basis", "text", nullable=False),
        Column("pool_ratio_min", "real", nullable=False),
        Column("pool_ratio_max", "real", nullable=False),
        Column("stalled_after_days", "int", nullable=False),
    ),
)

CALENDAR_DAYS = Table(
    "rm_calendar_days",
    (
        Column("day", "date", nullable=False),
        Column("kind", "text", nullable=False),  # "off" | "working"
    ),
    indexes=(("day",),),
)


class PolicyProjection(Projection):
    """``rm_policy`` (one current row) and ``rm_calendar_days`` (declared days off/on)."""

    name: ClassVar[str] = "policy"
    version: ClassVar[int] = 2  # 2: the indexes of issue 12 (tables rebuilt with them)
    tables = (POLICY, CALENDAR_DAYS)
    follows = (TenantPolicy,)

    def apply(self, change: Apply) -> None:
        policy = change.aggregate
        assert isinstance(policy, TenantPolicy)
        low, high = policy.source_pool_ratio
        change.replace(
            POLICY,
            policy.id,
            [
                {
                    "counting_basis": policy.counting_basis.value,
                    "pool_ratio_min": float(low),
                    "pool_ratio_max": float(high),
                    "stalled_after_days": policy.stalled_after_days,
                }
            ],
        )
        days = [{"day": d, "kind": "off"} for d in sorted(policy.days_off)]
        days += [{"day": d, "kind": "working"} for d in sorted(policy.working_days)]
        change.replace(CALENDAR_DAYS, policy.id, days)
