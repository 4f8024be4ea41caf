"""Reading an import file: XLSX (openpyxl, read-only) or CSV (UTF-8, with or without BOM).

Bounded before anything is built: the file's size, its rows and each cell's length. A file that
is neither, has no header row naming the required columns, or names columns the template does
not have is refused as a whole (bilingual :class:`ImportRefused`), since reading it anyway would
lose data silently. Rows come out as :class:`SheetRow`: the spreadsheet's row number (as the
clerk sees it) and the raw cells by column key; reading their values is :mod:`.rows`' work.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from domain.classifications import fold
from domain.errors import DomainError
from domain.inputs import TEXT_MAX
from service.case_import.columns import COLUMNS, HEADERS, Column

#: A province's term is ~10,000 cases; larger files are split.
MAX_ROWS = 50_000
#: The longest cell read (a note); longer ones are refused by their row.
MAX_CELL = TEXT_MAX
#: The sheet of the template that holds the cases (the other one holds the notes).
SHEET = "Hồ sơ"


class ImportRefused(DomainError):
    """The file as a whole cannot be read as the import template."""


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number in the sheet and its non-empty cells by column key."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    """A file's data rows, read lazily, and how many there are."""

    columns: tuple[Column, ...]
    rows: list[SheetRow]


def file_too_large(limit: int) -> ImportRefused:
    """The refusal of a file over ``limit`` bytes."""
    return ImportRefused(
        "IMPORT_FILE_TOO_LARGE",
        f"Tệp quá lớn (tối đa {limit:,} byte); hãy chia thành nhiều tệp.".replace(",", "."),
        f"The file is too large (at most {limit:,} bytes); split it into several files.",
        field="file",
    )


def read_sheet(data: bytes, *, filename: str = "", max_bytes: int) -> Sheet:
    """The rows of an import file (XLSX or CSV, told apart by content, not name)."""
    if len(data) > max_bytes:
        raise file_too_large(max_bytes)
    if data[:4] == b"PK\x03\x04":
        return _table(_xlsx_rows(data))
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")) or data[:8] == (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    ):
        raise _wrong_type()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _wrong_type() from None
    if "\x00" in text:
        raise _wrong_type()
    return _table(csv.reader(io.StringIO(text, newline="")))


def _wrong_type() -> ImportRefused:
    return ImportRefused(
        "IMPORT_FILE_TYPE",
        "Tệp không phải bảng tính XLSX hoặc CSV (UTF-8); hãy dùng mẫu của «ketnap import "
        "template».",
        "The file is neither an XLSX spreadsheet nor a UTF-8 CSV; use the template of "
        "'ketnap import template'.",
        field="file",
    )


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _wrong_type() from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def _header(row: tuple[Any, ...]) -> list[Column | None] | None:
    """The columns a header row names (None where a cell is empty), or None when the row is not
    a header row (none of its cells names a column)."""
    named = [HEADERS.get(fold(str(v))) if v not in (None, "") else None for v in row]
    return named if any(named) else None


def _table(rows: Iterator[Any]) -> Sheet:
    numbered = enumerate(rows, start=1)
    header: list[Column | None] | None = None
    raw_header: tuple[Any, ...] = ()
    for _number, row in numbered:
        if any(v not in (None, "") for v in row):
            raw_header = tuple(row)
            header = _header(raw_header)
            break
    if header is None:
        raise ImportRefused(
            "IMPORT_HEADER_MISSING",
            "Không tìm thấy dòng tiêu đề của mẫu (Mã hồ sơ, Mã chi bộ, Họ và tên, …).",
            "No header row of the template was found (Case code, Branch code, Full name, …).",
            field="file",
        )
    unknown = [
        str(v) for v, c in zip(raw_header, header, strict=True) if c is None and v not in (None, "")
    ]
    if unknown:
        shown = ", ".join(f"«{u[:40]}»" for u in unknown[:10])
        raise ImportRefused(
            "IMPORT_COLUMN_UNKNOWN",
            f"Cột không có trong mẫu: {shown}.",
            f"Columns not in the template: {shown}.",
            field="file",
        )
    present = {c.key for c in header if c is not None}
    duplicated = sorted(c.vi for c in header if c is not None and header.count(c) > 1)
    if duplicated:
        raise ImportRefused(
            "IMPORT_COLUMN_REPEATED",
            f"Cột lặp lại: {', '.join(dict.fromkeys(duplicated))}.",
            f"Columns given twice: {', '.join(dict.fromkeys(duplicated))}.",
            field="file",
        )
    missing = [c for c in COLUMNS if c.required and c.key not in present]
    if missing:
        raise ImportRefused(
            "IMPORT_COLUMN_MISSING",
            f"Thiếu cột bắt buộc: {', '.join(c.vi for c in missing)}.",
            f"Required columns are missing: {', '.join(c.en for c in missing)}.",
            field="file",
        )
    out: list[SheetRow] = []
    keys = [c.key if c is not None else None for c in header]
    for number, row in numbered:
        if not out and [str(v) if v not in (None, "") else None for v in row] == keys:
            continue  # the template's second header row (the keys)
        cells = {
            c.key: v.strip() if isinstance(v, str) else v
            for c, v in zip(header, row, strict=False)
            if c is not None and v is not None and not (isinstance(v, str) and not v.strip())
        }
        if not cells:
            continue
        if len(out) >= MAX_ROWS:
            raise ImportRefused(
                "IMPORT_TOO_MANY_ROWS",
                f"Tệp có quá {MAX_ROWS:,} dòng; hãy chia thành nhiều tệp.".replace(",", "."),
                f"The file has more than {MAX_ROWS:,} rows; split it into several files.",
                field="file",
            )
        out.append(SheetRow(number, cells))
    return Sheet(tuple(c for c in header if c is not None), out)
