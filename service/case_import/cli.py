"""``ketnap import``: bring existing records in.

``ketnap import template [--format xlsx|csv] [--output FILE]`` writes the template;
``ketnap import cases FILE --tenant T [--dry-run] [--all-or-nothing] [--report FILE]`` imports a
filled one, with a progress bar and a summary. Problems are printed in Vietnamese and English
(row, column, code) and, with ``--report``, written to a CSV or JSON file (by its extension);
the command exits with status 2 when a row has a problem, as every refusal of the command line
does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from domain.values import Role
from service.case_import.reading import file_too_large, read_sheet
from service.case_import.running import ImportSummary, import_cases
from service.case_import.template import csv_file, write_csv, write_xlsx
from service.commands import Principal
from service.console import cli_actor, open_parts, refusals
from service.escaping import printable

#: Problems printed on the terminal; the report file holds all of them.
SHOWN_PROBLEMS = 200


@click.group("import")
def import_group() -> None:
    """Nhập dữ liệu có sẵn / import existing records."""


@import_group.command("template")
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: mau-nhap-ho-so.xlsx / .csv).",
)
@refusals
def template(fmt: str, output: Path | None) -> None:
    """Write the import template: Vietnamese headers, an example row, notes on each column."""
    path = output or Path(f"mau-nhap-ho-so.{fmt}")
    path.write_bytes(write_xlsx() if fmt == "xlsx" else write_csv())
    click.echo(f"Đã ghi mẫu / template written: {path}")


def _write_report(path: Path, summary: ImportSummary) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(
            json.dumps(summary.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return
    header = ["row", "column", "caseCode", "code", "messageVi", "messageEn"]
    lines = [
        [p.row, p.column, p.case_code, p.code, p.message_vi, p.message_en] for p in summary.problems
    ]
    path.write_bytes(csv_file([header, *lines]))


@import_group.command("cases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", required=True, help="Slug of the tenant to import into.")
@click.option("--dry-run", is_flag=True, help="Check every row, store nothing.")
@click.option(
    "--all-or-nothing", is_flag=True, help="Store nothing if any row has a problem (one save)."
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the problems to this .csv or .json file.",
)
@refusals
def cases(
    file: Path, tenant: str, dry_run: bool, all_or_nothing: bool, report: Path | None
) -> None:
    """Import cases from FILE (XLSX or CSV in the template's layout), one row per person."""
    with open_parts() as parts:
        slug = parts.store.registry.get(tenant).slug
        limit = parts.settings.max_import_bytes
        if file.stat().st_size > limit:
            raise file_too_large(limit)
        sheet = read_sheet(file.read_bytes(), filename=file.name, max_bytes=limit)
        principal = Principal(slug, cli_actor(Role.ORGANIZER))
        with click.progressbar(
            length=len(sheet.rows), label="Nhập / importing", file=sys.stderr
        ) as bar:
            last = 0

            def progress(done: int) -> None:
                nonlocal last
                bar.update(done - last)
                last = done

            summary = import_cases(
                parts.handlers,
                principal,
                sheet,
                dry_run=dry_run,
                all_or_nothing=all_or_nothing,
                progress=progress,
            )
    _echo(summary)
    if report is not None:
        _write_report(report, summary)
        click.echo(f"Báo cáo / report: {report}")
    if summary.problems:
        sys.exit(2)


def _echo(summary: ImportSummary) -> None:
    for p in summary.problems[:SHOWN_PROBLEMS]:
        where = f"dòng / row {p.row}" + (f", cột / column «{p.column}»" if p.column else "")
        click.echo(f"{where} [{printable(p.code)}]", err=True)
        click.echo(f"  {printable(p.message_vi)}", err=True)
        click.echo(f"  {printable(p.message_en)}", err=True)
    if len(summary.problems) > SHOWN_PROBLEMS:
        click.echo(
            f"… {len(summary.problems) - SHOWN_PROBLEMS} lỗi khác / more problems (--report)",
            err=True,
        )
    mode = "chạy thử / dry run" if summary.dry_run else "nhập / import"
    if summary.all_or_nothing and summary.invalid and not summary.dry_run:
        mode += " — không lưu gì / nothing stored (--all-or-nothing)"
    click.echo(
        f"{mode}: {summary.rows} dòng / rows, {summary.imported} nhập / imported, "
        f"{summary.unchanged} không đổi / unchanged, {summary.invalid} lỗi / invalid; "
        f"{summary.events} sự kiện / events in {summary.seconds:.2f} s "
        f"= {summary.events_per_second:,.0f} events/s"
    )
    if summary.projection_seconds:
        click.echo(
            f"Bảng đọc / read models: cập nhật trong / caught up in "
            f"{summary.projection_seconds:.1f} s"
        )
