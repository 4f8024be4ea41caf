"""The organisation-tree read models: versions, dated closure, headcounts (on both backends)."""

from __future__ import annotations

from datetime import date

from domain import ids
from domain.commands import (
    DissolveUnit,
    EstablishUnit,
    MergeUnits,
    MoveUnit,
    RenameUnit,
    ReportHeadcount,
)
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority
from domain.values import DocumentRef
from projections.cut import Cut
from projections.queries.org_tree import headcounts_on, org_tree, subtree, unit_on
from projections.units import Closure
from tests.projections.conftest import TENANT, World

EST = date(2009, 1, 1)
RENAMED_ON = date(2022, 5, 1)
MOVED_ON = date(2023, 1, 1)
MERGED_ON = date(2024, 7, 1)


def uid(code: str) -> str:
    """The id of unit ``code`` of the test tenant, as stored in the read models."""
    return str(ids.unit_id(TENANT, code))


def doc(kind: str, on: date) -> DocumentRef:
    """A document of the bloc committee."""
    return DocumentRef(kind, f"{kind}-{on:%Y%m%d}", on, "Đảng ủy Khối")


def build_tree(world: World) -> None:
    """KDN → DU1 (CB1, CB2), DU2 (CB3); CS a grassroots branch under KDN; all from 2009."""
    h, p = world.handlers, world.principal
    units = [
        ("KDN", "Đảng bộ Khối", UnitKind.COMMITTEE, None),
        ("DU1", "Đảng bộ Công ty Điện lực", UnitKind.GRASSROOTS_COMMITTEE, "KDN"),
        ("DU2", "Đảng bộ Công ty Cấp nước", UnitKind.GRASSROOTS_COMMITTEE, "KDN"),
        ("CS", "Chi bộ Công ty Sách", UnitKind.GRASSROOTS_BRANCH, "KDN"),
        ("CB1", "Chi bộ Phòng Kỹ thuật", UnitKind.BRANCH, "DU1"),
        ("CB2", "Chi bộ Phòng Kinh doanh", UnitKind.BRANCH, "DU1"),
        ("CB3", "Chi bộ Nhà máy nước", UnitKind.BRANCH, "DU2"),
    ]
    for code, name, kind, parent in units:
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=name,
                kind=kind,
                parent_code=parent,
                occurred_on=EST,
                admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE
                if kind is UnitKind.GRASSROOTS_COMMITTEE
                else None,
            ),
        )


def restructure(world: World) -> dict[str, int]:
    """Rename DU1 (2022), move CB1 to DU2 (2023), merge CB2 into CB3 (2024); their positions."""
    h, p = world.handlers, world.principal
    renamed = h.handle(
        p, RenameUnit(code="DU1", name="Đảng bộ Tổng công ty Điện lực", occurred_on=RENAMED_ON)
    )
    moved = h.handle(p, MoveUnit(code="CB1", new_parent_code="DU2", occurred_on=MOVED_ON))
    merged = h.handle(
        p,
        MergeUnits(
            code="CB2", into_code="CB3", occurred_on=MERGED_ON, document=doc("QĐ", MERGED_ON)
        ),
    )
    positions = {"renamed": renamed.position, "moved": moved.position, "merged": merged.position}
    return {k: v for k, v in positions.items() if v is not None}


def test_a_rename_shows_by_business_date(world: World) -> None:
    build_tree(world)
    restructure(world)
    with world.read() as tx:
        before = {n.code: n for n in org_tree(tx, Cut(date(2022, 4, 30)))}
        after = {n.code: n for n in org_tree(tx, Cut(date(2022, 5, 1)))}
    assert before["DU1"].name == "Đảng bộ Công ty Điện lực"
    assert after["DU1"].name == "Đảng bộ Tổng công ty Điện lực"
    assert before["KDN"].depth == 0
    assert before["DU1"].depth == 1
    assert before["CB1"].depth == 2
    assert before["DU1"].admission_authority == AdmissionAuthority.GRASSROOTS_COMMITTEE.value


def test_a_move_changes_the_subtree_from_its_date(world: World) -> None:
    build_tree(world)
    restructure(world)
    with world.read() as tx:
        tree_before = {n.code: n for n in org_tree(tx, Cut(date(2022, 12, 31)))}
        tree_after = {n.code: n for n in org_tree(tx, Cut(MOVED_ON))}
        du1_before = subtree(tx, Cut(date(2022, 12, 31)), uid("DU1"))
        du2_after = subtree(tx, Cut(MOVED_ON), uid("DU2"))
    assert tree_before["CB1"].parent_id == uid("DU1")
    assert tree_after["CB1"].parent_id == uid("DU2")
    assert uid("CB1") in du1_before
    assert du2_after == {uid("DU2"), uid("CB1"), uid("CB3")}


def test_a_merged_unit_rolls_up_under_its_target_from_the_merge_date(world: World) -> None:
    build_tree(world)
    restructure(world)
    day_before = Cut(date(2024, 6, 30))
    merge_day = Cut(MERGED_ON)
    with world.read() as tx:
        assert uid("CB2") in subtree(tx, day_before, uid("DU1"))
        assert uid("CB2") not in subtree(tx, day_before, uid("CB3"))
        assert uid("CB2") not in subtree(tx, merge_day, uid("DU1"))
        assert subtree(tx, merge_day, uid("CB3")) == {uid("CB3"), uid("CB2")}
        assert uid("CB2") in subtree(tx, merge_day, uid("DU2"))
        assert uid("CB2") in subtree(tx, merge_day, uid("KDN"))
        open_codes = {n.code for n in org_tree(tx, merge_day)}
        merged = unit_on(tx, merge_day, uid("CB2"))
        earlier = unit_on(tx, day_before, uid("CB2"))
    assert "CB2" not in open_codes
    assert "CB3" in open_codes
    assert merged is not None
    assert merged.status == "merged"
    assert merged.merged_into == uid("CB3")
    assert earlier is not None
    assert earlier.status == "open"


def test_the_tree_as_recorded_before_the_merge_was_recorded(world: World) -> None:
    build_tree(world)
    positions = restructure(world)
    as_recorded_before = Cut(date(2025, 1, 1), recorded=positions["merged"] - 2)
    as_recorded_after = Cut(date(2025, 1, 1), recorded=positions["merged"])
    with world.read() as tx:
        assert uid("CB2") in subtree(tx, as_recorded_before, uid("DU1"))
        assert uid("CB2") not in subtree(tx, as_recorded_after, uid("DU1"))
        moved_not_yet = {n.code: n for n in org_tree(tx, Cut(MOVED_ON, positions["moved"] - 1))}
    assert moved_not_yet["CB1"].parent_id == uid("DU1")


def test_a_dissolved_unit_leaves_the_tree_but_keeps_its_history(world: World) -> None:
    build_tree(world)
    world.handlers.handle(
        world.principal,
        DissolveUnit(code="CS", occurred_on=date(2020, 1, 1), document=doc("QĐ", date(2020, 1, 1))),
    )
    with world.read() as tx:
        assert "CS" in {n.code for n in org_tree(tx, Cut(date(2019, 12, 31)))}
        assert "CS" not in {n.code for n in org_tree(tx, Cut(date(2020, 1, 1)))}
        gone = unit_on(tx, Cut(date(2021, 1, 1)), uid("CS"))
        assert gone is not None
        assert gone.status == "dissolved"
        assert uid("CS") not in subtree(tx, Cut(date(2020, 1, 1)), uid("KDN"))


def test_headcounts_are_valid_until_the_next_report(world: World) -> None:
    build_tree(world)
    h, p = world.handlers, world.principal
    h.handle(p, ReportHeadcount(code="DU1", members=196, occurred_on=date(2023, 12, 15)))
    h.handle(p, ReportHeadcount(code="DU1", members=210, occurred_on=date(2024, 3, 1)))
    with world.read() as tx:
        cut = Cut(date(2025, 1, 1))
        assert headcounts_on(tx, cut, date(2023, 12, 14)).get(uid("DU1")) is None
        assert headcounts_on(tx, cut, date(2024, 1, 1))[uid("DU1")] == 196
        assert headcounts_on(tx, cut, date(2024, 3, 1))[uid("DU1")] == 210
        tree = {n.code: n for n in org_tree(tx, Cut(date(2024, 2, 1)))}
    assert tree["DU1"].headcount == 196


def test_closure_of_a_chain_of_merges_without_a_database() -> None:
    # A merged into B on 2020-01-01, B merged into C on 2021-01-01; C under R throughout.
    rows = [
        ("R", "open", None, None, "2000-01-01", None),
        ("C", "open", "R", None, "2000-01-01", None),
        ("B", "open", "R", None, "2000-01-01", "2021-01-01"),
        ("B", "merged", "R", "C", "2021-01-01", None),
        ("A", "open", "R", None, "2000-01-01", "2020-01-01"),
        ("A", "merged", "R", "B", "2020-01-01", None),
    ]
    closure = Closure.from_versions(rows)
    spans = {(s.ancestor, s.depth, s.start.isoformat()) for s in closure.ancestry("A")}
    assert spans == {
        ("A", 0, "2000-01-01"),
        ("R", 1, "2000-01-01"),  # under R directly until the merge
        ("B", 1, "2020-01-01"),
        ("R", 2, "2020-01-01"),  # then through B
        ("C", 2, "2021-01-01"),  # and through B into C
        ("R", 3, "2021-01-01"),
    }


def test_a_rebuild_from_history_gives_the_same_tree(world: World) -> None:
    build_tree(world)
    restructure(world)
    query = (
        "SELECT unit_id, ancestor_id, depth, valid_from, valid_to FROM rm_unit_ancestry "
        "WHERE rec_to IS NULL ORDER BY unit_id, ancestor_id, depth, valid_from"
    )
    with world.read() as tx:
        before = tx.fetchall(query)
    world.read_models.rebuild(TENANT, ["units"])
    with world.read() as tx:
        after = tx.fetchall(query)
    assert before == after
    assert len(before) > 7
