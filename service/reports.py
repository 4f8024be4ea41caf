"""A plain-text report of a tenant's read models, for the command line (``ketnap report``).

It shows what the dashboards will show through GraphQL: quota attainment per unit, units
meeting quota, coverage, the pipeline (stages, overdue, stalled, funnel by introducing
organisation), the structure of admitted members and the latest audit entries — all at one
:class:`~projections.cut.Cut` (as of a business date, as recorded at a time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from domain.candidates import Stage
from domain.quotas import Period
from projections.cut import Cut, position_recorded_by
from projections.queries import attainment, audit_history, org_tree, pipeline, structure
from projections.sql import Tx


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def report_lines(
    tx: Tx, period: Period, as_of: date, recorded_at: datetime | None = None
) -> Iterator[str]:
    """The report's lines, Vietnamese / English labels, figures at the given cut."""
    position = position_recorded_by(tx, recorded_at) if recorded_at else None
    cut = Cut(as_of=as_of, recorded=position)
    known = "mọi thứ đã ghi / everything recorded" if position is None else f"vị trí {position}"
    yield f"Kỳ / period {period.key} · tính đến / as of {as_of:%d/%m/%Y} · {known}"
    if recorded_at is not None:
        yield f"  như hệ thống biết lúc / as recorded at {recorded_at.isoformat()}"

    units = {u.unit_id: u for u in org_tree.units_on(tx, cut, include_closed=True)}
    yield ""
    yield "Chỉ tiêu kết nạp / quota attainment"
    yield f"  {'đơn vị / unit':<44} {'chỉ tiêu':>9} {'kết nạp':>8} {'tỷ lệ':>9} {'+/-':>6}"
    attainments = attainment.quota_attainment(tx, cut, period)
    for row in attainments:
        if row.quota is None:
            continue
        name = f"{'  ' * units[row.unit_id].depth if row.unit_id in units else ''}{row.code}"
        label = f"{name} {row.name}"[:44]
        surplus = "—" if row.surplus is None else f"{row.surplus:+d}"
        yield (
            f"  {label:<44} {_number(row.quota):>9} {row.admitted:>8,} "
            f"{_pct(row.percent):>9} {surplus:>6}"
        )
    meeting = attainment.units_meeting_quota(tx, cut, period)
    yield f"  đạt chỉ tiêu / meeting quota: {meeting.met} / {meeting.total}"
    cover = attainment.coverage(tx, cut, period)
    yield (
        f"  tổ chức cơ sở có nguồn đã kết nạp / grassroots organisations with candidates that "
        f"admitted: {cover.admitting} / {cover.organizations} ({_pct(cover.percent)})"
    )

    period = attainment.counted(tx, cut, period)  # a term between its congresses
    yield ""
    yield "Nguồn phát triển đảng viên / pipeline"
    by_stage: Counter[Stage] = Counter()
    for count in pipeline.stage_counts(tx, cut):
        by_stage[count.stage] += count.count
    yield "  " + ", ".join(f"{stage.value} {by_stage[stage]}" for stage in Stage if by_stage[stage])
    overdue = pipeline.candidates(tx, cut, overdue_only=True, first=500)
    yield f"  quá hạn / overdue: {len(overdue.rows)}{'+' if overdue.has_next else ''}"
    yield f"  tồn đọng / stalled: {len(pipeline.stalled(tx, cut))}"
    funnel = pipeline.funnel(tx, cut, opened_from=period.start, opened_to=period.end)
    for source in funnel.by_source:
        yield (
            f"  {source.introduced_by}: giới thiệu / introduced {source.introduced} → "
            f"kết nạp / admitted {source.admitted} ({_pct(source.percent)})"
        )

    yield ""
    members = structure.admitted_structure(tx, cut, period.start, period.end).total
    yield f"Cơ cấu đảng viên mới / structure of the {members.admitted} admitted"
    yield "  tuổi / age: " + ", ".join(f"{k} {v}" for k, v in members.age_groups)
    for dimension in ("gender", "occupation", "education"):
        counts = members.trait(dimension)
        yield f"  {dimension}: " + ", ".join(f"{k} {v}" for k, v in counts[:6])
    yield (
        f"  dân tộc thiểu số / ethnic minority: {members.ethnic_minority}; "
        f"có đạo / religious: {members.religious}"
    )

    yield ""
    yield "Nhật ký gần nhất / latest audit entries"
    page = audit_history.audit_entries(
        tx, audit_history.AuditFilter.at(cut, include_undated=True), first=5, descending=True
    )
    for entry in page.entries:
        yield f"  #{entry.position} {entry.summary_vi}"
        yield f"  {' ' * len(str(entry.position))}  {entry.summary_en}"
