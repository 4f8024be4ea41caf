"""Import of existing cases (issue 14): a generated term's file into PostgreSQL and SQLite.

``service.case_import.samples.historical_file`` draws ``N`` cases (full: 10,000; ``--quick``:
1,000) with the demo's mix of stages (~10 events a case) over the units of ``set_up_tenant``;
the file is written as CSV and read back (as ``ketnap import cases`` reads it), then imported
for real (``import_cases``: the handlers in batches, one transaction per ~2,000 events, the chain
and notifications written by the recorders). Projections are not run inline (the worker's
work, measured by the ``rebuild`` benchmark). Baseline, in the same run and on the same store:
the first ``M`` rows' commands (full: 300; quick: 100) entered one at a time through
``Handlers.handle`` into another tenant — the path the API's mutations take, a transaction
each. The figure is events stored per second; the ratio is the import's ÷ the baseline's.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from bench.proving.common import open_parts, settings_for
from bench.proving.report import Say, Section, Target
from domain.values import Actor, Role
from service.case_import.reading import read_sheet
from service.case_import.running import import_cases, plans
from service.case_import.samples import historical_file, set_up_tenant
from service.case_import.template import write_csv
from service.commands import Principal

TODAY = date(2026, 11, 21)
OPS = Actor("bench-ops", Role.PLATFORM_OPERATOR)
TARGET = 5_000  # events/s into PostgreSQL (issue 14)


def _measure(
    url: str, work: Path, name: str, cases: int, sample: int, say: Say
) -> dict[str, float]:
    parts = open_parts(settings_for(work, name, url), inline=False, today=TODAY)
    try:
        made = historical_file(cases, today=TODAY, invalid=())
        data = write_csv(made.rows)
        started = time.perf_counter()
        sheet = read_sheet(data, max_bytes=parts.settings.max_import_bytes)
        read_seconds = time.perf_counter() - started
        imported, one = (
            Principal("nhap", Actor("bench", Role.ORGANIZER)),
            Principal("tung_lenh", Actor("bench", Role.ORGANIZER)),
        )
        for p in (imported, one):
            parts.handlers.create_tenant(OPS, p.tenant, p.tenant, "other")
            set_up_tenant(parts.handlers, p)
        say(f"{name}: importing {cases:,} cases ({len(data):,} bytes of CSV)")
        summary = import_cases(parts.handlers, imported, sheet)
        assert summary.invalid == 0, summary.problems[:3]
        say(f"{name}: baseline, {sample} cases one command at a time")
        baseline_sheet = read_sheet(write_csv(made.rows[:sample]), max_bytes=len(data) + 1)
        commands = [
            s.command for plan in plans(parts.handlers, one, baseline_sheet) for s in plan.steps
        ]
        started = time.perf_counter()
        for command in commands:
            parts.handlers.handle(one, command)
        baseline_seconds = time.perf_counter() - started
        return {
            "cases": cases,
            "events": summary.events,
            "import_seconds": summary.seconds,
            "read_seconds": read_seconds,
            "import_events_per_s": summary.events_per_second,
            "baseline_events": len(commands),
            "baseline_events_per_s": len(commands) / baseline_seconds,
        }
    finally:
        parts.close()


def run(database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    cases, sample = (1_000, 100) if quick else (10_000, 300)
    figures = {
        "PostgreSQL": _measure(database_url, work, "import-pg", cases, sample, say),
        "SQLite": _measure("", work, "import-sqlite", cases, sample, say),
    }
    rows = []
    for backend, f in figures.items():
        ratio = f["import_events_per_s"] / f["baseline_events_per_s"]
        f["ratio"] = ratio
        rows.append(
            [
                backend,
                int(f["cases"]),
                int(f["events"]),
                round(f["import_seconds"], 1),
                round(f["import_events_per_s"]),
                round(f["baseline_events_per_s"]),
                round(ratio, 1),
            ]
        )
    pg = figures["PostgreSQL"]["import_events_per_s"]
    return Section(
        name="import",
        title=f"Import of {cases:,} generated cases (demo's mix of stages), batched vs one "
        "command at a time",
        columns=[
            "store",
            "cases",
            "events",
            "import s",
            "import events/s",
            "one at a time events/s (baseline)",
            "ratio",
        ],
        rows=rows,
        targets=[
            Target(
                "import into PostgreSQL, events/s (a province's term: 10,000 cases)",
                "hours through the mutations",
                f"≥ {TARGET:,}",
                f"{pg:,.0f}" + ("" if not quick else f", {cases:,} cases"),
                pg >= TARGET if not quick else None,
            )
        ],
        details={k: dict(v) for k, v in figures.items()},
    )
