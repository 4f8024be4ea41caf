"""The structure of admitted members per unit and trait, on the tenant's counting basis."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.candidates import Stage
from domain.classifications import Ethnicity, Religion
from domain.commands import ChooseCountingBasis
from domain.tenant_policy import CountingBasis
from domain.values import (
    EducationLevel,
    Gender,
    MassOrganization,
    Occupation,
    PersonProfile,
    PoliticalTheoryLevel,
    ProfessionalLevel,
    WorkplaceType,
)
from projections.cut import Cut
from projections.queries.structure import admitted_structure, age_group, age_on
from tests.projections.cases import BulkCase, bulk_cases, establish_tree, take_case, unit
from tests.projections.conftest import World
from tests.walks import person

CB1, CB2 = unit("CB1"), unit("CB2")
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def youth(name: str, born: date, **traits: Any) -> PersonProfile:
    """A Youth Union member (the cohort's cases are introduced by the Youth Union)."""
    return person(name, born, is_youth_union_member=True, **traits)


def test_age_groups_are_whole_years_on_the_counted_day() -> None:
    assert age_on(date(1995, 7, 1), date(2025, 7, 1)) == 30
    assert age_on(date(1995, 7, 2), date(2025, 7, 1)) == 29
    assert [age_group(a) for a in (18, 30, 31, 40, 41, 50, 51, 60, 61)] == [
        "≤30",
        "≤30",
        "31–40",
        "31–40",
        "41–50",
        "41–50",
        "51–60",
        "51–60",
        ">60",
    ]


def _history(world: World) -> int | None:
    """Five members decided on 1/7/2025 (four in CB1, one in CB2), one of them (HS-K) also
    admitted at a ceremony on 15/7/2025, and a case never admitted; returns the position
    before the counting basis changes to the ceremony date."""
    establish_tree(world)
    on = MassOrganization.YOUTH_UNION
    bulk_cases(
        world,
        [
            BulkCase("A", on, True, who=youth("A", date(1995, 7, 1))),  # 30 on 1/7/2025
            BulkCase(
                "B",
                on,
                True,
                who=youth(
                    "B",
                    date(1994, 7, 1),  # 31
                    gender=Gender.MALE,
                    ethnicity=Ethnicity.TAY,
                    religion=Religion.BUDDHISM,
                    occupation=Occupation.INTELLECTUAL,
                    professional_level=ProfessionalLevel.UNIVERSITY,
                    workplace_type=WorkplaceType.STATE_ENTERPRISE,
                ),
            ),
            BulkCase(
                "C",
                on,
                True,
                who=youth("C", date(1975, 1, 1), political_theory=PoliticalTheoryLevel.ELEMENTARY),
            ),
            BulkCase(
                "D",
                on,
                True,
                unit_code="CB2",
                who=youth(
                    "D",
                    date(1966, 1, 1),  # 59
                    gender=Gender.MALE,
                    education=EducationLevel.LOWER_SECONDARY,
                    occupation=Occupation.FARMER,
                ),
            ),
            BulkCase("E", on, False, who=youth("E", date(2000, 1, 1))),
        ],
    )
    take_case(world, "HS-K", Stage.PROBATIONARY, who=person("K", date(2001, 3, 3)))
    with world.read() as tx:
        row = tx.fetchone("SELECT MAX(position) FROM rm_positions")
    return None if row is None else int(row[0])


def test_members_admitted_in_a_year_by_unit_and_trait(world: World) -> None:
    _history(world)
    with world.read() as tx:
        result = admitted_structure(tx, Cut(date(2025, 12, 31)), *YEAR)
    assert result.basis == "decision_date"
    assert result.total.admitted == 5
    assert result.total.age_groups == (
        ("≤30", 2),
        ("31–40", 1),
        ("41–50", 1),
        ("51–60", 1),
        (">60", 0),
    )
    assert result.total.trait("gender") == (("female", 3), ("male", 2))
    assert result.total.trait("ethnicity") == (("kinh", 4), ("tay", 1))
    assert result.total.trait("religion") == (("none", 4), ("buddhism", 1))
    assert (result.total.ethnic_minority, result.total.religious) == (1, 1)
    # Youth Union members 18–30: A (30 on the day); B is 31, K is young but not a member
    assert result.total.youth_union_18_30 == 1
    assert result.total.trait("education") == (("upper_secondary", 4), ("lower_secondary", 1))
    assert result.total.trait("professional_level") == (("none", 4), ("university", 1))
    assert result.total.trait("political_theory") == (("none", 4), ("elementary", 1))
    assert result.total.trait("occupation") == (
        ("worker", 3),
        ("farmer", 1),
        ("intellectual", 1),
    )
    assert result.total.trait("workplace_type") == (("other", 4), ("state_enterprise", 1))
    assert [(u.unit_id, u.admitted) for u in result.units] == sorted([(CB1, 4), (CB2, 1)])
    (cb2,) = [u for u in result.units if u.unit_id == CB2]
    assert cb2.age_groups[3] == ("51–60", 1)
    assert cb2.trait("occupation") == (("farmer", 1),)


def test_the_period_the_as_of_date_and_the_unit_filter_limit_the_count(world: World) -> None:
    _history(world)
    with world.read() as tx:
        assert (
            admitted_structure(
                tx, Cut(date(2025, 12, 31)), date(2025, 1, 1), date(2025, 6, 30)
            ).total.admitted
            == 0
        )
        assert admitted_structure(tx, Cut(date(2025, 6, 30)), *YEAR).total.admitted == 0
        only_cb2 = admitted_structure(tx, Cut(date(2025, 12, 31)), *YEAR, unit_ids=[CB2])
        assert (only_cb2.total.admitted, [u.unit_id for u in only_cb2.units]) == (1, [CB2])


def test_counting_by_ceremony_date_counts_only_members_admitted_at_a_ceremony(
    world: World,
) -> None:
    before = _history(world)
    world.handlers.handle(world.principal, ChooseCountingBasis(basis=CountingBasis.CEREMONY_DATE))
    with world.read() as tx:
        now = admitted_structure(tx, Cut(date(2025, 12, 31)), *YEAR)
        assert (now.basis, now.total.admitted, now.total.age_groups[0]) == (
            "ceremony_date",
            1,
            ("≤30", 1),
        )
        assert admitted_structure(tx, Cut(date(2025, 7, 14)), *YEAR).total.admitted == 0
        # as recorded before the tenant changed its basis, the report counted decisions
        then = admitted_structure(tx, Cut(date(2025, 12, 31), recorded=before), *YEAR)
        assert (then.basis, then.total.admitted) == ("decision_date", 5)
