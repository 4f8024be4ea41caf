"""Pipeline queries at a cut (as of a business date, as recorded at a position): cases, stage
counts and entries, overdue deadlines, the funnel, time in stage and stalled cases."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from domain.candidates import Stage
from domain.commands import (
    AddToSympathizerList,
    AssignHelper,
    ChooseCountingBasis,
    CorrectStepDate,
    DiscoverCandidate,
    MoveCandidate,
    SetStalledThreshold,
)
from domain.tenant_policy import CountingBasis
from domain.values import MassOrganization
from projections.cut import Cut
from projections.queries.pipeline import (
    CASES_BY_CODE,
    CASES_BY_ID,
    OPEN_STAGES_BY_DUE_DATE,
    STAGES_BY_UNIT,
    STAGES_RUNNING_AFTER,
    CaseOrder,
    FunnelStep,
    SourceYield,
    StageCount,
    StageDuration,
    candidates,
    funnel,
    stage_counts,
    stage_entries,
    stalled,
    time_in_stage,
)
from tests.projections.cases import BulkCase, bulk_cases, establish_tree, take_case, unit
from tests.projections.conftest import World
from tests.projections.test_candidates import DECEMBER
from tests.walks import Steps, doc, person

CB1, CB2 = unit("CB1"), unit("CB2")


def test_a_backdated_entry_shows_in_the_past_only_as_recorded_after_it(world: World) -> None:
    establish_tree(world)
    take_case(world, "HS-A", Stage.SYMPATHIZER)
    # recorded now, dated November 2024: before every step recorded so far
    late = world.handlers.handle(
        world.principal,
        DiscoverCandidate(
            introduced_by=MassOrganization.BRANCH,
            case_code="HS-B",
            unit_code="CB1",
            person=person("Lê Văn Bảo"),
            occurred_on=date(2024, 11, 4),
        ),
    ).position
    assert late is not None
    with world.read() as tx:
        assert stage_counts(tx, Cut(date(2024, 12, 1), recorded=late - 1)) == ()
        assert stage_counts(tx, Cut(date(2024, 12, 1))) == (StageCount(CB1, Stage.DISCOVERED, 1),)
        assert stage_counts(tx, Cut(date(2025, 3, 1))) == (
            StageCount(CB1, Stage.DISCOVERED, 1),
            StageCount(CB1, Stage.SYMPATHIZER, 1),
        )
        assert stage_counts(tx, Cut(date(2025, 3, 1), recorded=late - 1)) == (
            StageCount(CB1, Stage.SYMPATHIZER, 1),
        )


def test_a_corrected_step_date_is_seen_as_of_both_dates_and_as_recorded_before_and_after(
    world: World,
) -> None:
    establish_tree(world)
    take_case(world, "HS-C", Stage.SYMPATHIZER)  # sympathizer list on 3/2/2025
    corrected = world.handlers.handle(
        world.principal,
        CorrectStepDate(
            case_code="HS-C",
            step="sympathizer",
            corrected_date=date(2025, 1, 20),
            reason="Nghị quyết chi bộ ngày 20/01/2025",
            occurred_on=date(2025, 2, 10),
        ),
    ).position
    assert corrected is not None
    before, after = corrected - 1, None

    def seen(as_of: date, recorded: int | None) -> tuple[Stage, tuple[tuple[str, date], ...]]:
        with world.read() as tx:
            (row,) = candidates(tx, Cut(as_of, recorded)).rows
        return row.stage, row.step_dates

    discovered = ("discovered", date(2025, 1, 6))
    assert seen(date(2025, 1, 25), before) == (Stage.DISCOVERED, (discovered,))
    assert seen(date(2025, 1, 25), after) == (
        Stage.SYMPATHIZER,
        (discovered, ("sympathizer", date(2025, 1, 20))),
    )
    assert seen(date(2025, 2, 5), before) == (
        Stage.SYMPATHIZER,
        (discovered, ("sympathizer", date(2025, 2, 3))),
    )
    assert seen(date(2025, 1, 15), after) == (Stage.DISCOVERED, (discovered,))
    with world.read() as tx:
        entered = stage_entries(tx, Cut(date(2025, 3, 1)), date(2025, 1, 1), date(2025, 1, 31))
        assert entered == (
            StageCount(CB1, Stage.DISCOVERED, 1),
            StageCount(CB1, Stage.SYMPATHIZER, 1),
        )
        entered = stage_entries(
            tx, Cut(date(2025, 3, 1), before), date(2025, 1, 1), date(2025, 1, 31)
        )
        assert entered == (StageCount(CB1, Stage.DISCOVERED, 1),)


def test_a_move_changes_the_unit_counting_the_case_but_is_no_stage_entry(world: World) -> None:
    establish_tree(world)
    take_case(world, "HS-M", Stage.AWARENESS_TRAINED)  # certificate 3/3/2025
    world.handlers.handle(
        world.principal,
        MoveCandidate(
            case_code="HS-M",
            unit_code="CB2",
            occurred_on=date(2025, 3, 17),
            document=doc("QĐ chuyển", date(2025, 3, 17)),
        ),
    )
    with world.read() as tx:
        assert stage_counts(tx, Cut(date(2025, 3, 16))) == (
            StageCount(CB1, Stage.AWARENESS_TRAINED, 1),
        )
        assert stage_counts(tx, Cut(date(2025, 3, 17))) == (
            StageCount(CB2, Stage.AWARENESS_TRAINED, 1),
        )
        assert stage_counts(tx, Cut(date(2025, 3, 17)), unit_ids=[CB1]) == ()
        assert stage_entries(tx, Cut(date(2025, 12, 31)), date(2025, 3, 1), date(2025, 3, 31)) == (
            StageCount(CB1, Stage.AWARENESS_TRAINED, 1),
        )


def test_a_decision_due_after_tet_is_overdue_the_day_after(world: World) -> None:
    establish_tree(world)
    take_case(world, "HS-3", Stage.BRANCH_RESOLVED, steps=DECEMBER)
    take_case(world, "HS-4", Stage.SYMPATHIZER, steps=DECEMBER)
    with world.read() as tx:
        # due Tuesday 4/3/2025: 60 working days from 2/12/2024 without New Year and Tết
        on_the_day = candidates(tx, Cut(date(2025, 3, 4)))
        assert [(r.case_code, r.deadline_on, r.overdue) for r in on_the_day.rows] == [
            ("HS-3", date(2025, 3, 4), False),
            ("HS-4", None, False),
        ]
        assert candidates(tx, Cut(date(2025, 3, 4)), overdue_only=True).rows == ()
        (late,) = candidates(tx, Cut(date(2025, 3, 5)), overdue_only=True).rows
        assert (late.case_code, late.stage, late.deadline_step, late.overdue) == (
            "HS-3",
            Stage.BRANCH_RESOLVED,
            "admission_decision",
            True,
        )
        assert late.deadline_latest_on == date(2025, 4, 16)
        assert [s.member_id for s in late.sponsors] == ["DV1", "DV2"]


def test_cases_come_in_pages_by_case_code_with_filters(world: World) -> None:
    establish_tree(world)
    for n, code in enumerate(("HS-05", "HS-01", "HS-04", "HS-02", "HS-03")):
        take_case(
            world,
            code,
            Stage.SYMPATHIZER if n % 2 else Stage.DISCOVERED,
            unit_code="CB1" if n < 3 else "CB2",
        )
    cut = Cut(date(2025, 6, 1))
    with world.read() as tx:
        page = candidates(tx, cut, first=2)
        assert ([r.case_code for r in page.rows], page.has_next) == (["HS-01", "HS-02"], True)
        page = candidates(tx, cut, first=2, after=page.end_cursor)
        assert ([r.case_code for r in page.rows], page.has_next) == (["HS-03", "HS-04"], True)
        page = candidates(tx, cut, first=2, after=page.end_cursor)
        assert ([r.case_code for r in page.rows], page.has_next) == (["HS-05"], False)
        by_unit = candidates(tx, cut, unit_ids=[CB2])
        assert [r.case_code for r in by_unit.rows] == ["HS-02", "HS-03"]
        by_stage = candidates(tx, cut, stages=[Stage.SYMPATHIZER])
        assert [r.case_code for r in by_stage.rows] == ["HS-01", "HS-02"]
        assert candidates(tx, Cut(date(2025, 1, 5))).rows == ()


def test_the_funnel_of_162_youth_union_introductions_with_113_admitted(world: World) -> None:
    establish_tree(world)
    cohort = [
        BulkCase(f"DTN-{n:03}", MassOrganization.YOUTH_UNION, admitted=n < 113) for n in range(162)
    ] + [BulkCase(f"CB-{n:02}", MassOrganization.BRANCH, admitted=n < 4) for n in range(10)]
    bulk_cases(world, cohort)
    with world.read() as tx:
        result = funnel(tx, Cut(date(2025, 12, 31)), opened_from=date(2025, 1, 1))
        assert result.by_source == (
            SourceYield("branch", 10, 4, Decimal("40.00")),
            SourceYield("youth_union", 162, 113, Decimal("69.75")),
        )
        assert result.cases == 172
        reached = {s.stage: s for s in result.steps}
        assert reached[Stage.DISCOVERED] == FunnelStep(Stage.DISCOVERED, 172, None)
        # 117 of 172 went on: 68.02 %
        assert reached[Stage.SYMPATHIZER] == FunnelStep(Stage.SYMPATHIZER, 117, Decimal("68.02"))
        # a grassroots decision without a committee resolution still passed that point
        assert reached[Stage.COMMITTEE_RESOLVED].reached == 117
        assert reached[Stage.DECIDED] == FunnelStep(Stage.DECIDED, 117, Decimal("100.00"))
        assert reached[Stage.PROBATIONARY] == FunnelStep(Stage.PROBATIONARY, 0, Decimal("0.00"))
        assert reached[Stage.FULL_MEMBER] == FunnelStep(Stage.FULL_MEMBER, 0, None)
        # the day before the decisions, nobody was admitted yet
        early = funnel(tx, Cut(date(2025, 6, 30)))
        assert early.by_source[1] == SourceYield("youth_union", 162, 0, Decimal("0.00"))
        # a cohort opened later is empty
        assert funnel(tx, Cut(date(2025, 12, 31)), opened_from=date(2025, 2, 1)).cases == 0
    # counted by ceremony date, none of them is admitted yet
    world.handlers.handle(world.principal, ChooseCountingBasis(basis=CountingBasis.CEREMONY_DATE))
    with world.read() as tx:
        by_ceremony = funnel(tx, Cut(date(2025, 12, 31)))
        assert by_ceremony.by_source[1].admitted == 0


def _stays(world: World) -> None:
    """Five cases with known stays (see the test below)."""
    establish_tree(world)
    for code, listed in (
        ("T1", date(2025, 1, 20)),
        ("T2", date(2025, 2, 3)),
        ("T3", date(2025, 3, 3)),
    ):
        take_case(world, code, Stage.SYMPATHIZER, steps=Steps(sympathizer=listed))
    take_case(world, "T4", Stage.DISCOVERED, steps=Steps(discovered=date(2025, 3, 10)))
    take_case(world, "T5", Stage.DISCOVERED, unit_code="CB2")
    h, p = world.handlers, world.principal
    h.handle(
        p,
        MoveCandidate(
            case_code="T5",
            unit_code="CB1",
            occurred_on=date(2025, 1, 13),
            document=doc("QĐ", date(2025, 1, 13)),
        ),
    )
    h.handle(p, AddToSympathizerList(case_code="T5", occurred_on=date(2025, 1, 27)))
    h.handle(
        p, AssignHelper(case_code="T2", member_name="Đảng viên DV9", occurred_on=date(2025, 3, 20))
    )
    h.handle(p, SetStalledThreshold(days=30))


def test_time_in_stage_counts_closed_and_open_stays_per_unit(world: World) -> None:
    _stays(world)
    with world.read() as tx:
        # discovered: T1 14 d, T2 28, T3 56, T5 21 (left the stage in CB1, where it counts),
        # T4 still there on 31/3: 21 → [14, 21, 21, 28, 56]: median 21, p90 (5th of 5) 56.
        # sympathizer, open on 31/3: T1 70, T2 56, T3 28, T5 63 → median 59.5, p90 70.
        assert time_in_stage(tx, Cut(date(2025, 3, 31))) == (
            StageDuration(CB1, Stage.DISCOVERED, 5, Decimal("21.0"), 56),
            StageDuration(CB1, Stage.SYMPATHIZER, 4, Decimal("59.5"), 70),
        )
        # on 10/2: T3 has been discovered 35 days, T4 not yet; T1, T2, T5 are sympathizers
        assert time_in_stage(tx, Cut(date(2025, 2, 10)), unit_ids=[CB1]) == (
            StageDuration(CB1, Stage.DISCOVERED, 4, Decimal("24.5"), 35),
            StageDuration(CB1, Stage.SYMPATHIZER, 3, Decimal("14.0"), 21),
        )


def test_cases_without_a_step_for_longer_than_the_threshold_are_stalled(world: World) -> None:
    _stays(world)
    with world.read() as tx:
        # threshold 30 days; on 31/3: T1 last step 20/1 (70 days), T5 27/1 (63); T2 had a
        # helper assigned on 20/3; T3 (28 days) and T4 (21) are within the threshold
        result = stalled(tx, Cut(date(2025, 3, 31)))
        assert [(s.case_code, s.last_step_on, s.days_without_step) for s in result] == [
            ("T1", date(2025, 1, 20), 70),
            ("T5", date(2025, 1, 27), 63),
        ]
        # before the helper was assigned, T2 had been idle since 3/2
        earlier = stalled(tx, Cut(date(2025, 3, 19)))
        assert [s.case_code for s in earlier] == ["T1", "T2", "T5"]


def test_case_pages_are_the_same_with_or_without_their_planned_indexes(world: World) -> None:
    """The case pages name their indexes on SQLite (``INDEXED BY``: the plan that stops after
    a page); read models built by an older projection version lack them and are read with the
    plain statement, to the same rows in the same order, on every backend."""
    establish_tree(world)
    for n in range(12):
        take_case(
            world,
            f"HS-{(n * 7) % 12:02d}",
            [Stage.DISCOVERED, Stage.SYMPATHIZER, Stage.AWARENESS_TRAINED][n % 3],
            unit_code="CB1" if n % 2 else "CB2",
        )
    cut = Cut(date(2025, 6, 1))

    def pages() -> list[Any]:
        seen: list[Any] = []
        with world.read() as tx:
            seen.append(stage_counts(tx, cut, unit_ids=[CB1]))
            orders: tuple[CaseOrder, ...] = ("case_code", "case_code_desc", "deadline")
            for order, units, overdue in itertools.product(orders, (None, [CB2]), (False, True)):
                after = None
                while True:
                    page = candidates(
                        tx, cut, first=5, after=after, order=order, overdue_only=overdue,
                        unit_ids=units,
                    )  # fmt: skip
                    seen.append([(r.case_code, r.deadline_on) for r in page.rows])
                    if not page.has_next:
                        break
                    after = page.end_cursor
        return seen

    planned = pages()
    assert planned[0]  # stage counts of CB1
    assert any(rows for rows in planned[1:])
    assert any(due for rows in planned[1:] for _, due in rows)
    db = world.store.read_models(world.principal.tenant)
    with db.transaction() as tx:
        for index in (CASES_BY_CODE, CASES_BY_ID, STAGES_RUNNING_AFTER, STAGES_BY_UNIT,
                      OPEN_STAGES_BY_DUE_DATE):  # fmt: skip
            tx.execute(f"DROP INDEX {db.table(index)}")
    assert pages() == planned
