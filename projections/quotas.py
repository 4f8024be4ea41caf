"""Read models of quotas (chỉ tiêu): plans, targets over business time, supplementary assignments.

- ``rm_quota_plans`` — versioned, entity = plan id: one row per plan, the unit it was set for (raw
  id: a merged unit's plan stays its own and rolls up through ``rm_unit_ancestry``), the period,
  and the business date it was set; its opening balance (``opening_admitted`` up to
  ``opening_as_of``, from the report ``opening_document``) when one was recorded.
- ``rm_quota_targets`` — versioned, entity = plan id: the target in force during
  ``[valid_from, valid_to)``: the original one from the day it was set, each adjustment from its
  own date (a backdated adjustment simply derives different intervals). Number and range targets
  fill ``minimum``/``maximum``; percentage targets fill ``percent_min``/``percent_max`` (exact
  decimals, as text) and are resolved against the unit's headcount by the queries.
- ``rm_quota_supplements`` — versioned, entity = plan id: each supplementary assignment with
  its business date and reason (``seq`` keeps two equal assignments apart).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from domain.quotas import QuotaPlan, QuotaTarget, TargetKind
from projections.framework import Apply, Projection, Row
from projections.sql import Column, Table, as_date

QUOTA_PLANS = Table(
    "rm_quota_plans",
    (
        Column("plan_id", "text", nullable=False),
        Column("unit_id", "text", nullable=False),
        Column("period_kind", "text", nullable=False),  # PeriodKind value
        Column("period_key", "text", nullable=False),  # Period.key, e.g. "year:2024"
        Column("starts_on", "date", nullable=False),
        Column("ends_on", "date", nullable=False),  # inclusive
        Column("set_on", "date", nullable=False),
        Column("opening_admitted", "int"),  # admissions up to opening_as_of from a past report
        Column("opening_as_of", "date"),
        Column("opening_document", "text"),  # the report's reference, e.g. "BC 12-BC/TU"
    ),
    indexes=(("period_key",), ("unit_id",)),
)

QUOTA_TARGETS = Table(
    "rm_quota_targets",
    (
        Column("plan_id", "text", nullable=False),
        Column("target_kind", "text", nullable=False),  # TargetKind value
        Column("minimum", "int"),  # number / range
        Column("maximum", "int"),
        Column("percent_min", "text"),  # percent of headcount, exact decimal
        Column("percent_max", "text"),
        Column("reason", "text"),  # NULL for the target as set; the adjustment's reason
        Column("valid_from", "date", nullable=False),
        Column("valid_to", "date"),
    ),
    indexes=(("plan_id", "valid_from"),),
)

QUOTA_SUPPLEMENTS = Table(
    "rm_quota_supplements",
    (
        Column("plan_id", "text", nullable=False),
        Column("seq", "int", nullable=False),  # order of recording within the plan
        Column("amount", "int", nullable=False),
        Column("assigned_on", "date", nullable=False),
        Column("reason", "text", nullable=False),
    ),
    indexes=(("plan_id",),),
    current_indexes=(("plan_id",),),  # the sum per plan of the supplements in force
)


def target_columns(target: QuotaTarget) -> Row:
    """The columns describing one target."""
    if target.kind is TargetKind.PERCENT_OF_HEADCOUNT:
        return {
            "target_kind": target.kind.value,
            "minimum": None,
            "maximum": None,
            "percent_min": str(target.minimum),
            "percent_max": str(target.maximum),
        }
    return {
        "target_kind": target.kind.value,
        "minimum": int(target.minimum),
        "maximum": int(target.maximum),
        "percent_min": None,
        "percent_max": None,
    }


def target_rows(plan: QuotaPlan, set_on: date) -> list[Row]:
    """The target in force over business time: as set from ``set_on``, then each adjustment.

    An adjustment applies from its own date on; of two on the same date the one recorded last
    wins. (``QuotaPlan.target_on`` resolves ties with ``max()``, which keeps the *first* —
    see the report; the comment there says "recorded last", which is what is done here.)
    """
    changes: list[tuple[date, int, QuotaTarget, str | None]] = [(set_on, -1, plan.target, None)]
    changes += [
        (day, n, target, reason) for n, (day, target, reason) in enumerate(plan.adjustments)
    ]
    starts = sorted({day for day, *_ in changes})
    rows: list[Row] = []
    for number, start in enumerate(starts):
        adjustments = [c for c in changes if c[1] >= 0 and c[0] <= start]
        if adjustments:
            _, _, target, reason = max(adjustments, key=lambda c: (c[0], c[1]))
        else:
            _, _, target, reason = changes[0]
        row = {
            "plan_id": str(plan.id),
            **target_columns(target),
            "reason": reason,
            "valid_from": start,
            "valid_to": starts[number + 1] if number + 1 < len(starts) else None,
        }
        if rows and all(rows[-1][k] == row[k] for k in row if k not in ("valid_from", "valid_to")):
            rows[-1] = {**rows[-1], "valid_to": row["valid_to"]}
        else:
            rows.append(row)
    return rows


def supplement_rows(plan: QuotaPlan) -> list[Row]:
    """Each supplementary assignment of ``plan``."""
    return [
        {
            "plan_id": str(plan.id),
            "seq": n,
            "amount": amount,
            "assigned_on": day,
            "reason": reason,
        }
        for n, (day, amount, reason) in enumerate(plan.supplementary)
    ]


class QuotaProjection(Projection):
    """``rm_quota_plans``, ``rm_quota_targets`` and ``rm_quota_supplements``."""

    name: ClassVar[str] = "quotas"
    # 2: the indexes of issue 12 (tables rebuilt with them); 3: the opening balance columns
    version: ClassVar[int] = 3
    tables = (QUOTA_PLANS, QUOTA_TARGETS, QUOTA_SUPPLEMENTS)
    follows = (QuotaPlan,)

    def apply(self, change: Apply) -> None:
        plan = change.aggregate
        assert isinstance(plan, QuotaPlan)
        if type(change.event).__name__ == "Set":
            set_on = change.event.occurred_on  # type: ignore[attr-defined]
        else:
            # The aggregate does not keep the date it was set: our own row does.
            row = change.tx.fetchone(
                "SELECT set_on FROM rm_quota_plans WHERE entity_id = %s AND rec_to IS NULL",
                (str(plan.id),),
            )
            assert row is not None, "a quota plan event before the plan was set"
            set_on = as_date(row[0])
        balance = plan.opening_balance
        change.replace(
            QUOTA_PLANS,
            plan.id,
            [
                {
                    "plan_id": str(plan.id),
                    "unit_id": str(plan.unit_id),
                    "period_kind": plan.period.kind.value,
                    "period_key": plan.period.key,
                    "starts_on": plan.period.start,
                    "ends_on": plan.period.end,
                    "set_on": set_on,
                    "opening_admitted": balance.admitted if balance else None,
                    "opening_as_of": balance.as_of if balance else None,
                    "opening_document": balance.document.label() if balance else None,
                }
            ],
        )
        change.replace(QUOTA_TARGETS, plan.id, target_rows(plan, set_on))
        change.replace(QUOTA_SUPPLEMENTS, plan.id, supplement_rows(plan))
