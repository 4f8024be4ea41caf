"""The committees' forms, filled from the read-model queries the GraphQL dashboards use.

Each figure of a form is one the dashboards give for the same unit, period and cut — never a
second computation of it:

- ``new-members`` (đảng viên mới kết nạp): :func:`structure.admitted_structure` over the unit's
  subtree and the counted period (the ``structure`` dashboard with ``unitCode``);
- ``membership-change`` (tăng, giảm đảng viên): :func:`unit_report.unit_report` (``unitReport``:
  each unit's ``membershipChange``);
- ``attainment`` (kết quả thực hiện chỉ tiêu, the quarterly/yearly report):
  :func:`unit_report.unit_report` (quota, opening balance, admitted, attainment, source pool,
  overdue cases), :func:`attainment.units_meeting_quota` (``unitsMeetingQuota``) and
  :func:`pipeline.stage_counts` over the subtree (``stageCounts`` with ``unitCode``).

A total row's figure is the query's own total where one exists (``structure``'s ``total``);
where the form adds up rows the dashboards give one by one (the pipeline per stage), the total
is that sum — the spreadsheet's formula, checked by :meth:`model.Table.check`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TypeVar

from domain import ids
from domain.candidates import BEFORE_CEREMONY_STAGES, Stage
from domain.errors import InvalidInput, NotFound
from domain.quotas import Period, PeriodKind, percent_of
from domain.values import (
    EducationLevel,
    Gender,
    Occupation,
    PoliticalTheoryLevel,
    ProfessionalLevel,
)
from projections.cut import Cut
from projections.queries import attainment, org_tree, pipeline, structure
from projections.queries.org_tree import UnitNode
from projections.queries.unit_report import UnitReportRow, unit_report
from projections.sql import Tx
from service.forms.model import (
    Column,
    Difference,
    Figure,
    Form,
    Header,
    Kind,
    Row,
    Sum,
    Table,
    evaluate,
)

E = TypeVar("E", bound=Enum)


@dataclass(frozen=True)
class FormKind:
    """A form the service can fill: its name, title and the layout it follows."""

    name: str
    title_vi: str
    title_en: str
    reference: str


NEW_MEMBERS = FormKind(
    "new-members",
    "Biểu thống kê đảng viên mới kết nạp",
    "New party members admitted (statistics form)",
    "Cơ cấu theo các tiêu chí của biểu thống kê cơ bản về đảng viên (Hướng dẫn 11-HD/BTCTW "
    "ngày 13/12/2021); bố cục: docs/reports.md",
)
MEMBERSHIP_CHANGE = FormKind(
    "membership-change",
    "Biểu tăng, giảm đảng viên",
    "Increase and decrease of party members",
    "Phần tăng (kết nạp), giảm (xóa tên, ra khỏi Đảng) của biểu thống kê đảng viên "
    "(Hướng dẫn 11-HD/BTCTW); bố cục: docs/reports.md",
)
ATTAINMENT = FormKind(
    "attainment",
    "Báo cáo kết quả thực hiện chỉ tiêu kết nạp đảng viên",
    "Quota attainment report (quarterly / yearly)",
    "Báo cáo định kỳ (quý, năm) về thực hiện kế hoạch, chỉ tiêu kết nạp; bố cục: docs/reports.md",
)
FORMS: dict[str, FormKind] = {f.name: f for f in (NEW_MEMBERS, MEMBERSHIP_CHANGE, ATTAINMENT)}


def form_kind(name: str) -> FormKind:
    """The form called ``name`` (bilingual ``FORM_NOT_FOUND`` otherwise)."""
    found = FORMS.get(name)
    if found is None:
        known = ", ".join(FORMS)
        raise NotFound(
            "FORM_NOT_FOUND",
            f"Không có biểu mẫu «{name[:40]}»; các biểu mẫu: {known}.",
            f"There is no form '{name[:40]}'; the forms are: {known}.",
            field="form",
        )
    return found


# --- Vietnamese names of the values counted -----------------------------------------------------
_GENDER = {Gender.FEMALE: ("Nữ", "women"), Gender.MALE: ("Nam", "men")}
_EDUCATION = {
    EducationLevel.NONE: ("Chưa qua giáo dục phổ thông", "no general education"),
    EducationLevel.PRIMARY: ("Tiểu học", "primary"),
    EducationLevel.LOWER_SECONDARY: ("Trung học cơ sở", "lower secondary"),
    EducationLevel.UPPER_SECONDARY: ("Trung học phổ thông", "upper secondary"),
}
_PROFESSIONAL = {
    ProfessionalLevel.NONE: ("Chưa qua đào tạo", "none"),
    ProfessionalLevel.VOCATIONAL: ("Sơ cấp, trung cấp", "vocational"),
    ProfessionalLevel.COLLEGE: ("Cao đẳng", "college"),
    ProfessionalLevel.UNIVERSITY: ("Đại học", "university"),
    ProfessionalLevel.POSTGRADUATE: ("Thạc sĩ, tiến sĩ", "postgraduate"),
}
_THEORY = {
    PoliticalTheoryLevel.NONE: ("Chưa qua đào tạo", "none"),
    PoliticalTheoryLevel.ELEMENTARY: ("Sơ cấp", "elementary"),
    PoliticalTheoryLevel.INTERMEDIATE: ("Trung cấp", "intermediate"),
    PoliticalTheoryLevel.ADVANCED: ("Cao cấp, cử nhân", "advanced"),
}
_OCCUPATION = {
    Occupation.WORKER: ("Công nhân", "workers"),
    Occupation.FARMER: ("Nông dân", "farmers"),
    Occupation.INTELLECTUAL: ("Trí thức", "intellectuals"),
    Occupation.STUDENT: ("Học sinh, sinh viên", "students"),
    Occupation.PRIVATE_ENTERPRISE_EMPLOYEE: (
        "Người lao động doanh nghiệp tư nhân",
        "private enterprise employees",
    ),
    Occupation.CIVIL_SERVANT: ("Cán bộ, công chức, viên chức", "civil servants"),
    Occupation.ARMED_FORCES: ("Lực lượng vũ trang", "armed forces"),
    Occupation.OTHER: ("Khác", "other"),
}
_AGE = {
    "≤30": ("Đến 30 tuổi", "up to 30"),
    "31–40": ("Từ 31 đến 40 tuổi", "31–40"),
    "41–50": ("Từ 41 đến 50 tuổi", "41–50"),
    "51–60": ("Từ 51 đến 60 tuổi", "51–60"),
    ">60": ("Trên 60 tuổi", "over 60"),
}
_PLAN_SOURCE = {
    "set": "kế hoạch của kỳ / set",
    "derived_from_year": "chia từ kế hoạch năm / year's share",
    "sub_units": "cộng đơn vị trực thuộc / sub-units",
}
#: The stages of the pipeline table: the candidates (quần chúng) up to the decision, in the
#: procedure's order (the order ``Stage`` declares them in).
PIPELINE_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s in BEFORE_CEREMONY_STAGES)


# --- what a form is asked for -------------------------------------------------------------------
@dataclass(frozen=True)
class FormRequest:
    """A form asked for: which, for which unit (code; None: the tenant's one root), period and
    cut (business date, recording time)."""

    form: FormKind
    period: Period
    cut: Cut
    recorded_at: datetime | None
    unit_code: str | None = None


def unit_asked(tx: Tx, cut: Cut, tenant: str, code: str | None) -> UnitNode:
    """The unit ``code`` on ``cut.as_of``; without a code the tenant's one root then."""
    if code is not None:
        node = org_tree.unit_on(tx, cut, str(ids.unit_id(tenant, code)))
        if node is None:
            raise NotFound(
                "NOT_FOUND",
                f"Không tìm thấy đơn vị «{code[:40]}» vào ngày {cut.as_of:%d/%m/%Y}.",
                f"No unit '{code[:40]}' existed on {cut.as_of:%d/%m/%Y}.",
                field="unit",
            )
        return node
    roots = [n for n in org_tree.units_on(tx, cut) if n.parent_id is None]
    if len(roots) != 1:
        raise InvalidInput(
            "UNIT_REQUIRED",
            f"Vào ngày {cut.as_of:%d/%m/%Y} đơn vị sử dụng có {len(roots)} đơn vị gốc: hãy chọn "
            "một đơn vị (unit).",
            f"On {cut.as_of:%d/%m/%Y} the tenant has {len(roots)} root units: name one (unit).",
            field="unit",
        )
    return roots[0]


def period_name(period: Period) -> str:
    """The period as the reports name it: "Năm 2024", "Quý III/2024", "Tháng 7/2024",
    "Nhiệm kỳ 2020–2025"."""
    start = period.start
    if period.kind is PeriodKind.YEAR:
        return f"Năm {start.year}"
    if period.kind is PeriodKind.QUARTER:
        return f"Quý {('I', 'II', 'III', 'IV')[(start.month - 1) // 3]}/{start.year}"
    if period.kind is PeriodKind.MONTH:
        return f"Tháng {start.month}/{start.year}"
    return f"Nhiệm kỳ {start.year}–{period.end.year}"


def build_form(tx: Tx, tenant: str, committee: str, asked: FormRequest) -> Form:
    """The form ``asked`` for, filled from the read models in ``tx`` (one read transaction)."""
    cut = asked.cut
    top = unit_asked(tx, cut, tenant, asked.unit_code)
    counted = attainment.counted(tx, cut, asked.period)
    header = Header(
        committee=committee,
        unit_code=top.code,
        unit_name=top.name,
        period_key=asked.period.key,
        period_label=f"{period_name(asked.period)} ({counted.start:%d/%m/%Y} – "
        f"{counted.end:%d/%m/%Y})",
        as_of=cut.as_of,
        as_recorded_at=asked.recorded_at,
        source=_SOURCES[asked.form.name],
    )
    tables = _BUILDERS[asked.form.name](tx, cut, asked.period, top)
    form = asked.form
    return Form(form.name, form.title_vi, form.title_en, form.reference, header, tables).check()


_SOURCES = {
    "new-members": "Ketnap: structure (cơ cấu đảng viên mới kết nạp)",
    "membership-change": "Ketnap: unitReport.membershipChange (tăng, giảm)",
    "attainment": "Ketnap: unitReport, unitsMeetingQuota, stageCounts",
}


# --- new members ----------------------------------------------------------------------------------
_CRITERIA = (
    Column("no", "STT", "no.", Kind.TEXT, 6),
    Column("criterion", "Chỉ tiêu thống kê", "criterion", Kind.TEXT, 44),
    Column("count", "Số lượng", "count", Kind.COUNT, 12),
    Column("percent", "Tỷ lệ % so với tổng số", "% of all admitted", Kind.PERCENT, 14),
)


def _new_members(tx: Tx, cut: Cut, period: Period, top: UnitNode) -> tuple[Table, ...]:
    days = attainment.counted(tx, cut, period)
    inside = sorted(org_tree.subtree(tx, cut, top.unit_id))
    found = structure.admitted_structure(tx, cut, days.start, days.end, unit_ids=inside)
    total = found.total
    admitted = total.admitted
    rows: list[Row] = []

    def line(no: str, vi: str, en: str, count: int, *, level: int = 1) -> None:
        rows.append(
            Row(
                {
                    "no": no,
                    "criterion": f"{vi} ({en})",
                    "count": count,
                    "percent": percent_of(count, admitted),
                },
                level=level,
            )
        )

    def group(no: str, vi: str, en: str, counts: Sequence[tuple[str, str, int]]) -> None:
        rows.append(Row({"no": no, "criterion": f"{vi} ({en})"}, heading=True))
        first = len(rows)
        for index, (item_vi, item_en, count) in enumerate(counts, start=1):
            line(f"{no}.{index}", item_vi, item_en, count, level=1)
        rows.append(
            Row(
                {
                    "no": "",
                    "criterion": "Cộng (total)",
                    "count": admitted,  # the query's total: the group's rows add up to it
                    "percent": percent_of(admitted, admitted),
                },
                formulas={"count": Sum(tuple(range(first, len(rows))))},
                level=1,
                total=True,
            )
        )

    rows.append(
        Row(
            {
                "no": "",
                "criterion": "Tổng số đảng viên mới kết nạp (all admitted)",
                "count": admitted,
                "percent": percent_of(admitted, admitted),
            },
            total=True,
        )
    )
    group("1", "Giới tính", "gender", _by(total.trait("gender"), _GENDER, Gender))
    rows.append(
        Row(
            {"no": "2", "criterion": "Dân tộc, tôn giáo, đoàn viên (ethnicity, religion, youth)"},
            heading=True,
        )
    )
    line("2.1", "Dân tộc thiểu số", "ethnic minorities", total.ethnic_minority)
    line("2.2", "Người có đạo", "following a religion", total.religious)
    line(
        "2.3",
        "Đoàn viên thanh niên từ 18 đến 30 tuổi",
        "Youth Union members aged 18–30",
        total.youth_union_18_30,
    )
    group(
        "3",
        "Tuổi đời khi kết nạp",
        "age when admitted",
        [(*_AGE[label], count) for label, count in total.age_groups],
    )
    group(
        "4",
        "Trình độ giáo dục phổ thông",
        "general education",
        _by(total.trait("education"), _EDUCATION, EducationLevel),
    )
    group(
        "5",
        "Trình độ chuyên môn",
        "professional level",
        _by(total.trait("professional_level"), _PROFESSIONAL, ProfessionalLevel),
    )
    group(
        "6",
        "Trình độ lý luận chính trị",
        "political theory",
        _by(total.trait("political_theory"), _THEORY, PoliticalTheoryLevel),
    )
    group("7", "Nghề nghiệp", "occupation", _by(total.trait("occupation"), _OCCUPATION, Occupation))
    criteria = Table(
        "structure",
        "Cơ cấu",
        "Cơ cấu đảng viên mới kết nạp",
        "Structure of the members admitted",
        _CRITERIA,
        tuple(rows),
        note=f"Tính theo {_BASIS[found.basis]}; tuổi tính đến ngày đó.",
    )
    return criteria, _new_members_by_unit(tx, cut, found)


_BASIS = {
    "decision_date": "ngày quyết định kết nạp (decision date)",
    "ceremony_date": "ngày lễ kết nạp (ceremony date)",
}

_BY_UNIT = (
    Column("code", "Mã đơn vị", "unit code", Kind.TEXT, 14),
    Column("unit", "Tên đơn vị", "unit", Kind.TEXT, 40),
    Column("admitted", "Tổng số kết nạp", "admitted", Kind.COUNT, 11),
    Column("women", "Nữ", "women", Kind.COUNT, 8),
    Column("ethnic_minority", "Dân tộc thiểu số", "ethnic minorities", Kind.COUNT, 11),
    Column("religious", "Có đạo", "religious", Kind.COUNT, 8),
    Column("up_to_30", "Đến 30 tuổi", "aged up to 30", Kind.COUNT, 10),
    Column("youth_union", "Đoàn viên 18–30 tuổi", "Youth Union, 18–30", Kind.COUNT, 11),
)


def _unit_figures(figures: structure.MemberStructure) -> dict[str, Figure]:
    return {
        "admitted": figures.admitted,
        "women": dict(figures.trait("gender")).get(Gender.FEMALE.value, 0),
        "ethnic_minority": figures.ethnic_minority,
        "religious": figures.religious,
        "up_to_30": dict(figures.age_groups)["≤30"],
        "youth_union": figures.youth_union_18_30,
    }


def _new_members_by_unit(tx: Tx, cut: Cut, found: structure.Structure) -> Table:
    names = {n.unit_id: n for n in org_tree.units_on(tx, cut, include_closed=True)}
    rows = []
    for figures in sorted(found.units, key=lambda u: _code(names, u.unit_id or "")):
        assert figures.unit_id is not None
        node = names.get(figures.unit_id)
        rows.append(
            Row(
                {
                    "code": _code(names, figures.unit_id),
                    "unit": node.name if node else "",
                    **_unit_figures(figures),
                }
            )
        )
    every = tuple(range(len(rows)))
    total = Row(
        {"code": "", "unit": "Tổng cộng (total)", **_unit_figures(found.total)},
        formulas={key: Sum(every) for key in _unit_figures(found.total)},
        total=True,
    )
    return Table(
        "by_unit",
        "Theo đơn vị",
        "Đảng viên mới kết nạp theo đơn vị",
        "Members admitted per unit",
        _BY_UNIT,
        (*rows, total),
        note="Mỗi dòng: đơn vị nơi đảng viên được kết nạp (chi bộ) vào ngày được tính.",
    )


def _code(names: dict[str, UnitNode], unit_id: str) -> str:
    node = names.get(unit_id)
    return node.code if node else unit_id


def _by(
    counts: structure.Counts, labels: dict[E, tuple[str, str]], kind: type[E]
) -> list[tuple[str, str, int]]:
    """Every value of ``kind`` in order with its count (zeros too), then any value the list no
    longer has (an old record), as it is written."""
    found = dict(counts)
    rows = [(vi, en, found.pop(value.value, 0)) for value, (vi, en) in labels.items()]
    rows += [(key, key, count) for key, count in sorted(found.items())]
    return rows


# --- membership change ----------------------------------------------------------------------------
_CHANGE = (
    Column("code", "Mã đơn vị", "unit code", Kind.TEXT, 14),
    Column("unit", "Tên đơn vị", "unit", Kind.TEXT, 44),
    Column("admitted", "Tăng: kết nạp mới", "increase: admitted", Kind.COUNT, 12),
    Column("removed", "Giảm: xóa tên, ra khỏi Đảng", "decrease: removed", Kind.COUNT, 14),
    Column("net_growth", "Tăng thực (tăng − giảm)", "net growth", Kind.COUNT, 12),
)


def _in_tree_order(rows: Sequence[UnitReportRow]) -> list[UnitReportRow]:
    """``rows`` (root first, then by depth and code) as the tree reads: each unit followed by
    the units under it, by code."""
    children: dict[str | None, list[UnitReportRow]] = {}
    ids = {r.attainment.unit_id for r in rows}
    for r in rows:
        parent = r.attainment.parent_id
        children.setdefault(parent if parent in ids else None, []).append(r)
    ordered: list[UnitReportRow] = []

    def visit(parent: str | None) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: r.attainment.code):
            ordered.append(r)
            visit(r.attainment.unit_id)

    visit(None)
    return ordered


def _membership_change(tx: Tx, cut: Cut, period: Period, top: UnitNode) -> tuple[Table, ...]:
    depth = {n.unit_id: n.depth for n in org_tree.units_on(tx, cut, include_closed=True)}
    rows = []
    for r in _in_tree_order(unit_report(tx, cut, period, top.unit_id)):
        change = r.change
        rows.append(
            Row(
                {
                    "code": r.attainment.code,
                    "unit": r.attainment.name,
                    "admitted": change.admitted,
                    "removed": change.removed,
                    "net_growth": change.net_growth,
                },
                formulas={"net_growth": Difference("admitted", "removed")},
                level=depth.get(r.attainment.unit_id, 0) - top.depth,
                total=r.attainment.unit_id == top.unit_id,
            )
        )
    return (
        Table(
            "membership_change",
            "Tăng, giảm",
            "Tăng, giảm đảng viên",
            "Increase and decrease of members",
            _CHANGE,
            tuple(rows),
            note="Mỗi dòng tính cả các đơn vị trực thuộc đơn vị đó (dòng đầu: toàn đảng bộ).",
        ),
    )


# --- attainment -----------------------------------------------------------------------------------
_ATTAINMENT = (
    Column("code", "Mã đơn vị", "unit code", Kind.TEXT, 12),
    Column("unit", "Tên đơn vị", "unit", Kind.TEXT, 34),
    Column("plan", "Chỉ tiêu theo", "quota from", Kind.TEXT, 16),
    Column("quota", "Chỉ tiêu", "quota", Kind.COUNT, 9),
    Column("opening", "Số dư đầu kỳ", "opening balance", Kind.COUNT, 9),
    Column("admitted", "Đã kết nạp", "admitted", Kind.COUNT, 9),
    Column("percent", "Tỷ lệ %", "attainment %", Kind.PERCENT, 9),
    Column("surplus", "Vượt (+) / thiếu (−)", "surplus", Kind.COUNT, 10),
    Column("met", "Đạt chỉ tiêu", "met", Kind.TEXT, 9),
    Column("pool", "Nguồn kết nạp", "source pool", Kind.COUNT, 9),
    Column("pool_ratio", "Nguồn / chỉ tiêu", "pool ratio", Kind.RATIO, 9),
    Column("overdue", "Hồ sơ quá hạn", "overdue cases", Kind.COUNT, 9),
)


def _plan_source(row: attainment.UnitAttainment) -> str:
    if row.source is None:
        return "—"
    if row.source == "plan":
        return _PLAN_SOURCE[row.plans[0].plan_source]
    return _PLAN_SOURCE["sub_units"]


def _met(value: bool | None) -> str:
    return "—" if value is None else ("Đạt" if value else "Chưa đạt")


def _attainment(tx: Tx, cut: Cut, period: Period, top: UnitNode) -> tuple[Table, ...]:
    depth = {n.unit_id: n.depth for n in org_tree.units_on(tx, cut, include_closed=True)}
    rows = []
    for r in _in_tree_order(unit_report(tx, cut, period, top.unit_id)):
        a = r.attainment
        rows.append(
            Row(
                {
                    "code": a.code,
                    "unit": a.name,
                    "plan": _plan_source(a),
                    "quota": a.quota,
                    "opening": a.opening_balance,
                    "admitted": a.admitted,
                    "percent": a.percent,
                    "surplus": a.surplus,
                    "met": _met(a.met),
                    "pool": r.pool.pool,
                    "pool_ratio": r.pool.ratio,
                    "overdue": r.overdue,
                },
                level=depth.get(a.unit_id, 0) - top.depth,
                total=a.unit_id == top.unit_id,
            )
        )
    meeting = attainment.units_meeting_quota(tx, cut, period, top.unit_id)
    quota = Table(
        "attainment",
        "Chỉ tiêu",
        "Kết quả thực hiện chỉ tiêu kết nạp đảng viên",
        "Quota attainment per unit",
        _ATTAINMENT,
        tuple(rows),
        note=(
            f"Đơn vị trực thuộc đạt chỉ tiêu / sub-units meeting their quota: {meeting.met} / "
            f"{meeting.total}. Mỗi dòng tính cả các đơn vị trực thuộc; nguồn kết nạp: quần chúng "
            "đã học lớp nhận thức về Đảng, chưa được kết nạp."
        ),
    )
    return quota, _pipeline(tx, cut, top)


def _pipeline(tx: Tx, cut: Cut, top: UnitNode) -> Table:
    inside = sorted(org_tree.subtree(tx, cut, top.unit_id))
    counts: dict[str, dict[str, int]] = {}
    for c in pipeline.stage_counts(tx, cut, unit_ids=inside):
        if c.stage in PIPELINE_STAGES:
            counts.setdefault(c.unit_id, {})[c.stage.value] = c.count
    names = {n.unit_id: n for n in org_tree.units_on(tx, cut, include_closed=True)}
    columns = (
        Column("code", "Mã đơn vị", "unit code", Kind.TEXT, 12),
        *(
            Column(s.value, s.label_vi[:1].upper() + s.label_vi[1:], s.value.replace("_", " "))
            for s in PIPELINE_STAGES
        ),
    )
    rows = [
        Row(
            {
                "code": _code(names, unit),
                **{s.value: counts[unit].get(s.value, 0) for s in PIPELINE_STAGES},
            }
        )
        for unit in sorted(counts, key=lambda u: _code(names, u))
    ]
    every = tuple(range(len(rows)))
    formulas: dict[str, Sum] = {s.value: Sum(every) for s in PIPELINE_STAGES}
    sums: dict[str, Figure] = {
        key: evaluate(rows, Row({}), key, formula) for key, formula in formulas.items()
    }
    total = Row({"code": "Tổng cộng", **sums}, formulas=dict(formulas), total=True)
    return Table(
        "pipeline",
        "Nguồn theo bước",
        "Nguồn phát triển đảng viên theo bước (số hồ sơ)",
        "Pipeline: cases per stage",
        columns,
        (*rows, total),
        note="Số hồ sơ ở mỗi bước vào ngày tính, theo chi bộ đang theo dõi hồ sơ.",
    )


_BUILDERS: dict[str, Callable[[Tx, Cut, Period, UnitNode], tuple[Table, ...]]] = {
    "new-members": _new_members,
    "membership-change": _membership_change,
    "attainment": _attainment,
}
