"""Read models after an import (issue 14): a term's cases imported, then its projections caught up.

The term of ``bench.proving.imports`` (``service.case_import.samples.historical_file``: full
10,000 cases, ~105,000 events; ``--quick``: 1,000) is imported with the projections off
(``import_cases``, as ``ketnap import cases`` does), then every projection of the tenant catches
up from position 0 (``ReadModels.catch_up``: what ``ketnap import cases`` runs inline in SQLite
mode, and what ``ketnap worker`` runs for a PostgreSQL tenant), on SQLite and on PostgreSQL.
Baseline, in the same run and on the same store: the import itself; the ratio is the catch-up's
events/s ÷ the import's (≥ 1: the dashboards take no longer than the import). Besides wall
seconds, the catch-up's CPU seconds in this process (``time.process_time``): on a shared
machine they move less than the wall clock. The target is the term imported *and* its
dashboards current in under a minute (import seconds + catch-up seconds; on PostgreSQL also
as deployed: the import with ``ketnap worker`` running, until the worker has reached the head).
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.proving.common import open_parts, process_env, settings_for
from bench.proving.imports import OPS, TODAY
from bench.proving.report import Say, Section, Target
from domain.values import Actor, Role
from service.case_import.reading import read_sheet
from service.case_import.running import import_cases
from service.case_import.samples import historical_file, set_up_tenant
from service.case_import.template import write_csv
from service.commands import Principal
from tests.processes import start

#: Seconds for a term's import and its read models, together (issue 14).
TARGET_SECONDS = 60.0


def _measure(url: str, work: Path, name: str, data: bytes, say: Say) -> dict[str, float]:
    parts = open_parts(settings_for(work, name, url), inline=False, today=TODAY)
    try:
        sheet = read_sheet(data, max_bytes=len(data) + 1)
        principal = Principal("nhap", Actor("bench", Role.ORGANIZER))
        parts.handlers.create_tenant(OPS, principal.tenant, principal.tenant, "other")
        set_up_tenant(parts.handlers, principal)
        say(f"{name}: importing {len(sheet.rows):,} cases")
        summary = import_cases(parts.handlers, principal, sheet)
        assert summary.invalid == 0, summary.problems[:3]
        read_models = parts.read_models
        read_models.projector(principal.tenant)  # tables ensured before the clock starts
        say(f"{name}: {summary.events:,} events imported; catching the read models up")
        started, cpu = time.perf_counter(), time.process_time()
        report = read_models.catch_up(principal.tenant)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
        assert report.position == report.head, (report.position, report.head)
        return {
            "cases": len(sheet.rows),
            "import_events": summary.events,
            "import_seconds": summary.seconds,
            "import_events_per_s": summary.events_per_second,
            "catch_up_events": report.events,
            "catch_up_batches": report.batches,
            "catch_up_seconds": seconds,
            "catch_up_cpu_seconds": cpu_seconds,
            "catch_up_events_per_s": report.events / seconds,
            "catch_up_events_per_cpu_s": report.events / cpu_seconds,
        }
    finally:
        parts.close()


def _with_worker(url: str, work: Path, data: bytes, say: Say) -> dict[str, float]:
    """PostgreSQL as deployed: ``ketnap worker`` runs while the term is imported (into a
    tenant of its own); seconds from the import's start until the worker reached the head."""
    settings = settings_for(work, "catchup-pg", url)
    parts = open_parts(settings, inline=False, today=TODAY)
    worker = start(process_env(settings), work / "catchup-worker.log", "worker")
    try:
        sheet = read_sheet(data, max_bytes=len(data) + 1)
        principal = Principal("nhap_worker", Actor("bench", Role.ORGANIZER))
        parts.handlers.create_tenant(OPS, principal.tenant, principal.tenant, "other")
        set_up_tenant(parts.handlers, principal)
        say(f"catchup-pg: importing {len(sheet.rows):,} cases with ketnap worker running")
        started = time.perf_counter()
        summary = import_cases(parts.handlers, principal, sheet)
        imported = time.perf_counter() - started
        head = parts.read_models.projector(principal.tenant).head()
        while parts.read_models.reached(principal.tenant) < head:
            if worker.process.poll() is not None:
                raise RuntimeError(f"ketnap worker stopped:\n{worker.output()[-2000:]}")
            time.sleep(0.1)
        return {
            "events": summary.events,
            "import_seconds": imported,
            "current_seconds": time.perf_counter() - started,
        }
    finally:
        worker.stop()
        parts.close()


def run(database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    cases = 1_000 if quick else 10_000
    data = write_csv(historical_file(cases, today=TODAY, invalid=()).rows)
    figures = {"SQLite": _measure("", work, "catchup-sqlite", data, say)}
    if database_url:
        figures["PostgreSQL"] = _measure(database_url, work, "catchup-pg", data, say)
    live = _with_worker(database_url, work, data, say) if database_url else None
    rows = []
    for backend, f in figures.items():
        f["ratio"] = f["catch_up_events_per_s"] / f["import_events_per_s"]
        f["total_seconds"] = f["import_seconds"] + f["catch_up_seconds"]
        rows.append(
            [
                backend,
                int(f["catch_up_events"]),
                round(f["import_events_per_s"]),
                round(f["catch_up_events_per_s"]),
                round(f["catch_up_events_per_cpu_s"]),
                round(f["ratio"], 2),
                round(f["import_seconds"], 1),
                round(f["catch_up_seconds"], 1),
                round(f["total_seconds"], 1),
            ]
        )
    if live is not None:
        rows.append(
            [
                "PostgreSQL, ketnap worker during the import",
                int(live["events"]),
                "",
                "",
                "",
                "",
                round(live["import_seconds"], 1),
                "",
                round(live["current_seconds"], 1),
            ]
        )
        figures["PostgreSQL, worker during the import"] = {
            **live,
            "total_seconds": live["current_seconds"],
        }
    return Section(
        name="catchup",
        title=f"Read models after an import of {cases:,} generated cases: catch-up vs the import",
        columns=[
            "store",
            "events",
            "import events/s (baseline)",
            "catch-up events/s",
            "catch-up events per CPU s",
            "ratio",
            "import s",
            "catch-up s",
            "import + catch-up s",
        ],
        rows=rows,
        targets=[
            Target(
                f"a term imported and its dashboards current ({backend}), seconds",
                "27.8 + 78.9 (SQLite)",
                f"< {TARGET_SECONDS:.0f}",
                f"{f['total_seconds']:.1f}" + ("" if not quick else f", {cases:,} cases"),
                f["total_seconds"] < TARGET_SECONDS if not quick else None,
            )
            for backend, f in figures.items()
        ],
        details={k: dict(v) for k, v in figures.items()},
    )
