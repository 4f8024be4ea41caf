"""Writing the import template (``ketnap import template``) and files of rows in its layout.

XLSX (openpyxl, write-only): sheet «Hồ sơ» with the Vietnamese headers, the keys in a second
row, then the rows (dates as real dates shown dd/mm/yyyy), and sheet «Hướng dẫn» describing each
column (Vietnamese, English, required, the values a list accepts). CSV: UTF-8 with a BOM (so
spreadsheet programs read the Vietnamese right), the same two header rows, dates dd/mm/yyyy.
The template holds one example row (a full member's case) to copy from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from service.case_import.columns import COLUMNS, Kind, allowed, label
from service.case_import.reading import SHEET

NOTES_SHEET = "Hướng dẫn"
DATE_FORMAT = "DD/MM/YYYY"
_KIND_VI = {
    Kind.TEXT: "chữ",
    Kind.CODE: "mã (không dấu cách thừa, không ký tự ẩn)",
    Kind.DATE: "ngày (dd/mm/yyyy)",
    Kind.COUNT: "số nguyên",
    Kind.YES_NO: "Có / Không",
    Kind.CHOICE: "một giá trị trong danh mục",
}

#: The template's example: a case taken to full membership, every step filled.
EXAMPLE: dict[str, Any] = {
    "case_code": "HS-0001",
    "unit_code": "CB-01",
    "full_name": "Nguyễn Thị Mai",
    "birth_date": date(1984, 4, 12),
    "gender": "Nữ",
    "ethnicity": "Kinh",
    "religion": "Không",
    "education": "Trung học phổ thông",
    "professional_level": "Đại học",
    "political_theory": "Sơ cấp",
    "occupation": "Cán bộ, công chức, viên chức",
    "workplace_type": "Cơ quan nhà nước",
    "identity_number": "001184012345",
    "youth_union_member": "Không",
    "trade_union_member": "Có",
    "discovered_on": date(2021, 3, 1),
    "introduced_by": "Công đoàn",
    "sympathizer_on": date(2021, 4, 5),
    "helper_on": date(2021, 4, 12),
    "helper_name": "Trần Văn Hùng",
    "awareness_on": date(2021, 6, 18),
    "awareness_no": "125/GCN",
    "awareness_by": "Trung tâm Chính trị tỉnh",
    "application_on": date(2021, 7, 20),
    "application_no": "01/ĐXVĐ",
    "history_no": "01/LL",
    "sponsor1_on": date(2021, 8, 2),
    "sponsor1_no": "01/3-KNĐ",
    "sponsor1_id": "DV012345",
    "sponsor1_name": "Trần Văn Hùng",
    "sponsor1_full_since": date(2005, 5, 19),
    "sponsor1_together_since": date(2018, 1, 2),
    "sponsor2_on": date(2021, 8, 2),
    "sponsor2_no": "02/3-KNĐ",
    "sponsor2_id": "DV023456",
    "sponsor2_name": "Lê Minh Tuấn",
    "sponsor2_full_since": date(2008, 9, 2),
    "sponsor2_together_since": date(2019, 3, 1),
    "verification_on": date(2021, 9, 10),
    "verification_conclusion": "Lý lịch rõ ràng, đủ điều kiện",
    "verification_no": "15/KL-ĐU",
    "verification_by": "Đảng ủy cơ sở",
    "comments_on": date(2021, 9, 20),
    "comments_source": "Công đoàn cơ sở, Chi ủy nơi cư trú",
    "comments_no": "03/5-KNĐ",
    "branch_on": date(2021, 10, 5),
    "branch_no": "12-NQ/CB",
    "branch_members": 25,
    "branch_votes": 24,
    "committee_on": date(2021, 10, 20),
    "committee_no": "45-NQ/ĐU",
    "committee_members": 9,
    "committee_votes": 9,
    "decision_on": date(2021, 11, 25),
    "decision_no": "230-QĐ/ĐU",
    "decision_by": "Ban Thường vụ Đảng ủy Khối",
    "decision_received_on": date(2021, 11, 29),
    "ceremony_on": date(2021, 12, 15),
    "new_member_class_on": date(2022, 4, 20),
    "new_member_class_no": "88/GCN",
    "new_member_class_by": "Trung tâm Chính trị tỉnh",
    "recognition_papers_on": date(2022, 12, 15),
    "recognition_vote_on": date(2022, 12, 28),
    "recognition_vote_no": "30-NQ/CB",
    "recognition_vote_members": 26,
    "recognition_vote_votes": 26,
    "recognition_committee_on": date(2022, 12, 28),
    "recognition_committee_no": "60-NQ/ĐU",
    "recognition_on": date(2023, 1, 16),
    "recognition_no": "301-QĐ/ĐU",
    "recognition_by": "Ban Thường vụ Đảng ủy Khối",
}


def _cell_text(value: Any) -> Any:
    if isinstance(value, Enum):
        return label(value)
    return value


def write_xlsx(rows: Iterable[Mapping[str, Any]] = (EXAMPLE,)) -> bytes:
    """The template (or a file of ``rows``) as an XLSX workbook."""
    book = Workbook(write_only=True)
    sheet: Worksheet = book.create_sheet(SHEET)
    bold = Font(bold=True)
    grey = Font(italic=True, color="808080")
    fill = PatternFill("solid", fgColor="DDEBF7")
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.vi)
        cell.font = bold
        if column.required:
            cell.fill = fill
        header.append(cell)
    sheet.append(header)
    keys = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.key)
        cell.font = grey
        keys.append(cell)
    sheet.append(keys)
    for row in rows:
        cells: list[Any] = []
        for column in COLUMNS:
            value = _cell_text(row.get(column.key))
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=datetime(value.year, value.month, value.day))
                cell.number_format = DATE_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    notes: Worksheet = book.create_sheet(NOTES_SHEET)
    notes.append(["Cột", "Khóa (key)", "Column", "Bắt buộc", "Kiểu", "Giá trị / ghi chú"])
    for column in COLUMNS:
        values = allowed(column.choices) if column.choices is not None else ""
        notes.append(
            [
                column.vi,
                column.key,
                column.en,
                "Có" if column.required else "",
                _KIND_VI[column.kind],
                "; ".join(x for x in (values, column.note) if x),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows: Iterable[Sequence[Any]]) -> bytes:
    """``rows`` as a CSV file Excel opens with its Vietnamese intact: UTF-8 with a byte-order
    mark."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_csv(rows: Iterable[Mapping[str, Any]] = (EXAMPLE,)) -> bytes:
    """The template (or a file of ``rows``) as CSV: UTF-8 with BOM, dates dd/mm/yyyy."""
    lines: list[list[Any]] = [[c.vi for c in COLUMNS], [c.key for c in COLUMNS]]
    for row in rows:
        cells = []
        for column in COLUMNS:
            value = _cell_text(row.get(column.key))
            if isinstance(value, date):
                value = f"{value:%d/%m/%Y}"
            cells.append("" if value is None else value)
        lines.append(cells)
    return csv_file(lines)
