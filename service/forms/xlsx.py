"""A form as a real spreadsheet (openpyxl): one sheet per table, numbers as numbers, totals as
formulas, Vietnamese headers, column widths, A4 print setup.

openpyxl writes formulas without their computed value: a reader that recomputes (Excel,
LibreOffice) shows the totals; a program reading the file sees the formula and its cells.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from service.forms.model import Difference, Figure, Form, Kind, Row, Sum, Table

#: Where a table's header row is; the data starts two rows below (English labels between).
HEADER_ROW = 11
FIRST_DATA_ROW = HEADER_ROW + 2

_FORMATS = {Kind.COUNT: "#,##0", Kind.PERCENT: "0.00", Kind.RATIO: "0.00"}
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E8E8E8")
#: Sheets wider than this (characters) print in landscape.
_PORTRAIT_WIDTH = 100


def to_xlsx(form: Form) -> bytes:
    """The form as an XLSX workbook."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    book.properties.title = form.title_vi
    book.properties.creator = "Ketnap"
    for table in form.tables:
        _sheet(book.create_sheet(table.sheet[:31]), form, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def data_row(index: int) -> int:
    """The sheet row of a table's row ``index`` (0-based)."""
    return FIRST_DATA_ROW + index


def _sheet(ws: Worksheet, form: Form, table: Table) -> None:
    last = len(table.columns)
    ws.cell(1, 1, form.title_vi.upper()).font = Font(bold=True, size=14)
    ws.cell(2, 1, form.title_en).font = Font(italic=True)
    ws.cell(3, 1, f"{table.title_vi} / {table.title_en}").font = Font(bold=True, size=12)
    for offset, (label, value) in enumerate(form.header.lines()):
        ws.cell(4 + offset, 1, label).font = Font(bold=True)
        ws.cell(4 + offset, 3, value)
    ws.cell(10, 1, form.reference).font = Font(italic=True, size=9)
    for number, column in enumerate(table.columns, start=1):
        head = ws.cell(HEADER_ROW, number, column.label_vi)
        head.font = Font(bold=True)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.fill = _HEAD_FILL
        head.border = _BOX
        english = ws.cell(HEADER_ROW + 1, number, column.label_en)
        english.font = Font(italic=True, size=9)
        english.alignment = Alignment(horizontal="center", wrap_text=True)
        english.border = _BOX
        ws.column_dimensions[get_column_letter(number)].width = column.width
    ws.row_dimensions[HEADER_ROW].height = 45
    letters = {c.key: get_column_letter(n) for n, c in enumerate(table.columns, start=1)}
    for index, row in enumerate(table.rows):
        at = data_row(index)
        for number, column in enumerate(table.columns, start=1):
            cell = ws.cell(at, number, _value(row, column.key, letters, at))
            cell.border = _BOX
            if column.kind in _FORMATS:
                cell.number_format = _FORMATS[column.kind]
            elif number == 2 and row.level:
                cell.alignment = Alignment(indent=row.level)
            if row.total or row.heading:
                cell.font = Font(bold=True)
    if table.note:
        ws.cell(data_row(len(table.rows)) + 1, 1, table.note).font = Font(italic=True, size=9)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    wide = sum(c.width for c in table.columns) > _PORTRAIT_WIDTH
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_area = f"A1:{get_column_letter(last)}{data_row(len(table.rows)) + 1}"


def _value(row: Row, key: str, letters: dict[str, str], at: int) -> Figure | float | str:
    formula = row.formulas.get(key)
    if isinstance(formula, Sum):
        column = letters[key]
        if not formula.rows:
            return "=0"
        rows = [data_row(i) for i in formula.rows]
        if rows == list(range(rows[0], rows[-1] + 1)):
            return f"=SUM({column}{rows[0]}:{column}{rows[-1]})"
        return "=SUM(" + ",".join(f"{column}{r}" for r in rows) + ")"
    if isinstance(formula, Difference):
        return f"={letters[formula.left]}{at}-{letters[formula.right]}{at}"
    value = row.cells.get(key)
    if isinstance(value, Decimal):
        return value  # openpyxl writes it as a number
    return value
