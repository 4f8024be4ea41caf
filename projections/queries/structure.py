"""The structure of admitted members: age group, gender, ethnicity, religion, education,
professional and political-theory level, occupation and workplace type, per unit and in total.

An admission counts on the tenant's counting basis as recorded at the cut (``rm_policy``): the
admission decision date (default) or the ceremony date, in the unit the case belonged to on
that date (raw unit id). Only admissions made here count (``rm_admissions`` leaves out cases
received by transfer). Profiles are as recorded at the cut (a corrected birth date or
ethnicity changes the figures from the correction's position on).

Ethnicity and religion are counted by the codes of their lists (``domain.classifications``);
besides, the two figures the committees' plans name (e.g. "quan tâm kết nạp đảng viên trong
vùng đồng bào có đạo, vùng dân tộc thiểu số"): members of an ethnic minority (dân tộc thiểu số:
any of the 53 groups but the Kinh; a foreign origin or an undetermined old record is not one)
and members following a religion (người có đạo).

Youth Union members aged 18–30 (đoàn viên Đoàn Thanh niên từ 18 đến 30 tuổi, as the provinces'
quarterly reports count them: "262 đoàn viên", "213/333 từ 18 đến 30 tuổi"): admitted members whose
profile says they are Youth Union members and who were at most 30 on the counted date (nobody is
admitted before 18).

Age groups (age in whole years on the counted date; the national reports' bands):
``≤30`` (up to and including 30), ``31–40``, ``41–50``, ``51–60``, ``>60`` (admitted over 60
with the provincial standing committee's consent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.classifications import Ethnicity, Religion
from projections.cut import Cut
from projections.queries.pipeline import counting_basis
from projections.sql import Tx, as_date

AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("≤30", 0, 30),
    ("31–40", 31, 40),
    ("41–50", 41, 50),
    ("51–60", 51, 60),
    (">60", 61, None),
)

#: The oldest age counted among the Youth Union members of the reports ("từ 18 đến 30 tuổi").
YOUTH_UNION_MAX_AGE = 30

#: The profile columns counted, in report order (``rm_candidates`` columns).
DIMENSIONS: tuple[str, ...] = (
    "gender",
    "ethnicity",
    "religion",
    "education",
    "professional_level",
    "political_theory",
    "occupation",
    "workplace_type",
)

Counts = tuple[tuple[str, int], ...]


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def age_group(age: int) -> str:
    """The band of :data:`AGE_GROUPS` that ``age`` falls in."""
    for label, low, high in AGE_GROUPS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_GROUPS[0][0]


@dataclass(frozen=True)
class MemberStructure:
    """Admitted members of one unit (or of the whole tenant: ``unit_id`` None) by each trait.

    Each trait lists (value, count) for the values present, largest count first (ties by
    value); ``age_groups`` lists every band in order, zeros included.
    """

    unit_id: str | None
    admitted: int
    age_groups: Counts
    by: tuple[tuple[str, Counts], ...]  # (dimension, counts) in DIMENSIONS order
    #: Of an ethnic minority (dân tộc thiểu số): any group but the Kinh.
    ethnic_minority: int = 0
    #: Following a religion (người có đạo).
    religious: int = 0
    #: Youth Union members aged 18–30 on the counted date (đoàn viên thanh niên 18–30 tuổi).
    youth_union_18_30: int = 0

    def trait(self, dimension: str) -> Counts:
        """The counts of one dimension (see :data:`DIMENSIONS`)."""
        return dict(self.by)[dimension]


@dataclass(frozen=True)
class Structure:
    """The structure of the members admitted in a period, per unit and in total."""

    basis: str  # "decision_date" | "ceremony_date"
    start: date
    end: date
    units: tuple[MemberStructure, ...]
    total: MemberStructure


def admitted_structure(
    tx: Tx, cut: Cut, start: date, end: date, *, unit_ids: Sequence[str] | None = None
) -> Structure:
    """Members admitted between ``start`` and ``end`` (inclusive, and not after ``cut.as_of``)
    by unit and trait; ``unit_ids`` keeps only those units (raw ids)."""
    basis = counting_basis(tx, cut)
    day, unit = (
        ("ceremony_on", "ceremony_unit_id")
        if basis == "ceremony_date"
        else ("decision_on", "decision_unit_id")
    )
    known_a, pa = cut.known("a")
    known_c, pc = cut.known("c")
    columns = ", ".join(f"c.{d}" for d in DIMENSIONS)
    where = [known_a, known_c, f"a.{day} >= %s", f"a.{day} <= %s"]
    params: list[Any] = [*pa, *pc, start, min(end, cut.as_of)]
    if unit_ids is not None:
        if not unit_ids:
            return Structure(basis, start, end, (), _structure(None, []))
        where.append(f"a.{unit} IN ({', '.join(['%s'] * len(unit_ids))})")
        params += list(unit_ids)
    rows = tx.fetchall(
        f"SELECT a.{unit}, a.{day}, c.birth_date, c.youth_union, {columns} FROM rm_admissions a "
        "JOIN rm_candidates c ON c.candidate_id = a.candidate_id "
        f"WHERE {' AND '.join(where)}",
        params,
    )
    by_unit: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_unit.setdefault(str(row[0]), []).append(row)
    units = tuple(_structure(u, by_unit[u]) for u in sorted(by_unit))
    return Structure(basis, start, end, units, _structure(None, rows))


def _structure(unit_id: str | None, rows: Sequence[tuple[Any, ...]]) -> MemberStructure:
    ages: Counter[str] = Counter()
    traits: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    young_union = 0
    for row in rows:
        counted_on, born = as_date(row[1]), as_date(row[2])
        assert counted_on is not None
        assert born is not None
        age = age_on(born, counted_on)
        ages[age_group(age)] += 1
        young_union += int(bool(row[3]) and age <= YOUTH_UNION_MAX_AGE)
        for dimension, value in zip(DIMENSIONS, row[4:], strict=True):
            traits[dimension][str(value)] += 1
    return MemberStructure(
        unit_id,
        len(rows),
        tuple((label, ages[label]) for label, _, _ in AGE_GROUPS),
        tuple(
            (d, tuple(sorted(traits[d].items(), key=lambda kv: (-kv[1], kv[0]))))
            for d in DIMENSIONS
        ),
        ethnic_minority=sum(
            n for value, n in traits["ethnicity"].items() if Ethnicity(value).is_ethnic_minority
        ),
        religious=sum(n for value, n in traits["religion"].items() if Religion(value).is_religious),
        youth_union_18_30=young_union,
    )
