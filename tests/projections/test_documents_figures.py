"""The figures say what the committees' documents say (issue 13, "What to build" 6), each built
from the numbers of the seed articles (``../shared/seeds/``):

- a department committee that is a grassroots committee is the root of its own tree (seed 001);
- attainment against the resolution's own target beside the one with supplementary quotas
  (seed 001: 32 of 30 = 106.67 %; with the 15 assigned in 2021, 32 of 45);
- where admissions stand against a range (seed 003: 200–220 a year);
- the source pool counts people already through the awareness class, judged against the whole
  wanted band (seed 000: 1.5–2 × 500–700 = 750–1,400);
- coverage of one unit's subtree; units meeting quota among the sub-units, the root not counted
  (seed 004: 10 of 15);
- a plan on the root (seed 004: "≥ 7 % of members") shown beside its sub-units' roll-up, with
  the headcount summed from the sub-units (seed 003: 3,232 members);
- a term counted from one congress to the next, no year in two terms (seeds 000, 001, 003).

Tests write admissions and stage rows straight into the candidate read models where the numbers
are large (the helpers of :mod:`tests.projections.test_attainment`).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.commands import (
    AssignSupplementaryQuota,
    EstablishUnit,
    RecordCongress,
    ReportHeadcount,
    SetQuota,
)
from domain.org_units import UnitKind
from domain.quotas import Period, QuotaTarget, RangeStatus
from domain.values import DocumentRef
from projections.candidates import ADMISSIONS, CANDIDATE_STAGES
from projections.cut import Cut
from projections.queries.attainment import (
    coverage,
    membership_change,
    quota_attainment,
    source_pool,
    unit_attainment,
    units_meeting_quota,
)
from projections.queries.org_tree import unit_on
from tests.projections.conftest import World
from tests.projections.test_attainment import admission, insert_rows, stage
from tests.projections.test_units import build_tree, doc, uid

YEAR = Period.year(2024)
TERM = Period.term(2020, 2025)


def department(world: World) -> None:
    """Seed 001: the Đảng bộ Sở LĐ-TB&XH, a grassroots committee at the root of the tenant,
    with 11 branches (196 members) under it."""
    h, p = world.handlers, world.principal
    h.handle(
        p,
        EstablishUnit(
            code="DU-SO",
            name="Đảng bộ Sở Lao động - Thương binh và Xã hội",
            kind=UnitKind.GRASSROOTS_COMMITTEE,
            parent_code=None,
            occurred_on=date(2015, 1, 5),
        ),
    )
    for n in range(11):
        h.handle(
            p,
            EstablishUnit(
                code=f"CB-{n:02d}",
                name=f"Chi bộ {n}",
                kind=UnitKind.BRANCH,
                parent_code="DU-SO",
                occurred_on=date(2015, 1, 5),
            ),
        )
        members = 16 if n else 36  # 36 + 10 × 16 = 196
        h.handle(
            p, ReportHeadcount(code=f"CB-{n:02d}", members=members, occurred_on=date(2020, 1, 1))
        )


def test_seed_001_a_department_committee_at_the_root_reads_32_of_30_and_32_of_45(
    world: World,
) -> None:
    """Seed 001: "Nhiệm kỳ 2020 - 2025, Đảng ủy Sở … đề ra chỉ tiêu kết nạp 30 đảng viên mới" —
    "đã kết nạp 32 đảng viên (đạt 106% chỉ tiêu Nghị quyết …)" — "hoàn thành chỉ tiêu kết nạp
    45 đảng viên (trong đó có chỉ tiêu kết nạp 15 đảng viên … giao bổ sung tăng thêm năm
    2021)". The server computes both: 32 of the resolution's 30 = 106.67 % (+2), and 32 of the
    quota of 45 = 71.11 % (13 short). The tenant's own committee is a grassroots committee, the
    root of its tree; its 196 members are its 11 branches' sum."""
    department(world)
    h, p = world.handlers, world.principal
    congress = DocumentRef(
        "Nghị quyết Đại hội", "01-NQ/ĐH", date(2020, 7, 15), "Đại hội Đảng bộ Sở"
    )
    h.handle(p, RecordCongress(occurred_on=date(2020, 7, 15), document=congress))
    h.handle(
        p,
        SetQuota(
            unit_code="DU-SO",
            period=TERM,
            target=QuotaTarget.number(30),
            occurred_on=date(2020, 8, 3),  # Kế hoạch số 01-KH/ĐU ngày 3/8/2020
        ),
    )
    h.handle(
        p,
        AssignSupplementaryQuota(
            unit_code="DU-SO",
            period=TERM,
            amount=15,
            reason="Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh giao bổ sung",
            occurred_on=date(2021, 6, 1),
            document=DocumentRef(
                "CV", "CV-2021", date(2021, 6, 1), "Đảng ủy Khối các cơ quan tỉnh"
            ),
        ),
    )
    start = date(2020, 9, 1)
    insert_rows(
        world,
        ADMISSIONS,
        [admission(f"c{n}", f"CB-{n % 11:02d}", start + timedelta(days=34 * n)) for n in range(32)],
    )
    cut = Cut(date(2023, 9, 30))
    with world.read() as tx:
        row = unit_attainment(tx, cut, TERM, uid("DU-SO"))
        root = unit_on(tx, cut, uid("DU-SO"))
    assert root is not None
    assert (root.parent_id, root.depth) == (None, 0)
    assert (root.headcount, root.headcount_rolled_up) == (196, True)
    assert (row.source, row.admitted) == ("plan", 32)
    assert (row.figures.target, row.figures.target_percent, row.figures.target_surplus) == (
        30,
        Decimal("106.67"),
        2,
    )
    assert (row.quota, row.percent, row.surplus, row.met) == (45, Decimal("71.11"), -13, False)


def test_seed_003_admissions_against_200_to_220_a_year_read_below_within_or_above(
    world: World,
) -> None:
    """Seed 003: "Năm 2018, Đảng bộ Khối DN tỉnh đề ra chỉ tiêu kết nạp từ 200 đến 220 đảng
    viên" — 199 admitted is below the range, 213 within it, 221 above it."""
    build_tree(world)
    year = Period.year(2018)
    world.handlers.handle(
        world.principal,
        SetQuota(
            unit_code="KDN",
            period=year,
            target=QuotaTarget.range(200, 220),
            occurred_on=date(2018, 1, 5),
        ),
    )
    insert_rows(
        world,
        ADMISSIONS,
        [admission(f"c{n}", "CB1", date(2018, 1, 10) + timedelta(days=n)) for n in range(221)],
    )
    seen = {}
    with world.read() as tx:
        for day, label in (
            (date(2018, 7, 27), 199),
            (date(2018, 8, 10), 213),
            (date(2018, 12, 31), 221),
        ):
            row = unit_attainment(tx, Cut(day), year, uid("KDN"))
            seen[row.admitted] = row.figures.range_status
            assert row.admitted == label
    assert seen == {199: RangeStatus.BELOW, 213: RangeStatus.WITHIN, 221: RangeStatus.ABOVE}


def test_seed_000_a_pool_of_1200_for_500_to_700_admissions_is_inside_750_to_1400(
    world: World,
) -> None:
    """Seed 000: "Tổng số lượng đảng viên kết nạp mới trong năm 2024 khoảng từ 500 đến 700" and
    "số quần chúng ưu tú đã được cử đi học lớp bồi dưỡng nhận thức về Đảng … (nguồn kết nạp phải
    xây dựng được gấp 1,5-2 lần chỉ tiêu kết nạp)". The pool counts the 1,200 already through the
    awareness class and not yet admitted — not the 300 only discovered or on the sympathizer
    list — and lies inside the wanted 750–1,400 (its ratio to the floor, 2.40, is shown too)."""
    build_tree(world)
    world.handlers.handle(
        world.principal,
        SetQuota(
            unit_code="KDN",
            period=YEAR,
            target=QuotaTarget.range(500, 700),
            occurred_on=date(2024, 1, 5),
        ),
    )
    trained = ["awareness_trained", "applied", "sponsored", "verified", "branch_resolved"]
    rows = [
        stage(f"t{n}", trained[n % len(trained)], ["CB1", "CB3", "CS"][n % 3], date(2024, 3, 1))
        for n in range(1200)
    ]
    rows += [
        stage(f"s{n}", ["discovered", "sympathizer"][n % 2], "CB1", date(2024, 3, 1))
        for n in range(300)
    ]
    insert_rows(world, CANDIDATE_STAGES, rows)
    with world.read() as tx:
        pool = source_pool(tx, Cut(date(2024, 6, 30)), YEAR, uid("KDN"))
    assert (pool.pool, pool.quota, pool.quota_max) == (1200, 500, 700)
    assert (pool.needed_min, pool.needed_max) == (750, 1400)
    assert pool.ratio == Decimal("2.40")
    assert pool.inside_band is True
    # CB2 has no one at all; DU2 (through CB3) and CS have trained candidates
    assert set(pool.without_candidates) == {uid("CB2")}


def test_the_source_pool_leaves_out_people_not_yet_sent_to_the_awareness_class(
    world: World,
) -> None:
    """Seed 000 counts "quần chúng ưu tú đã được cử đi học lớp bồi dưỡng nhận thức về Đảng":
    3 discovered and 2 on the sympathizer list are no pool yet — a branch with only them still
    has candidates (seed 004 counts the organisations with none at all)."""
    build_tree(world)
    world.handlers.handle(
        world.principal,
        SetQuota(
            unit_code="DU1", period=YEAR, target=QuotaTarget.number(2), occurred_on=date(2024, 1, 5)
        ),
    )
    insert_rows(
        world,
        CANDIDATE_STAGES,
        [stage(f"d{n}", "discovered", "CB1", date(2024, 2, 1)) for n in range(3)]
        + [stage(f"s{n}", "sympathizer", "CB2", date(2024, 2, 1)) for n in range(2)],
    )
    with world.read() as tx:
        pool = source_pool(tx, Cut(date(2024, 6, 30)), YEAR, uid("DU1"))
    assert (pool.pool, pool.needed_min, pool.needed_max, pool.inside_band) == (0, 3, 4, False)
    assert pool.without_candidates == ()


def test_coverage_of_one_unit_counts_the_organisations_of_its_subtree(world: World) -> None:
    """Seed 000: "phấn đấu 100% các tổ chức cơ sở đảng trực thuộc … (đơn vị có nguồn đối tượng
    đảng) có kết nạp đảng viên" — asked of one committee, coverage counts its own organisations:
    DU2 admitted (1 of 1, 100 %), the whole bloc 1 of 2."""
    build_tree(world)
    insert_rows(
        world,
        CANDIDATE_STAGES,
        [
            stage("c1", "sympathizer", "CB1", date(2024, 3, 1)),
            stage("c2", "applied", "CB3", date(2024, 2, 1), date(2024, 5, 1)),
            stage("c2", "decided", "CB3", date(2024, 5, 1)),
        ],
    )
    insert_rows(world, ADMISSIONS, [admission("c2", "CB3", date(2024, 5, 1))])
    cut = Cut(date(2024, 12, 31))
    with world.read() as tx:
        du2 = coverage(tx, cut, YEAR, uid("DU2"))
        du1 = coverage(tx, cut, YEAR, uid("DU1"))
        bloc = coverage(tx, cut, YEAR)
    assert (du2.organizations, du2.admitting, du2.percent) == (1, 1, Decimal("100.00"))
    assert (du1.organizations, du1.admitting, du1.percent) == (1, 0, Decimal("0.00"))
    assert (bloc.organizations, bloc.admitting) == (2, 1)


def test_seed_004_ten_of_fifteen_committees_meet_their_quota_the_province_not_counted(
    world: World,
) -> None:
    """Seed 004: "Có 10/15 đảng bộ kết nạp đảng viên đạt và vượt chỉ tiêu" — the province's 15
    committees, not the province itself (whose own plan is met too: it was "11 of 16")."""
    build_tree(world)
    h, p = world.handlers, world.principal
    h.handle(
        p,
        SetQuota(
            unit_code="KDN", period=YEAR, target=QuotaTarget.number(2), occurred_on=date(2024, 1, 5)
        ),
    )
    rows = []
    for n in range(15):
        code = f"DB-{n:02d}"
        h.handle(
            p,
            EstablishUnit(
                code=code,
                name=f"Đảng bộ {n}",
                kind=UnitKind.GRASSROOTS_COMMITTEE,
                parent_code="KDN",
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
        admitted = 2 if n < 10 else 1
        rows += [admission(f"{code}-{k}", code, date(2024, 4, 1 + k)) for k in range(admitted)]
    insert_rows(world, ADMISSIONS, rows)
    cut = Cut(date(2024, 12, 31))
    with world.read() as tx:
        province = units_meeting_quota(tx, cut, YEAR)
        asked = units_meeting_quota(tx, cut, YEAR, uid("KDN"))
        one = units_meeting_quota(tx, cut, YEAR, uid("DB-00"))
    assert (province.met, province.total) == (10, 15)
    assert uid("KDN") not in province.units_met
    assert (asked.met, asked.total) == (10, 15)
    assert (one.met, one.total) == (0, 0)


def test_seed_004_a_root_plan_of_7_percent_shows_beside_its_sub_units_roll_up(
    world: World,
) -> None:
    """Seed 004: "kết nạp đảng viên từ 7% trở lên so với tổng số đảng viên", the province then
    giving each committee its own quota; seed 003: 3,232 members, reported by its organisations
    (the bloc reports no total of its own). The root's row is its own 7 % of the rolled-up 3,232
    = 227 (rounded up), and beside it the sum its sub-units were given (100 + 80 + 30 = 210)."""
    build_tree(world)
    h, p = world.handlers, world.principal
    for code, members in {"DU1": 1500, "DU2": 1000, "CS": 732}.items():
        h.handle(p, ReportHeadcount(code=code, members=members, occurred_on=date(2023, 12, 31)))
    h.handle(
        p,
        SetQuota(
            unit_code="KDN",
            period=YEAR,
            target=QuotaTarget.percent("7"),
            occurred_on=date(2024, 1, 5),
        ),
    )
    for code, number in {"DU1": 100, "DU2": 80, "CS": 30}.items():
        h.handle(
            p,
            SetQuota(
                unit_code=code,
                period=YEAR,
                target=QuotaTarget.number(number),
                occurred_on=date(2024, 1, 5),
            ),
        )
    insert_rows(
        world,
        ADMISSIONS,
        [
            admission(f"c{n}", ["CB1", "CB3", "CS"][n % 3], date(2024, 2, 1) + timedelta(days=n))
            for n in range(215)
        ],
    )
    with world.read() as tx:
        rows = {r.unit_id: r for r in quota_attainment(tx, Cut(date(2024, 12, 31)), YEAR)}
    root = rows[uid("KDN")]
    assert root.source == "plan"
    [own] = root.plans
    assert (own.headcount, own.headcount_rolled_up, root.quota) == (3232, True, 227)
    assert (root.admitted, root.percent, root.met) == (215, Decimal("94.71"), False)
    assert root.sub_units is not None
    assert (root.sub_units.quota, root.sub_units.admitted) == (210, 215)
    assert (root.sub_units.percent, root.sub_units.met) == (Decimal("102.38"), True)
    assert rows[uid("DU1")].sub_units is None


def test_2025_counts_once_in_2020_2025_and_from_the_next_congress_in_2025_2030(
    world: World,
) -> None:
    """Terms run from one congress to the next. Without recorded congresses, the congress year
    belongs to the term that ends in it (seed 000: "từ đầu nhiệm kỳ đến hết năm 2024 đạt khoảng
    80% kế hoạch … nhiệm kỳ 2020-2025", four of five years): an admission of 2025 counts in
    2020–2025 only (it counted in both). Once the congress of 20/6/2025 is recorded, an admission
    from that day on counts in 2025–2030, one before it in 2020–2025."""
    build_tree(world)
    h, p = world.handlers, world.principal
    insert_rows(
        world,
        ADMISSIONS,
        [
            admission("a2020", "CB1", date(2020, 3, 1)),  # before the 2020 congress
            admission("a2020b", "CB1", date(2020, 11, 1)),  # after it
            admission("a2023", "CB1", date(2023, 5, 1)),
            admission("a2025", "CB1", date(2025, 3, 1)),  # before the 2025 congress
            admission("a2025b", "CB1", date(2025, 9, 1)),  # after it
        ],
    )
    later = Period.term(2025, 2030)
    cut = Cut(date(2025, 12, 31))
    with world.read() as tx:
        before = (
            membership_change(tx, cut, TERM, uid("KDN")).admitted,
            membership_change(tx, cut, later, uid("KDN")).admitted,
        )
    assert before == (3, 0)  # 2023 and both of 2025; 2020's belong to 2015–2020
    positions = [
        h.handle(
            p, RecordCongress(occurred_on=day, document=doc("Nghị quyết Đại hội", day))
        ).position
        for day in (date(2020, 6, 10), date(2025, 6, 20))
    ]
    assert positions[0] is not None
    # as recorded before the first congress was: the default bounds, as the reports said then
    earlier = Cut(cut.as_of, positions[0] - 1)
    with world.read() as tx:
        assert membership_change(tx, earlier, TERM, uid("KDN")).admitted == 3
    with world.read() as tx:
        after = (
            membership_change(tx, cut, TERM, uid("KDN")).admitted,
            membership_change(tx, cut, later, uid("KDN")).admitted,
        )
        year = membership_change(tx, cut, Period.year(2025), uid("KDN")).admitted
    assert after == (3, 1)  # a2020b, a2023, a2025 | a2025b
    assert year == 2
