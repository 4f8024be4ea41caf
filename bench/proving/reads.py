"""Reads on the embedded store: GraphQL requests against ``GET /healthz`` on the same server.

The demo (``seed_demo``, 214 cases) is seeded into a SQLite store of the benchmark's own and
served by ``ketnap serve``; ``wrk -t2 -c8`` sends each request for a few seconds, in alternating
rounds (``/healthz``, then each query, again), with an organizer's token. Ratio: the query's
median requests/s ÷ ``/healthz``'s median requests/s.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from bench.proving.common import open_parts, post, served, settings_for, token
from bench.proving.report import Say, Section, Target, median
from bench.proving.wrk import Load, load, script
from service.demo import DEMO_SLUG, seed_demo

QUERIES = {
    "{ __typename }": "{ __typename }",
    "me": "{ me { subject tenant roles } }",
    "candidates page of 50 with units": (
        "{ candidates(first: 50) { totalCount edges { node { caseCode stage stageSince "
        "deadline { dueOn overdue } unit { code name parent { code } } } } } }"
    ),
    "quota attainment 2024": (
        '{ quotaAttainment(period: "2024", asOf: "2024-12-31") { code quota admitted percent } }'
    ),
    "audit page of 50": (
        "{ auditEntries(first: 50) { totalCount edges { node { position eventType summaryEn } } } }"
    ),
}


def run(_database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    rounds, seconds = (2, 3.0) if quick else (3, 10.0)
    settings = settings_for(work, "reads")
    parts = open_parts(settings, inline=True)
    seed_demo(parts.handlers)
    parts.close()
    bearer = token(settings, DEMO_SLUG)
    scripts = work / "reads"
    runs: dict[str, list[Load]] = {"GET /healthz": [], **{name: [] for name in QUERIES}}
    with served(settings, work / "reads" / "run.log", worker=False) as (server, _):
        lua = {"GET /healthz": script(scripts / "healthz.lua")}
        with httpx.Client(timeout=60) as http:
            for number, (name, query) in enumerate(QUERIES.items()):
                post(http, server.url, bearer, query)  # answers without errors
                lua[name] = script(
                    scripts / f"q{number}.lua", body=json.dumps({"query": query}), bearer=bearer
                )
        for r in range(rounds):
            for name, path in lua.items():
                url = f"{server.base}/healthz" if name == "GET /healthz" else server.url
                runs[name].append(load(url, path, seconds=seconds))
                say(f"reads round {r + 1} {name}: {runs[name][-1].rate:.0f} req/s")
    base = median([x.rate for x in runs["GET /healthz"]])
    rows = []
    ratios = {}
    for name, loads in runs.items():
        rate = median([x.rate for x in loads])
        ratios[name] = rate / base
        rows.append(
            [
                name,
                round(rate),
                round(rate / base, 3),
                median([x.p50_ms for x in loads]),
                median([x.p95_ms for x in loads]),
                median([x.p99_ms for x in loads]),
            ]
        )
    typename, page = ratios["{ __typename }"], ratios["candidates page of 50 with units"]
    return Section(
        name="reads",
        title="Reads: SQLite demo, one `ketnap serve`, wrk -t2 -c8, medians of rounds",
        columns=["request", "req/s", "÷ /healthz", "p50 ms", "p95 ms", "p99 ms"],
        rows=rows,
        targets=[
            Target(
                "`{ __typename }` ÷ `GET /healthz`, same server",
                "0.089",
                "≥ 0.5",
                f"{typename:.3f}",
                typename >= 0.5,
            ),
            Target(
                "candidates page of 50 with units ÷ `GET /healthz`",
                "0.011",
                "≥ 0.1",
                f"{page:.3f}",
                page >= 0.1,
            ),
        ],
        details={"runs": {k: [vars(x) for x in v] for k, v in runs.items()}, "ratios": ratios},
    )
