"""The candidates projection: one card per case, its (stage, unit) intervals in business time
with the deadline each stage sets, and its admission — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from domain.candidates import Stage
from domain.commands import (
    DeclareDayOff,
    DeclareWorkingDay,
    MoveCandidate,
    ReceiveTransferredCandidate,
    RecordAdmissionDecision,
    RecordBranchResolution,
    RecordDelayReview,
)
from domain.rules import AdmissionAuthority
from projections.sql import Tx, as_date
from tests.projections.cases import case_id, establish_tree, take_case, unit
from tests.projections.conftest import World
from tests.walks import STEPS, Steps, doc, person

# A case resolved by its branch on Monday 2/12/2024, with the steps before it in 2024.
DECEMBER = Steps(
    discovered=date(2024, 6, 3),
    sympathizer=date(2024, 7, 1),
    certificate=date(2024, 8, 1),
    application=date(2024, 9, 2),
    sponsors=date(2024, 9, 9),
    verification=date(2024, 10, 7),
    comments=date(2024, 10, 8),
    branch_resolution=date(2024, 12, 2),
)


def intervals(tx: Tx, code: str) -> list[tuple[Any, ...]]:
    """The case's current stage rows: stage, unit, from, to, deadline step, due, latest."""
    rows = tx.fetchall(
        "SELECT stage, unit_id, valid_from, valid_to, deadline_step, deadline_on, "
        "deadline_latest_on, stage_from FROM rm_candidate_stages "
        "WHERE candidate_id = %s AND rec_to IS NULL ORDER BY valid_from, stage_from",
        (case_id(code),),
    )
    return [
        (
            r[0],
            r[1],
            as_date(r[2]),
            as_date(r[3]),
            r[4],
            as_date(r[5]),
            as_date(r[6]),
            as_date(r[7]),
        )
        for r in rows
    ]


def card(tx: Tx, code: str) -> dict[str, Any]:
    """The case's current row in rm_candidates."""
    rows = tx.fetchdicts(
        "SELECT * FROM rm_candidates WHERE candidate_id = %s AND rec_to IS NULL", (case_id(code),)
    )
    assert len(rows) == 1
    return rows[0]


def test_a_case_has_one_card_its_stage_intervals_and_its_admission(world: World) -> None:
    establish_tree(world)
    take_case(world, "HS-1", Stage.PROBATIONARY)
    cb1 = unit("CB1")
    with world.read() as tx:
        row = card(tx, "HS-1")
        assert (row["stage"], row["unit_id"], as_date(row["stage_since"])) == (
            "probationary",
            cb1,
            STEPS.ceremony,
        )
        assert as_date(row["discovered_on"]) == STEPS.discovered
        assert as_date(row["decision_on"]) == STEPS.decision
        assert json.loads(row["step_dates"])["branch_resolution"] == "2025-06-02"
        assert [s["member_id"] for s in json.loads(row["sponsors"])] == ["DV1", "DV2"]
        assert intervals(tx, "HS-1") == [
            (
                "discovered",
                cb1,
                date(2025, 1, 6),
                date(2025, 2, 3),
                None,
                None,
                None,
                date(2025, 1, 6),
            ),
            (
                "sympathizer",
                cb1,
                date(2025, 2, 3),
                date(2025, 3, 3),
                None,
                None,
                None,
                date(2025, 2, 3),
            ),
            # the certificate of 3/3/2025 is valid 60 months: the branch must resolve by then
            (
                "awareness_trained",
                cb1,
                date(2025, 3, 3),
                date(2025, 4, 1),
                "branch_resolution",
                date(2030, 3, 3),
                None,
                date(2025, 3, 3),
            ),
            (
                "applied",
                cb1,
                date(2025, 4, 1),
                date(2025, 4, 8),
                "branch_resolution",
                date(2030, 3, 3),
                None,
                date(2025, 4, 1),
            ),
            # from the sponsor letters of 8/4/2025 on, the dossier is valid 12 months
            (
                "sponsored",
                cb1,
                date(2025, 4, 8),
                date(2025, 5, 6),
                "branch_resolution",
                date(2026, 4, 8),
                None,
                date(2025, 4, 8),
            ),
            (
                "verified",
                cb1,
                date(2025, 5, 6),
                date(2025, 6, 2),
                "branch_resolution",
                date(2026, 4, 8),
                None,
                date(2025, 5, 6),
            ),
            # 60 working days after Monday 2/6/2025 → Monday 25/8; +30 (National Day 1–2/9
            # skipped) → Wednesday 8/10
            (
                "branch_resolved",
                cb1,
                date(2025, 6, 2),
                date(2025, 6, 16),
                "admission_decision",
                date(2025, 8, 25),
                date(2025, 10, 8),
                date(2025, 6, 2),
            ),
            (
                "committee_resolved",
                cb1,
                date(2025, 6, 16),
                date(2025, 7, 1),
                "admission_decision",
                date(2025, 8, 25),
                date(2025, 10, 8),
                date(2025, 6, 16),
            ),
            # 30 working days after the decision of 1/7/2025 → 12/8
            (
                "decided",
                cb1,
                date(2025, 7, 1),
                date(2025, 7, 15),
                "ceremony",
                date(2025, 8, 12),
                None,
                date(2025, 7, 1),
            ),
            # probation ends 15/7/2026; 30 working days → 25/8/2026 (Saturday 22/8/2026 is
            # worked in exchange for Monday 31/8)
            (
                "probationary",
                cb1,
                date(2025, 7, 15),
                None,
                "recognition_vote",
                date(2026, 8, 25),
                None,
                date(2025, 7, 15),
            ),
        ]
        admissions = tx.fetchall(
            "SELECT decision_on, decision_unit_id, ceremony_on, ceremony_unit_id "
            "FROM rm_admissions WHERE rec_to IS NULL"
        )
        assert [(as_date(a), b, as_date(c), d) for a, b, c, d in admissions] == [
            (STEPS.decision, cb1, STEPS.ceremony, cb1)
        ]


def test_a_move_splits_the_stage_and_the_admission_names_the_unit_of_each_date(
    world: World,
) -> None:
    establish_tree(world)
    take_case(world, "HS-2", Stage.AWARENESS_TRAINED)
    world.handlers.handle(
        world.principal,
        MoveCandidate(
            case_code="HS-2",
            unit_code="CB2",
            occurred_on=date(2025, 3, 17),
            document=doc("QĐ chuyển", date(2025, 3, 17)),
        ),
    )
    take_case(world, "HS-2", Stage.DECIDED, after=Stage.AWARENESS_TRAINED)
    cb1, cb2 = unit("CB1"), unit("CB2")
    with world.read() as tx:
        rows = intervals(tx, "HS-2")
        assert [(r[0], r[1], r[2], r[3], r[7]) for r in rows[1:4]] == [
            ("sympathizer", cb1, date(2025, 2, 3), date(2025, 3, 3), date(2025, 2, 3)),
            # the same stay in the stage, split at the move: stage_from stays 3/3
            ("awareness_trained", cb1, date(2025, 3, 3), date(2025, 3, 17), date(2025, 3, 3)),
            ("awareness_trained", cb2, date(2025, 3, 17), date(2025, 4, 1), date(2025, 3, 3)),
        ]
        assert {r[1] for r in rows[4:]} == {cb2}
        row = card(tx, "HS-2")
        assert (row["unit_id"], row["opened_unit_id"]) == (cb2, cb1)
        admission = tx.fetchone(
            "SELECT decision_unit_id, ceremony_on FROM rm_admissions WHERE rec_to IS NULL"
        )
        assert admission == (cb2, None)


def test_a_case_received_by_transfer_has_no_admission_here(world: World) -> None:
    establish_tree(world)
    world.handlers.handle(
        world.principal,
        ReceiveTransferredCandidate(
            case_code="HS-T",
            unit_code="CB1",
            person=person("Trần Văn Nam"),
            origin="Đảng bộ Tổng công ty",
            stage=Stage.PROBATIONARY,
            occurred_on=date(2025, 9, 1),
            ceremony_on=date(2025, 5, 19),
            document=doc("Giấy chuyển sinh hoạt", date(2025, 9, 1)),
        ),
    )
    with world.read() as tx:
        row = card(tx, "HS-T")
        assert bool(row["received_by_transfer"]) is True
        assert as_date(row["ceremony_on"]) == date(2025, 5, 19)
        # the case starts here as it came: probationary, no "discovered" stay in this tenant
        assert [(r[0], r[2], r[3], r[4], r[5]) for r in intervals(tx, "HS-T")] == [
            ("probationary", date(2025, 9, 1), None, "recognition_vote", date(2026, 6, 30))
        ]
        assert tx.fetchall("SELECT candidate_id FROM rm_admissions") == []


def test_declaring_a_day_off_moves_the_deadlines_whose_term_runs_over_it(world: World) -> None:
    establish_tree(world)
    take_case(world, "HS-3", Stage.BRANCH_RESOLVED, steps=DECEMBER)
    take_case(world, "HS-4", Stage.SYMPATHIZER)
    with world.read() as tx:
        # 60 working days from Monday 2/12/2024, over New Year's Day and Tết (27/1–1/2/2025)
        # → Tuesday 4/3/2025 (it would be 25/2 without Tết); +30, over the Hùng Kings' day
        # (7/4/2025) → 16/4/2025
        assert intervals(tx, "HS-3")[-1][4:7] == (
            "admission_decision",
            date(2025, 3, 4),
            date(2025, 4, 16),
        )
        before = tx.fetchall(
            "SELECT COUNT(*) FROM rm_candidate_stages WHERE entity_id = %s", (case_id("HS-4"),)
        )
    # a provincial bridge day inside the term pushes it one working day
    world.handlers.handle(world.principal, DeclareDayOff(day=date(2025, 2, 14)))
    with world.read() as tx:
        assert intervals(tx, "HS-3")[-1][4:7] == (
            "admission_decision",
            date(2025, 3, 5),
            date(2025, 4, 17),
        )
        # a case with no term over that day is not rewritten
        after = tx.fetchall(
            "SELECT COUNT(*) FROM rm_candidate_stages WHERE entity_id = %s", (case_id("HS-4"),)
        )
        assert after == before
    # a declared working day (a Saturday inside the term) pulls it back
    world.handlers.handle(world.principal, DeclareWorkingDay(day=date(2025, 2, 22)))
    with world.read() as tx:
        assert intervals(tx, "HS-3")[-1][5] == date(2025, 3, 4)


def test_a_rebuild_gives_the_same_rows(world: World) -> None:
    establish_tree(world)
    take_case(world, "HS-5", Stage.DECIDED)
    world.handlers.handle(world.principal, DeclareDayOff(day=date(2025, 8, 1)))
    query = (
        "SELECT stage, unit_id, valid_from, valid_to, deadline_on, rec_from, rec_to "
        "FROM rm_candidate_stages ORDER BY rec_from, stage, valid_from, rec_to"
    )
    with world.read() as tx:
        live = tx.fetchall(query)
    world.read_models.rebuild(world.principal.tenant, ["candidates"])
    with world.read() as tx:
        assert tx.fetchall(query) == live


def test_the_card_carries_the_flags_of_failed_votes_and_late_steps(world: World) -> None:
    """Issue 13: a failed branch vote and a late decision are recorded; the card shows them,
    with the responsibility review the late decision opened, then closed."""
    establish_tree(world)
    take_case(world, "HS-1", Stage.VERIFIED)
    h, p = world.handlers, world.principal
    for votes_for, on in ((7, date(2025, 6, 2)), (9, date(2025, 6, 9))):
        h.handle(
            p,
            RecordBranchResolution(
                case_code="HS-1",
                official_members=12,
                votes_for=votes_for,
                occurred_on=on,
                document=doc("6-KNĐ", on),
            ),
        )
    take_case(world, "HS-1", Stage.COMMITTEE_RESOLVED, after=Stage.BRANCH_RESOLVED)
    late = date(2025, 10, 20)  # 60 + 30 working days from 9/6/2025 end on 15/10/2025
    h.handle(
        p,
        RecordAdmissionDecision(
            case_code="HS-1",
            decided_by=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            occurred_on=late,
            document=doc("9-KNĐ", late),
        ),
    )
    with world.read() as tx:
        flags = json.loads(card(tx, "HS-1")["flags"])
    assert [
        (f["code"], f["step"], f["on"], f["reviewRequired"], f["reviewedOn"]) for f in flags
    ] == [
        ("VOTE_BELOW_TWO_THIRDS", "branch_resolution", "2025-06-02", False, None),
        ("ADMISSION_DECISION_LATE", "admission_decision", "2025-10-20", True, None),
    ]
    h.handle(
        p,
        RecordDelayReview(
            case_code="HS-1",
            step="admission_decision",
            occurred_on=date(2025, 11, 3),
            document=doc("Biên bản kiểm điểm", date(2025, 11, 3)),
        ),
    )
    with world.read() as tx:
        flags = json.loads(card(tx, "HS-1")["flags"])
    assert flags[1]["reviewedOn"] == "2025-11-03"
