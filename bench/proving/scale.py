"""Costs follow the result, not the history: the same requests against a tenant of 200 cases
and one of 20,000 (``--quick``: 2,000), both with a province's 700 units; and the dashboards of
the large one against ``{ __typename }``.

Both tenants get the same tree (:func:`~bench.proving.workload.province_tree`, 700 units) and
quotas for 2024 and the 2020–2025 term; their cases (:func:`~bench.proving.workload.cases`)
stop at stages drawn with the demo's weights, discovered from 2020 on. They are recorded through
the command handlers with projections off, then projected by a rebuild (the same read models
the events would have produced inline), in a SQLite store served by ``ketnap serve``.

Each request is sent by one client, in alternating rounds (small tenant, large tenant), and its
median latency in the large tenant is divided by the small one's. The dashboards — attainment
roll-up of 2024, the overdue page — are then loaded with ``wrk -t2 -c8`` against
``{ __typename }`` on the same server (requests/s ratio); their p99 is the one client's.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import httpx

from bench.proving.common import (
    create_tenant,
    open_parts,
    post,
    principal,
    send,
    served,
    settings_for,
    token,
)
from bench.proving.report import Latencies, Say, Section, Target, median
from bench.proving.workload import TOP, case_commands, cases, province_tree
from bench.proving.wrk import load, script
from domain.candidates import Stage
from domain.commands import Command, SetQuota
from domain.quotas import Period, QuotaTarget

UNITS = 700
SMALL, LARGE = "small", "large"
CASE = "HS-000150"
QUERIES = {
    "{ __typename }": "{ __typename }",
    "me": "{ me { subject tenant roles } }",
    "one case": (
        f'{{ candidate(caseCode: "{CASE}") {{ caseCode stage stageSince unit {{ code name }} '
        "deadline { dueOn overdue } } }"
    ),
    "one case's history": (
        f'{{ candidateTimeline(caseCode: "{CASE}") {{ position eventType occurredOn summaryEn }} }}'
    ),
    "cases page of 50 with units": (
        "{ candidates(first: 50) { edges { node { caseCode stage stageSince "
        "deadline { dueOn overdue } unit { code name parent { code } } } } } }"
    ),
    "one committee's cases": (
        '{ candidates(first: 50, filter: { unitCodes: ["DU001"] }) { edges { node { caseCode '
        "stage unit { code } } } } }"
    ),
    "overdue page (dashboard)": (
        "{ candidates(first: 50, orderBy: DEADLINE, filter: { overdueOnly: true }) { edges { "
        "node { caseCode stage deadline { dueOn overdue } unit { code name } } } } }"
    ),
    "attainment roll-up 2024 (dashboard)": (
        '{ quotaAttainment(period: "2024") { code quota admitted percent } }'
    ),
    "stage counts of a committee": (
        '{ stageCounts(unitCode: "DU001") { stage count unit { code } } }'
    ),
    "audit page of 50": (
        "{ auditEntries(first: 50, newestFirst: true) { edges { node { position eventType "
        "summaryEn } } } }"
    ),
}
MUTATION = "a new case (mutation)"
DASHBOARDS = ["overdue page (dashboard)", "attainment roll-up 2024 (dashboard)"]


def _quotas() -> list[Command]:
    on = date(2020, 8, 20)
    plans: list[Command] = [
        SetQuota(
            unit_code=TOP, period=Period.term(2020, 2025), target=QuotaTarget.number(3000),
            occurred_on=on,
        ),
        SetQuota(
            unit_code=TOP, period=Period.year(2024), target=QuotaTarget.number(600),
            occurred_on=date(2024, 1, 10),
        ),
    ]  # fmt: skip
    return plans


def _seed(parts: Any, slug: str, units: Any, number: int, say: Say) -> dict[str, float]:
    create_tenant(parts, slug, [*units.commands, *_quotas()])
    p = principal(slug)
    rng = random.Random(2024)
    t0, recorded = time.perf_counter(), 0
    for n, commands in enumerate(cases(number, units.branches, rng), start=1):
        for command in commands:
            parts.handlers.handle(p, command)
        recorded += len(commands)
        if n % 2000 == 0:
            say(
                f"scale: {slug} {n:,} cases, {recorded / (time.perf_counter() - t0):.0f} commands/s"
            )
    seeded = time.perf_counter() - t0
    t1 = time.perf_counter()
    parts.read_models.rebuild(slug)
    rebuilt = time.perf_counter() - t1
    say(f"scale: {slug}: {number:,} cases, {recorded:,} commands in {seeded:.0f} s, "
        f"projected in {rebuilt:.0f} s")  # fmt: skip
    return {"cases": number, "commands": recorded, "seed_s": seeded, "rebuild_s": rebuilt}


def run(_database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    large = 2_000 if quick else 20_000
    rounds, per_round = (2, 15) if quick else (3, 40)
    settings = settings_for(work, "scale")
    parts = open_parts(settings, inline=False)
    units = province_tree(UNITS)
    sizes = {
        SMALL: _seed(parts, SMALL, units, 200, say),
        LARGE: _seed(parts, LARGE, units, large, say),
    }
    for slug in (SMALL, LARGE):
        db = parts.store.read_models(slug)
        (found,) = db.read_once(f"SELECT count(*) FROM {db.table('rm_candidates')}")
        sizes[slug]["candidate_version_rows"] = found[0]
    parts.close()
    bearers = {slug: token(settings, slug) for slug in (SMALL, LARGE)}
    numbers = count(900_000)
    rng = random.Random(7)
    latencies: dict[tuple[str, str], Latencies] = {}
    wrk_runs: dict[str, list[float]] = {}
    with served(settings, work / "scale" / "run.log", worker=False) as (server, _):
        with httpx.Client(timeout=60) as http:
            for slug in (SMALL, LARGE):
                for query in QUERIES.values():
                    post(http, server.url, bearers[slug], query)  # warm, and no errors
            for r in range(rounds):
                for slug in (SMALL, LARGE):
                    for name, query in QUERIES.items():
                        lat = latencies.setdefault((name, slug), Latencies())
                        for _ in range(per_round):
                            t0 = time.perf_counter()
                            post(http, server.url, bearers[slug], query)
                            lat.add(time.perf_counter() - t0)
                    lat = latencies.setdefault((MUTATION, slug), Latencies())
                    for _ in range(per_round):
                        (command,) = case_commands(
                            next(numbers),
                            units.branches[0],
                            date(2026, 9, 1),
                            Stage.DISCOVERED,
                            rng,
                        )
                        t0 = time.perf_counter()
                        send(http, server.url, bearers[slug], command)
                        lat.add(time.perf_counter() - t0)
                say(f"scale: round {r + 1} of {rounds}")
        lua = {
            name: script(
                work / "scale" / f"d{n}.lua",
                body=json.dumps({"query": QUERIES[name]}),
                bearer=bearers[LARGE],
            )
            for n, name in enumerate(["{ __typename }", *DASHBOARDS])
        }
        for _ in range(rounds):
            for name, path in lua.items():
                result = load(server.url, path, seconds=3 if quick else 8)
                wrk_runs.setdefault(name, []).append(result.rate)
    rows: list[list[Any]] = []
    worst = 0.0
    for name in [*QUERIES, MUTATION]:
        small, big = latencies[(name, SMALL)], latencies[(name, LARGE)]
        ratio = big.ms(50) / small.ms(50)
        worst = max(worst, ratio)
        rows.append([name, small.ms(50), big.ms(50), round(ratio, 2), big.ms(99)])
    base = median(wrk_runs["{ __typename }"])
    dash = {name: median(wrk_runs[name]) / base for name in DASHBOARDS}
    dash_p99 = max(latencies[(name, LARGE)].ms(99) for name in DASHBOARDS)
    for name in DASHBOARDS:
        rows.append([f"{name}, wrk -c8 ÷ {{ __typename }}", None, None, round(dash[name], 2), None])
    full = not quick
    return Section(
        name="scale",
        title=f"Scale: {UNITS} units; 200 cases ({sizes[SMALL]['candidate_version_rows']:,} "
        f"case version rows) vs {large:,} ({sizes[LARGE]['candidate_version_rows']:,}), SQLite, "
        "one client",
        columns=[
            "request",
            "p50 ms, 200 cases",
            f"p50 ms, {large:,} cases",
            "ratio",
            "p99 ms, large",
        ],
        rows=rows,
        targets=[
            Target(
                "any query or mutation: p50 with 20,000 cases ÷ with 200 cases",
                "63 ms scan per case read at 3,200 cases",
                "≤ 1.3",
                f"worst {worst:.2f}" + ("" if full else f" at {large:,} cases"),
                worst <= 1.3 if full else None,
            ),
            Target(
                "dashboards (attainment roll-up, overdue page) for 700 units / 20,000 cases ÷ "
                "`{ __typename }`",
                "—",
                "≥ 0.5, p99 ≤ 30 ms",
                f"{min(dash.values()):.2f}, p99 {dash_p99:.0f} ms (one client)"
                + ("" if full else f" at {large:,} cases"),
                (min(dash.values()) >= 0.5 and dash_p99 <= 30) if full else None,
            ),
        ],
        details={
            "sizes": sizes,
            "latency": {f"{n} / {s}": lat.summary() for (n, s), lat in latencies.items()},
            "dashboards_wrk_rates": wrk_runs,
        },
    )
