"""A form as text, CSV (UTF-8 with a byte-order mark, so Excel reads the Vietnamese right) and
JSON; and the formats a form can be written in.

CSV and JSON carry the figures as they are (machine-readable: a decimal point, no thousands
separator); text and PDF write them for people (Vietnamese decimal comma).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.errors import InvalidInput
from service.forms.model import Figure, Form, Kind


def cell_text(value: Figure, kind: Kind) -> str:
    """A figure as people read it: "—" for none, 85,71 for a percentage."""
    if value is None:
        return "—" if kind is not Kind.TEXT else ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _machine(value: Figure) -> str | int | None:
    return str(value) if isinstance(value, Decimal) else value


def to_json(form: Form) -> bytes:
    """The form as JSON: header, and per table its columns and rows (figures by column key;
    decimals as strings, as GraphQL gives them)."""
    body: dict[str, Any] = {
        "form": form.name,
        "titleVi": form.title_vi,
        "titleEn": form.title_en,
        "reference": form.reference,
        "header": {
            "committee": form.header.committee,
            "unitCode": form.header.unit_code,
            "unitName": form.header.unit_name,
            "period": form.header.period_key,
            "periodLabel": form.header.period_label,
            "asOf": form.header.as_of.isoformat(),
            "asRecordedAt": None
            if form.header.as_recorded_at is None
            else form.header.as_recorded_at.isoformat(),
            "source": form.header.source,
        },
        "tables": [
            {
                "key": t.key,
                "titleVi": t.title_vi,
                "titleEn": t.title_en,
                "note": t.note,
                "columns": [
                    {
                        "key": c.key,
                        "labelVi": c.label_vi,
                        "labelEn": c.label_en,
                        "kind": c.kind.value,
                    }
                    for c in t.columns
                ],
                "rows": [
                    {
                        "cells": {c.key: _machine(r.cells.get(c.key)) for c in t.columns},
                        "level": r.level,
                        "total": r.total,
                        "heading": r.heading,
                    }
                    for r in t.rows
                ],
            }
            for t in form.tables
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def to_csv(form: Form) -> bytes:
    """The form as CSV: the header block, then each table (its title, its Vietnamese column
    headers, its rows), a blank line between; UTF-8 with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([form.title_vi, form.title_en])
    for label, value in form.header.lines():
        writer.writerow([label, value])
    for table in form.tables:
        writer.writerow([])
        writer.writerow([f"{table.title_vi} / {table.title_en}"])
        writer.writerow([c.label_vi for c in table.columns])
        for row in table.rows:
            writer.writerow(
                ["" if (v := _machine(row.cells.get(c.key))) is None else v for c in table.columns]
            )
    return out.getvalue().encode("utf-8-sig")


def to_text(form: Form) -> bytes:
    """The form as aligned plain text (for a terminal)."""
    lines = [form.title_vi.upper(), form.title_en, ""]
    lines += [f"{label}: {value}" for label, value in form.header.lines()]
    for table in form.tables:
        lines += ["", f"{table.title_vi} / {table.title_en}"]
        grid = [[c.label_vi for c in table.columns]]
        for row in table.rows:
            cells = []
            for number, column in enumerate(table.columns):
                text = cell_text(row.cells.get(column.key, ""), column.kind)
                if number == 1 and column.kind is Kind.TEXT:
                    text = "  " * row.level + text
                cells.append(text)
            grid.append(cells)
        widths = [max(len(r[i]) for r in grid) for i in range(len(table.columns))]
        for cells in grid:
            lines.append(
                "  ".join(
                    text.rjust(width) if column.kind is not Kind.TEXT else text.ljust(width)
                    for text, width, column in zip(cells, widths, table.columns, strict=True)
                ).rstrip()
            )
        if table.note:
            lines.append(table.note)
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Format:
    """An output format: name, media type, and whether it is text a terminal can show."""

    name: str
    media_type: str
    binary: bool


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("text", "text/plain; charset=utf-8", False),
        Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
        Format("pdf", "application/pdf", True),
        Format("csv", "text/csv; charset=utf-8", False),
        Format("json", "application/json", False),
    )
}

#: Writers that need nothing but the form (PDF needs a font: :func:`service.forms.pdf.to_pdf`).
WRITERS: dict[str, Callable[[Form], bytes]] = {"text": to_text, "csv": to_csv, "json": to_json}


def output_format(name: str) -> Format:
    """The format called ``name`` (bilingual ``FORMAT_INVALID`` otherwise)."""
    found = FORMATS.get(name.lower())
    if found is None:
        known = ", ".join(FORMATS)
        raise InvalidInput(
            "FORMAT_INVALID",
            f"Không có định dạng «{name[:20]}»; các định dạng: {known}.",
            f"There is no format '{name[:20]}'; the formats are: {known}.",
            field="format",
        )
    return found
