"""Quota attainment and related figures at a cut, on both backends.

Tests named ``test_sql_level_…`` write rows straight into the candidate read models
(``rm_admissions``, ``rm_candidate_stages``, whose contract is in :mod:`projections.candidates`)
to test the SQL of the queries at volume or in odd shapes cheaply; the others go end to end
through the command handlers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.candidates import Stage
from domain.commands import (
    ChooseCountingBasis,
    EstablishUnit,
    MergeUnits,
    RecordOpeningBalance,
    SetQuota,
)
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget
from domain.tenant_policy import CountingBasis
from projections.candidates import ADMISSIONS, CANDIDATE_STAGES
from projections.cut import Cut
from projections.queries.attainment import (
    admitted_by_unit,
    coverage,
    membership_change,
    source_pool,
    unit_attainment,
    units_meeting_quota,
)
from projections.queries.audit_history import audit_entry
from projections.sql import Table
from tests.projections.conftest import TENANT, World
from tests.projections.test_units import MERGED_ON, build_tree, doc, uid
from tests.walks import DOSSIER_2025, person, walk

YEAR = Period.year(2024)


def insert_rows(world: World, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """SQL-level helper: put ``rows`` straight into a candidate read model (current rows)."""
    with world.read() as tx:  # catch up first, so the tables exist and positions are known
        row = tx.fetchone("SELECT MAX(position) FROM rm_positions")
    position = int(row[0]) if row and row[0] is not None else 0
    names = [*table.column_names, "entity_id", "row_hash", "rec_from"]
    with world.store.read_models(TENANT).transaction() as tx:
        tx.executemany(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
            [
                [*(r.get(n) for n in table.column_names), r["candidate_id"], f"t{i}", position]
                for i, r in enumerate(rows)
            ],
        )


def admission(
    candidate: str, unit: str, decided: date, ceremony: date | None = None
) -> dict[str, Any]:
    """An ``rm_admissions`` row (ceremony in the same unit)."""
    return {
        "candidate_id": candidate,
        "decision_on": decided,
        "decision_unit_id": uid(unit),
        "ceremony_on": ceremony,
        "ceremony_unit_id": uid(unit) if ceremony else None,
    }


def stage(
    candidate: str, name: str, unit: str, since: date, until: date | None = None
) -> dict[str, Any]:
    """An ``rm_candidate_stages`` row."""
    return {
        "candidate_id": candidate,
        "stage": name,
        "unit_id": uid(unit),
        "valid_from": since,
        "valid_to": until,
        "stage_from": since,
    }


def test_sql_level_seed_004_9701_admitted_of_9352_is_103_73_percent(world: World) -> None:
    build_tree(world)
    term = Period.term(2010, 2015)
    world.handlers.handle(
        world.principal,
        SetQuota(
            unit_code="KDN",
            period=term,
            target=QuotaTarget.number(9352),
            occurred_on=date(2010, 3, 1),
        ),
    )
    branches = ["CB1", "CB2", "CB3", "CS"]
    # without recorded congresses the term 2010–2015 counts 1/1/2011–31/12/2015 (the congress
    # year 2010 belongs to 2005–2010; see domain.quotas.counted_period)
    start = date(2011, 1, 1)
    rows = [
        admission(f"c{n}", branches[n % 4], start + timedelta(days=n % 1826)) for n in range(9701)
    ]
    rows += [
        admission("late", "CB1", date(2016, 1, 1)),
        admission("early", "CB1", date(2010, 12, 31)),
    ]
    insert_rows(world, ADMISSIONS, rows)
    with world.read() as tx:
        result = unit_attainment(tx, Cut(date(2015, 12, 31)), term, uid("KDN"))
        branch = unit_attainment(tx, Cut(date(2015, 12, 31)), term, uid("DU1"))
    assert (result.source, result.admitted, result.quota) == ("plan", 9701, 9352)
    assert result.percent == Decimal("103.73")
    assert result.surplus == 349
    assert result.met
    assert branch.source is None
    assert branch.admitted == 4851


def test_sql_level_ten_of_fifteen_units_meet_their_quota(world: World) -> None:
    build_tree(world)
    h, p = world.handlers, world.principal
    rows = []
    for n in range(15):
        code = f"CB-{n:02d}"
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Chi bộ {n}",
                kind=UnitKind.BRANCH,
                parent_code="DU2",
                occurred_on=date(2020, 1, 1),
            ),
        )
        h.handle(
            p,
            SetQuota(
                unit_code=code,
                period=YEAR,
                target=QuotaTarget.number(2),
                occurred_on=date(2024, 1, 5),
            ),
        )
        admitted = 2 + n % 2 if n < 10 else 1 - n % 2  # ten meet (2 or 3), five do not (0 or 1)
        rows += [admission(f"{code}-{k}", code, date(2024, 4, 1 + k)) for k in range(admitted)]
    insert_rows(world, ADMISSIONS, rows)
    with world.read() as tx:
        meeting = units_meeting_quota(tx, Cut(date(2024, 12, 31)), YEAR)
        early = units_meeting_quota(tx, Cut(date(2024, 4, 1)), YEAR)
    assert (meeting.met, meeting.total) == (10, 15)
    assert set(meeting.units_short) == {uid(f"CB-{n:02d}") for n in range(10, 15)}
    assert (early.met, early.total) == (0, 15)  # one admission each by 1/4


def test_sql_level_counting_basis_switch(world: World) -> None:
    build_tree(world)
    insert_rows(
        world,
        ADMISSIONS,
        [
            admission("a", "CB1", date(2024, 12, 20), date(2025, 1, 10)),
            admission("b", "CB1", date(2024, 6, 1), date(2024, 6, 20)),
            admission("c", "CB1", date(2024, 12, 30)),  # no ceremony yet
        ],
    )
    switched = world.handlers.handle(
        world.principal, ChooseCountingBasis(basis=CountingBasis.CEREMONY_DATE)
    )
    assert switched.position is not None
    before, after = Cut(date(2025, 12, 31), switched.position - 1), Cut(date(2025, 12, 31))
    with world.read() as tx:
        by_decision = admitted_by_unit(tx, before, YEAR).get(uid("DU1"))
        by_ceremony = admitted_by_unit(tx, after, YEAR).get(uid("DU1"))
        next_year = admitted_by_unit(tx, after, Period.year(2025)).get(uid("DU1"))
    assert (by_decision, by_ceremony, next_year) == (3, 1, 1)


def test_sql_level_admissions_of_a_merged_unit_count_where_it_belonged_that_day(
    world: World,
) -> None:
    build_tree(world)
    world.handlers.handle(
        world.principal,
        MergeUnits(
            code="CB2", into_code="CB3", occurred_on=MERGED_ON, document=doc("QĐ", MERGED_ON)
        ),
    )
    insert_rows(
        world,
        ADMISSIONS,
        [
            admission("x", "CB2", date(2024, 3, 1)),  # before the merge: DU1
            admission("y", "CB3", date(2024, 8, 1)),
            admission("z", "CB2", date(2024, 8, 2)),  # raw id of the merged unit: under CB3
        ],
    )
    with world.read() as tx:
        june = admitted_by_unit(tx, Cut(date(2024, 6, 30)), YEAR)
        december = admitted_by_unit(tx, Cut(date(2024, 12, 31)), YEAR)
    assert (june.get(uid("DU1")), june.get(uid("DU2"), 0)) == (1, 0)
    assert december[uid("DU1")] == 1
    assert december[uid("DU2")] == 2
    assert december[uid("CB3")] == 2
    assert december[uid("KDN")] == 3


def test_sql_level_coverage_source_pool_and_net_growth(world: World) -> None:
    build_tree(world)
    world.handlers.handle(
        world.principal,
        SetQuota(
            unit_code="KDN", period=YEAR, target=QuotaTarget.number(2), occurred_on=date(2024, 1, 5)
        ),
    )
    insert_rows(
        world,
        CANDIDATE_STAGES,
        [
            stage("c1", "sympathizer", "CB1", date(2023, 5, 1)),
            stage("c2", "applied", "CB3", date(2024, 2, 1), date(2024, 5, 1)),
            stage("c2", "decided", "CB3", date(2024, 5, 1)),
            stage("c3", "discovered", "CS", date(2024, 3, 1), date(2024, 4, 1)),
            stage("c3", "rejected", "CS", date(2024, 4, 1)),
            stage("c4", "probationary", "CB1", date(2023, 1, 1), date(2024, 9, 1)),
            stage("c4", "removed_from_list", "CB1", date(2024, 9, 1)),
            stage("c5", "sympathizer", "CB3", date(2024, 1, 1)),
            stage("c6", "awareness_trained", "CB3", date(2024, 1, 1)),
        ],
    )
    insert_rows(world, ADMISSIONS, [admission("c2", "CB3", date(2024, 5, 1))])
    cut = Cut(date(2024, 12, 31))
    with world.read() as tx:
        covered = coverage(tx, cut, YEAR)
        pool = source_pool(tx, cut, YEAR, uid("KDN"))
        bloc = membership_change(tx, cut, YEAR, uid("KDN"))
        du1 = membership_change(tx, cut, YEAR, uid("DU1"))
        before_removal = membership_change(tx, Cut(date(2024, 8, 31)), YEAR, uid("DU1"))
    # DU1 (c1), DU2 (c2) and CS (c3) had candidates in 2024; only DU2 admitted
    assert (covered.organizations, covered.admitting, covered.percent) == (3, 1, Decimal("33.33"))
    assert set(covered.without_admission) == {uid("DU1"), uid("CS")}
    # c1, c5, c6 are still before admission, but only c6 is through the awareness class: the
    # pool is 1 against a quota of 2 → 0.50, outside the wanted 3–4 (1.5–2 × 2)
    assert (pool.pool, pool.quota, pool.ratio, pool.inside_band) == (1, 2, Decimal("0.50"), False)
    assert (pool.needed_min, pool.needed_max) == (3, 4)
    assert (pool.ratio_min, pool.ratio_max) == (Decimal("1.5"), Decimal("2"))
    assert pool.organizations == 6  # DU1, DU2, CS, CB1, CB2, CB3
    assert set(pool.without_candidates) == {uid("CS"), uid("CB2")}
    assert (bloc.admitted, bloc.removed, bloc.net_growth) == (1, 1, 0)
    assert (du1.admitted, du1.removed, du1.net_growth) == (0, 1, -1)
    assert before_removal.removed == 0


def admit(world: World, code: str, decided: date) -> None:
    """One case in CB1 from discovery to the admission decision, through the handlers."""
    for command in walk(
        code,
        Stage.DECIDED,
        steps=replace(DOSSIER_2025, decision=decided),
        who=person(f"Quần chúng {code}", date(1986, 4, 12)),  # past Youth Union age
        documents=doc,
    ):
        world.handlers.handle(world.principal, command)


def test_seed_001_six_admitted_in_nine_months_of_a_yearly_plan_of_seven(world: World) -> None:
    build_tree(world)
    year = Period.year(2025)
    world.handlers.handle(
        world.principal,
        SetQuota(
            unit_code="DU1",
            period=year,
            target=QuotaTarget.number(7),
            occurred_on=date(2025, 1, 10),
        ),
    )
    for n in range(6):
        admit(world, f"HS-{n}", date(2025, 6, 2 + n))
    with world.read() as tx:
        nine_months = unit_attainment(tx, Cut(date(2025, 9, 30)), year, uid("DU1"))
        in_may = unit_attainment(tx, Cut(date(2025, 5, 31)), year, uid("DU1"))
        bloc = unit_attainment(tx, Cut(date(2025, 9, 30)), year, uid("KDN"))
    assert (nine_months.admitted, nine_months.quota) == (6, 7)
    assert nine_months.percent == Decimal("85.71")
    assert nine_months.surplus == -1
    assert nine_months.met is False
    assert (in_may.admitted, in_may.percent) == (0, Decimal("0.00"))
    assert (bloc.source, bloc.quota, bloc.admitted) == ("sub_units", 7, 6)


def test_an_opening_balance_counts_in_admitted_marked_and_rolled_up(world: World) -> None:
    """A branch's admissions of 2024 up to 30/6 exist only as a count in a past report: they are
    added to its admitted (and its ancestors'), shown apart with the report's reference, from
    the day the count stands at; cases after that day add to it; a correction replaces it."""
    build_tree(world)
    h, p = world.handlers, world.principal
    h.handle(
        p,
        SetQuota(
            unit_code="CB1",
            period=YEAR,
            target=QuotaTarget.number(20),
            occurred_on=date(2024, 1, 5),
        ),
    )
    report = doc("BC", date(2024, 7, 2))
    balance = RecordOpeningBalance(
        unit_code="CB1",
        period=YEAR,
        admitted=9,
        as_of=date(2024, 6, 30),
        occurred_on=date(2024, 7, 2),
        document=report,
    )
    recorded = h.handle(p, balance)
    insert_rows(world, ADMISSIONS, [admission("after", "CB1", date(2024, 8, 1))])
    with world.read() as tx:
        before = unit_attainment(tx, Cut(date(2024, 6, 29)), YEAR, uid("CB1"))
        branch = unit_attainment(tx, Cut(date(2024, 12, 31)), YEAR, uid("CB1"))
        above = unit_attainment(tx, Cut(date(2024, 12, 31)), YEAR, uid("KDN"))
    assert (before.admitted, before.opening_balance) == (0, 0)
    assert (branch.admitted, branch.opening_balance, branch.quota) == (10, 9, 20)
    assert branch.percent == Decimal("50.00")
    (plan,) = branch.plans
    assert (plan.opening_admitted, plan.opening_as_of) == (9, date(2024, 6, 30))
    assert plan.opening_document == report.label()
    assert (above.admitted, above.opening_balance) == (10, 9)
    h.handle(p, replace(balance, admitted=11))
    with world.read() as tx:
        corrected = unit_attainment(tx, Cut(date(2024, 12, 31)), YEAR, uid("KDN"))
    assert (corrected.admitted, corrected.opening_balance) == (12, 11)
    insert_rows(world, ADMISSIONS, [admission("before", "CB1", date(2024, 5, 2))])
    with world.read() as tx:
        doubled = unit_attainment(tx, Cut(date(2024, 12, 31)), YEAR, uid("CB1"))
    (flagged,) = doubled.plans  # a case the balance already counts: counted twice, flagged
    assert (doubled.admitted, flagged.opening_overlap) == (13, 1)
    assert plan.opening_overlap == 0
    with world.read() as tx:
        assert recorded.position is not None
        entry = audit_entry(tx, recorded.position)
    assert entry is not None  # the auditor sees where the count comes from
    assert entry.summary_vi == (
        "Số dư đầu kỳ năm 2024 của Chi bộ Phòng Kỹ thuật (CB1): 9 đã kết nạp tính đến ngày "
        "30/06/2024, theo số liệu báo cáo (BC số BC-20240702 ngày 02/07/2024)"
    )
    assert "counted in a past report (report BC-20240702 of 02/07/2024)" in entry.summary_en
