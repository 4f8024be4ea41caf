"""A form as an A4 PDF (fpdf2): Vietnamese text in a TrueType font, shaped by HarfBuzz.

Why fpdf2: pure Python, well kept, embeds a subset of any TrueType font and, with text shaping
on (``uharfbuzz``), positions combining marks as the font says — Vietnamese stacks up to two
diacritics on a letter (ệ, ẫ), so a string that arrives decomposed (NFD) still prints right;
text is also normalised to NFC first, the precomposed letters DejaVu Sans covers. Its ``table``
wraps long cells and repeats the header row on each page.

The font is configuration (``KETNAP_REPORT_FONT``, read by ``service.bootstrap``); without it
the first of :data:`service.settings.DEFAULT_REPORT_FONTS` found is used. No usable font:
bilingual ``REPORT_FONT_MISSING``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from domain.errors import DomainError
from service.forms.model import Form, Kind, Table
from service.forms.text import cell_text
from service.settings import DEFAULT_REPORT_FONTS, Settings

#: Tables wider than this (spreadsheet characters) print in landscape.
_PORTRAIT_WIDTH = 100


@dataclass(frozen=True)
class FontFiles:
    """The TrueType files a PDF is written with (bold: the regular file when there is none)."""

    regular: Path
    bold: Path


def report_font(configured: Path | None, candidates: Sequence[Path]) -> FontFiles:
    """The font to write PDFs with: ``configured`` when set (it must exist), else the first
    of ``candidates`` that exists; its bold face beside it ("DejaVuSans-Bold.ttf")."""
    paths = [configured] if configured is not None else list(candidates)
    for path in paths:
        if path.is_file() and path.suffix.lower() in (".ttf", ".otf"):
            bold = path.with_name(f"{path.stem}-Bold{path.suffix}")
            return FontFiles(path, bold if bold.is_file() else path)
    tried = ", ".join(str(p) for p in paths)
    raise DomainError(
        "REPORT_FONT_MISSING",
        "Không tìm thấy phông chữ TrueType có tiếng Việt để xuất PDF (đã tìm: "
        f"{tried}); hãy cài gói fonts-dejavu-core hoặc đặt KETNAP_REPORT_FONT.",
        f"No TrueType font with Vietnamese was found to write PDFs (looked for: {tried}); "
        "install the fonts-dejavu-core package or set KETNAP_REPORT_FONT.",
        field="KETNAP_REPORT_FONT",
    )


def settings_font(settings: Settings) -> FontFiles:
    """The font the settings name (``KETNAP_REPORT_FONT``) or the default search finds."""
    return report_font(settings.report_font, DEFAULT_REPORT_FONTS)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _FormPdf(FPDF):
    def __init__(self, form: Form) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.form = form

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Report", size=7)
        self.cell(
            0,
            5,
            _nfc(f"{self.form.title_vi} · Ketnap · trang / page {self.page_no()}/{{nb}}"),
            align="C",
        )


def to_pdf(form: Form, font: FontFiles) -> bytes:
    """The form as an A4 PDF, one table per page (landscape for the wide ones)."""
    pdf = _FormPdf(form)
    pdf.set_title(_nfc(form.title_vi))
    pdf.set_creator("Ketnap")
    pdf.add_font("Report", "", str(font.regular))
    pdf.add_font("Report", "B", str(font.bold))
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(True, margin=15)
    pdf.alias_nb_pages()
    for table in form.tables:
        wide = sum(c.width for c in table.columns) > _PORTRAIT_WIDTH
        pdf.add_page(orientation="landscape" if wide else "portrait")
        _heading(pdf, form, table)
        _table(pdf, table)
    return bytes(pdf.output())


def _heading(pdf: FPDF, form: Form, table: Table) -> None:
    pdf.set_font("Report", "B", 13)
    pdf.multi_cell(0, 7, _nfc(form.title_vi.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Report", "", 9)
    pdf.multi_cell(0, 5, _nfc(form.title_en), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in form.header.lines():
        pdf.set_font("Report", "B", 8)
        pdf.cell(60, 4.5, _nfc(label))
        pdf.set_font("Report", "", 8)
        pdf.multi_cell(0, 4.5, _nfc(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Report", "", 7)
    pdf.multi_cell(0, 4, _nfc(form.reference), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Report", "B", 10)
    pdf.multi_cell(
        0, 6, _nfc(f"{table.title_vi} / {table.title_en}"), new_x="LMARGIN", new_y="NEXT"
    )


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font("Report", "", 7.5)
    aligns = tuple("LEFT" if c.kind is Kind.TEXT else "RIGHT" for c in table.columns)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=tuple(c.width for c in table.columns),
        text_align=aligns,
        line_height=4,
        padding=1,
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 232)),
        num_heading_rows=1,
    ) as grid:
        heads = grid.row()
        for column in table.columns:
            heads.cell(_nfc(f"{column.label_vi}\n({column.label_en})"), align="CENTER")
        for row in table.rows:
            line = grid.row(style=bold if row.total or row.heading else None)
            for number, column in enumerate(table.columns):
                text = cell_text(row.cells.get(column.key, ""), column.kind)
                if number == 1 and column.kind is Kind.TEXT and row.level:
                    text = "\u00a0" * (2 * row.level) + text
                line.cell(_nfc(text))
    if table.note:
        pdf.ln(2)
        pdf.set_font("Report", "", 7)
        pdf.multi_cell(0, 4, _nfc(table.note), new_x="LMARGIN", new_y="NEXT")
