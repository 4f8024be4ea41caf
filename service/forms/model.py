"""A committee's form (biểu mẫu) as data: what every output format renders, nothing else.

A :class:`Form` has a title, a header block (committee, unit, period, cut, source) and one or
more :class:`Table` s. A table's rows hold the figures the read-model queries gave; a cell of a
total row may also carry a :class:`Sum` (the cells of other rows it adds up) or a
:class:`Difference` (two cells of its own row): the spreadsheet writes these as real formulas,
every other format writes the figure. The figure of such a cell is always the query's own (a
builder never adds anything up itself), and :meth:`Table.check` makes sure the formula gives
it, so a spreadsheet recomputed by its reader shows what the dashboards show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

Figure = int | Decimal | str | None


class Kind(Enum):
    """How a column's figures are written."""

    TEXT = "text"
    COUNT = "count"  # a whole number
    PERCENT = "percent"  # a percentage with two decimals (12.50 = 12.5 %)
    RATIO = "ratio"  # a ratio with two decimals (1.75)


@dataclass(frozen=True)
class Column:
    """A column: a stable key (CSV/JSON), its Vietnamese header and the English one."""

    key: str
    label_vi: str
    label_en: str
    kind: Kind = Kind.COUNT
    width: float = 10  # characters, in the spreadsheet (the PDF shares widths in proportion)


@dataclass(frozen=True)
class Sum:
    """The cell adds up the same column of ``rows`` (indexes into the table's rows)."""

    rows: tuple[int, ...]


@dataclass(frozen=True)
class Difference:
    """The cell is ``left`` minus ``right``: two columns of its own row."""

    left: str
    right: str


Formula = Sum | Difference


@dataclass(frozen=True)
class Row:
    """A row: its figures by column key, and how it stands in the form."""

    cells: dict[str, Figure]
    formulas: dict[str, Formula] = field(default_factory=dict)
    level: int = 0  # indentation of the first text column (depth under the unit asked)
    total: bool = False  # a total or subtotal row (bold)
    heading: bool = False  # a section heading inside the table (no figures)


@dataclass(frozen=True)
class Table:
    """One table of a form (one sheet of the spreadsheet)."""

    key: str
    sheet: str  # the spreadsheet's sheet name (Vietnamese, at most 31 characters)
    title_vi: str
    title_en: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str = ""  # a line under the table: how its figures are counted

    def column(self, key: str) -> Column:
        """The column ``key``."""
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def check(self) -> None:
        """Every formula gives its cell's figure (a builder's mistake fails loudly here)."""
        for index, row in enumerate(self.rows):
            for key, formula in row.formulas.items():
                wanted = row.cells.get(key)
                got = evaluate(self.rows, row, key, formula)
                if got != wanted:
                    raise AssertionError(
                        f"{self.key}: row {index} column {key}: formula gives {got}, the "
                        f"query {wanted}"
                    )


def evaluate(rows: Sequence[Row], row: Row, key: str, formula: Formula) -> int:
    """What ``formula`` of ``row``'s cell ``key`` gives over ``rows`` (empty cells are 0)."""
    if isinstance(formula, Sum):
        return sum(_count(rows[i].cells.get(key)) for i in formula.rows)
    return _count(row.cells.get(formula.left)) - _count(row.cells.get(formula.right))


def _count(value: Figure) -> int:
    return value if isinstance(value, int) else 0


@dataclass(frozen=True)
class Header:
    """The header block every form carries: who reports, on what, at which cut, from where."""

    committee: str  # the tenant's committee (đơn vị sử dụng)
    unit_code: str | None
    unit_name: str | None
    period_key: str  # e.g. "year:2024"
    period_label: str  # e.g. "Năm 2024 (01/01/2024 – 31/12/2024)"
    as_of: date
    as_recorded_at: datetime | None  # None: everything recorded
    source: str  # the queries the figures come from

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs, in the order the forms print them."""
        unit = "—" if self.unit_code is None else f"{self.unit_code} – {self.unit_name}"
        recorded = (
            "mọi thứ đã ghi / everything recorded"
            if self.as_recorded_at is None
            else self.as_recorded_at.isoformat()
        )
        return [
            ("Đảng bộ / committee", self.committee),
            ("Đơn vị / unit", unit),
            ("Kỳ báo cáo / period", self.period_label),
            ("Tính đến ngày / as of", f"{self.as_of:%d/%m/%Y}"),
            ("Như đã ghi lúc / as recorded at", recorded),
            ("Nguồn số liệu / source", self.source),
        ]


@dataclass(frozen=True)
class Form:
    """A form ready to render."""

    name: str  # the form's name in URLs and on the command line ("new-members")
    title_vi: str
    title_en: str
    reference: str  # the layout followed (docs/reports.md)
    header: Header
    tables: tuple[Table, ...]

    def check(self) -> Form:
        """The form, once every table's formulas give their figures."""
        for table in self.tables:
            table.check()
        return self
