"""Read model of the tenant's policy: counting basis, source-pool ratio, stall threshold, days,
and the days its congresses opened (``rm_congresses``: the bounds of its terms, see
:func:`domain.quotas.counted_period`).

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


CONGRESSES = Table(
    "rm_congresses",
    (
        Column("held_on", "date", nullable=False),  # the day the congress opened
        Column("document_number", "text"),  # the congress resolution's number
    ),
    indexes=(("held_on",),),
)


class PolicyProjection(Projection):
    """``rm_policy`` (one current row), ``rm_calendar_days`` (declared days off/on) and
    ``rm_congresses`` (the tenant's congresses)."""

    name: ClassVar[str] = "policy"
    version: ClassVar[int] = 3  # 2: the indexes of issue 12; 3: rm_congresses
    tables = (POLICY, CALENDAR_DAYS, CONGRESSES)
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
        change.replace(
            CONGRESSES,
            policy.id,
            [
                {"held_on": day, "document_number": document.number if document else None}
                for day, document in sorted(policy.congresses.items(), key=lambda item: item[0])
            ],
        )
