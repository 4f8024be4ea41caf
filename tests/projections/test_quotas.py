"""Quota read models: targets over business time, adjustments, supplements, percent targets."""

from __future__ import annotations

from datetime import date

from domain.commands import (
    AdjustQuota,
    AssignSupplementaryQuota,
    MergeUnits,
    ReportHeadcount,
    SetQuota,
)
from domain.quotas import Period, QuotaTarget
from projections.cut import Cut
from projections.queries.attainment import plans_at, quota_attainment
from projections.sql import as_date
from tests.projections.conftest import World
from tests.projections.test_units import MERGED_ON, build_tree, doc, uid

YEAR = Period.year(2024)
SET_ON = date(2024, 1, 10)
ADJUSTED_FROM = date(2024, 3, 1)  # backdated: recorded after the supplement of June
SUPPLEMENT_ON = date(2024, 6, 1)


def quota_history(world: World) -> dict[str, int]:
    """DU1: 7 for 2024 set on 10/1; +3 on 1/6; then adjusted to 5 from 1/3 (backdated)."""
    h, p = world.handlers, world.principal
    set_ = h.handle(
        p, SetQuota(unit_code="DU1", period=YEAR, target=QuotaTarget.number(7), occurred_on=SET_ON)
    )
    supplement = h.handle(
        p,
        AssignSupplementaryQuota(
            unit_code="DU1",
            period=YEAR,
            amount=3,
            reason="Giao bổ sung giữa năm",
            occurred_on=SUPPLEMENT_ON,
            document=doc("QĐ", SUPPLEMENT_ON),
        ),
    )
    adjusted = h.handle(
        p,
        AdjustQuota(
            unit_code="DU1",
            period=YEAR,
            target=QuotaTarget.number(5),
            reason="Đơn vị cổ phần hóa, giảm biên chế",
            occurred_on=ADJUSTED_FROM,
            document=doc("QĐ", date(2024, 7, 15)),
        ),
    )
    positions = {"set": set_.position, "supplement": supplement.position}
    positions["adjusted"] = adjusted.position
    return {k: v for k, v in positions.items() if v is not None}


def du1_quota(world: World, cut: Cut) -> int | None:
    with world.read() as tx:
        plan = plans_at(tx, cut, YEAR).get(uid("DU1"))
    return None if plan is None else plan.quota


def test_a_backdated_adjustment_applies_from_its_date_once_recorded(world: World) -> None:
    build_tree(world)
    positions = quota_history(world)
    assert du1_quota(world, Cut(date(2024, 1, 9))) is None  # not set yet on that day
    assert du1_quota(world, Cut(date(2024, 2, 29))) == 7
    assert du1_quota(world, Cut(ADJUSTED_FROM)) == 5
    assert du1_quota(world, Cut(date(2024, 12, 31))) == 5 + 3
    # as recorded before the adjustment: the original target, with the supplement
    assert du1_quota(world, Cut(date(2024, 12, 31), positions["adjusted"] - 1)) == 7 + 3
    assert du1_quota(world, Cut(date(2024, 12, 31), positions["set"])) == 7
    with world.read() as tx:
        rows = tx.fetchall(
            "SELECT minimum, reason, valid_from, valid_to FROM rm_quota_targets "
            "WHERE rec_to IS NULL ORDER BY valid_from"
        )
    assert [(r[0], r[1], as_date(r[2]), as_date(r[3])) for r in rows] == [
        (7, None, SET_ON, ADJUSTED_FROM),
        (5, "Đơn vị cổ phần hóa, giảm biên chế", ADJUSTED_FROM, None),
    ]


def test_a_supplement_counts_from_its_date_and_once_recorded(world: World) -> None:
    build_tree(world)
    positions = quota_history(world)
    assert du1_quota(world, Cut(date(2024, 5, 31))) == 5
    assert du1_quota(world, Cut(SUPPLEMENT_ON)) == 8
    assert du1_quota(world, Cut(SUPPLEMENT_ON, positions["supplement"] - 1)) == 7
    assert du1_quota(world, Cut(SUPPLEMENT_ON, positions["supplement"])) == 10
    with world.read() as tx:
        plan = plans_at(tx, Cut(date(2024, 12, 31)), YEAR)[uid("DU1")]
    assert (plan.target_min, plan.target_max, plan.supplementary) == (5, 5, 3)


def test_a_percent_target_uses_the_headcount_at_the_period_start(world: World) -> None:
    build_tree(world)
    h, p = world.handlers, world.principal
    h.handle(p, ReportHeadcount(code="DU2", members=150, occurred_on=date(2023, 12, 1)))
    h.handle(p, ReportHeadcount(code="DU2", members=300, occurred_on=date(2024, 2, 1)))
    for code in ("DU2", "CS"):  # CS never reported a headcount
        h.handle(
            p,
            SetQuota(
                unit_code=code,
                period=YEAR,
                target=QuotaTarget.percent("7", "7.5"),
                occurred_on=SET_ON,
            ),
        )
    with world.read() as tx:
        plans = plans_at(tx, Cut(date(2024, 12, 31)), YEAR)
    du2 = plans[uid("DU2")]
    assert du2.headcount == 150  # the report of 1/2/2024 came after the period started
    assert (du2.target_min, du2.target_max) == (11, 12)  # 10.5 → 11, 11.25 → 12 (rounded up)
    assert plans[uid("CS")].quota is None


def test_sub_unit_quotas_roll_up_and_follow_a_merged_unit(world: World) -> None:
    build_tree(world)
    h, p = world.handlers, world.principal
    quota_history(world)
    h.handle(
        p,
        SetQuota(unit_code="CB2", period=YEAR, target=QuotaTarget.range(2, 3), occurred_on=SET_ON),
    )
    h.handle(
        p, SetQuota(unit_code="DU2", period=YEAR, target=QuotaTarget.number(4), occurred_on=SET_ON)
    )
    h.handle(
        p,
        MergeUnits(
            code="CB2", into_code="CB3", occurred_on=MERGED_ON, document=doc("QĐ", MERGED_ON)
        ),
    )

    def rows(on: date) -> dict[str, tuple[str | None, int | None, int | None]]:
        with world.read() as tx:
            found = quota_attainment(tx, Cut(on), YEAR)
        return {r.code: (r.source, r.quota, r.quota_max) for r in found}

    before, after = rows(date(2024, 6, 30)), rows(MERGED_ON)
    # KDN has no plan: DU1 (own plan 5 + 3) and DU2 (4); CB2 is under DU1, not added twice
    assert before["KDN"] == ("sub_units", 12, 12)
    assert before["CB3"] == (None, None, None)
    assert before["CB2"] == ("plan", 2, 3)
    # from the merge date CB2's plan is under CB3 (which has none of its own)
    assert after["CB3"] == ("sub_units", 2, 3)
    assert after["CB2"] == ("plan", 2, 3)
    assert after["KDN"] == ("sub_units", 12, 12)
