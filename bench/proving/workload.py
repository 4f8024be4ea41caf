"""What the benchmarks record: a province's unit tree and its cases, as the command objects the
API, the CLI and the demo build (``tests.walks``), dated within a term.

Everything is derived from a seed, so two runs (and the two sides of one comparison) record the
same history. A case's commands go in the order of the procedure; :func:`case_commands` spreads
its steps over the weeks the procedure takes, from ``start``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.candidates import Stage
from domain.commands import Command, DeclareYouthUnionOrganisation, EstablishUnit, UnitChange
from domain.org_units import UnitKind
from domain.rules import AdmissionAuthority, Sponsor
from domain.values import Gender, PersonProfile
from service.demo import ETHNICITIES, OUTCOMES, RELIGIONS
from tests.walks import Steps, issued_by, walk
from tests.walks import person as profile

#: The province committee at the top of every benchmark tree.
TOP = "TU"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Hữu", "Ngọc", "Đức", "Thanh"]
GIVEN = ["Lan", "Hùng", "Mai", "Dũng", "Hà", "Tuấn", "Linh", "Sơn", "Trang", "Phúc", "Yến"]


@dataclass(frozen=True)
class Tree:
    """A province's units: the committee, grassroots committees (deciding admissions, without
    a Youth Union organisation: two members sponsor every candidate), and their branches, where
    cases live."""

    commands: tuple[UnitChange, ...]
    branches: tuple[str, ...]


def province_tree(units: int, *, on: date = date(2005, 1, 1)) -> Tree:
    """``units`` units (at least 3): the province committee ``TU``, one grassroots committee
    per 20 units (``DU001``…), each with its branches (``DU001-CB01``…)."""
    committees = max(1, (units - 1) // 20)
    per = (units - 1 - committees) // committees
    extra = (units - 1 - committees) % committees
    commands: list[UnitChange] = [
        EstablishUnit(
            code=TOP, name="Đảng bộ Tỉnh", kind=UnitKind.COMMITTEE, parent_code=None, occurred_on=on
        )
    ]
    branches: list[str] = []
    for c in range(1, committees + 1):
        code = f"DU{c:03d}"
        commands.append(
            EstablishUnit(
                code=code,
                name=f"Đảng bộ cơ sở {c}",
                kind=UnitKind.GRASSROOTS_COMMITTEE,
                parent_code=TOP,
                occurred_on=on,
                admission_authority=AdmissionAuthority.GRASSROOTS_COMMITTEE,
            )
        )
        commands.append(DeclareYouthUnionOrganisation(code=code, present=False, occurred_on=on))
        for b in range(1, per + (1 if c <= extra else 0) + 1):
            branch = f"{code}-CB{b:02d}"
            commands.append(
                EstablishUnit(
                    code=branch,
                    name=f"Chi bộ {b} thuộc Đảng bộ cơ sở {c}",
                    kind=UnitKind.BRANCH,
                    parent_code=code,
                    occurred_on=on,
                )
            )
            branches.append(branch)
    established = sum(isinstance(command, EstablishUnit) for command in commands)
    assert established == units, (established, units)
    return Tree(tuple(commands), tuple(branches))


def steps_from(start: date, rng: random.Random) -> Steps:
    """A case's step dates from its discovery on ``start``: months of sympathy and training,
    weeks between the dossier's steps (all on or after the previous one)."""
    day = start
    dates: list[date] = []
    for low, high in (
        (0, 0),  # discovered
        (20, 60),  # sympathizer list
        (30, 120),  # awareness certificate
        (10, 90),  # application
        (3, 10),  # sponsors
        (20, 40),  # verification
        (1, 5),  # comments
        (10, 30),  # branch resolution
        (7, 20),  # committee resolution
        (10, 25),  # decision
        (1, 3),  # decision received
        (7, 20),  # ceremony
        (60, 120),  # new member class
        (320, 350),  # recognition vote: probation (12 months from the ceremony) over
        (10, 25),  # recognition decision
    ):
        day = day + timedelta(days=rng.randint(low, high))
        dates.append(day)
    return Steps(*dates)


def person(number: int, start: date, rng: random.Random) -> PersonProfile:
    """A candidate, 19 to 40 years old when discovered."""
    born = start - timedelta(days=rng.randint(19 * 366, 40 * 365))
    gender = Gender.FEMALE if number % 2 else Gender.MALE
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    # by number, not drawn: the seed's other draws stay as they were
    ethnicity, religion = ETHNICITIES[number % 20], RELIGIONS[number % 10]
    return profile(name, born, gender=gender, ethnicity=ethnicity, religion=religion)


def sponsors(start: date, number: int) -> tuple[Sponsor, Sponsor]:
    """Two official members who have worked with the candidate for three years."""
    since = start - timedelta(days=3 * 365)
    joined = start - timedelta(days=12 * 365)
    return (
        Sponsor(f"DV{number:06d}A", "Đảng viên giới thiệu A", joined, since),
        Sponsor(f"DV{number:06d}B", "Đảng viên giới thiệu B", joined, since),
    )


def case_commands(
    number: int, unit: str, start: date, until: Stage, rng: random.Random, *, prefix: str = "HS"
) -> list[Command]:
    """The commands of case ``{prefix}-{number:06d}`` in ``unit``, discovered on ``start``,
    taken to ``until``."""
    return list(
        walk(
            f"{prefix}-{number:06d}",
            until,
            steps=steps_from(start, rng),
            unit_code=unit,
            who=person(number, start, rng),
            documents=issued_by(f"Chi bộ {unit}"),
            sponsors=sponsors(start, number),
        )
    )


#: Where seeded cases stop (the demo's weights, exits left out), and the latest discovery
#: date that lets each stage's steps fall before ``LAST_DAY``.
STOPS = [(stage, weight) for stage, weight in OUTCOMES if not stage.is_exit]
FIRST_DAY, LAST_DAY = date(2020, 1, 6), date(2026, 10, 30)
LONGEST = 1000  # days: the latest possible recognition decision after discovery


def cases(
    count: int, branches: Sequence[str], rng: random.Random, *, first_number: int = 1
) -> Iterator[list[Command]]:
    """``count`` cases over ``branches``, each stopped at a stage drawn from :data:`STOPS`,
    discovered between :data:`FIRST_DAY` and a date its steps fit before :data:`LAST_DAY`."""
    stages = [s for s, _ in STOPS]
    weights = [w for _, w in STOPS]
    order = list(Stage)
    for number in range(first_number, first_number + count):
        target = rng.choices(stages, weights)[0]
        # days its steps may take, at most: the share of LONGEST its stage is along the way
        need = LONGEST * (order.index(target) + 1) // (order.index(Stage.FULL_MEMBER) + 1)
        span = (LAST_DAY - FIRST_DAY).days - need
        start = FIRST_DAY + timedelta(days=rng.randint(0, span))
        yield case_commands(number, branches[number % len(branches)], start, target, rng)
