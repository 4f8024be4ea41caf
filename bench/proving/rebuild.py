"""Rebuild of every projection against the raw read of the same rows, on PostgreSQL.

``bench.rebuild.measure``: tenants filled by copying a template history (see its docstring and
bench/README.md), each tenant's events read raw (psycopg, ``json.loads`` of each state), then
every projection of every tenant rebuilt. 100 tenants × 10,000 events (``--quick``: 5 × 10,000).
"""

from __future__ import annotations

from pathlib import Path

from bench.proving.report import Latencies, Say, Section, Target
from bench.rebuild import measure


def run(database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    tenants = 5 if quick else 100
    figures = measure(database_url, tenants=tenants, events=10_000, progress=say)
    per_tenant = Latencies(figures["tenant_seconds"])
    ratio = float(figures["ratio"])
    return Section(
        name="rebuild",
        title=f"Rebuild: {tenants} tenants × 10,000 events, every projection, PostgreSQL",
        columns=["figure", "value"],
        rows=[
            ["events", figures["events"]],
            ["rebuild seconds", round(float(figures["rebuild_seconds"]), 1)],
            ["rebuild events/s", round(float(figures["rebuild_events_per_s"]))],
            ["raw read rows/s (baseline)", round(float(figures["raw_read_rows_per_s"]))],
            ["rebuild ÷ raw read", round(ratio, 3)],
            [
                "one tenant's rebuild p50 / p95 / p99 s",
                f"{per_tenant.ms(50) / 1000:.2f} / {per_tenant.ms(95) / 1000:.2f} / "
                f"{per_tenant.ms(99) / 1000:.2f}",
            ],
        ],
        targets=[
            Target(
                "rebuild ÷ raw read of the same rows, 1,000,000 events",
                "0.042",
                "≥ 0.3",
                f"{ratio:.3f}" + ("" if not quick else f", {tenants * 10_000:,} events"),
                ratio >= 0.3 if not quick else None,
            )
        ],
        details=dict(figures),
    )
