"""Writes on PostgreSQL (fsync on): the full stack against the command handlers alone.

Tenant ``writes`` gets a 21-unit tree. Each of 8 clients takes its own cases through the first
steps of the procedure (discovery, sympathizer list, awareness certificate, application, two
sponsors: 6 mutations a case). Rounds alternate:

- **handlers**: 8 threads of this process call ``Handlers.handle`` with the command objects
  (the same aggregates, the same store); the worker is paused (SIGSTOP) so that it takes no
  CPU from them, then resumed and waited for;
- **full stack**: 8 HTTP clients send the same kind of commands as GraphQL mutations to
  ``ketnap serve``, with ``ketnap worker`` projecting; each answer waits for its own write to be
  readable (read-your-writes), as a client sees it.

Ratio: median full-stack rate ÷ median handlers rate. Then, at half the full stack's peak rate:
the full stack's latency (p99), and the projection lag — commit (``Handlers.handle`` returned
in this process) to the worker's progress notification covering it — of paced handler writes.
"""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.proving.common import (
    ProgressListener,
    cpu_seconds,
    create_tenant,
    in_threads,
    open_parts,
    paced,
    postgres_cpu,
    postgres_data_dir,
    principal,
    send,
    served,
    settings_for,
    token,
)
from bench.proving.report import Latencies, Say, Section, Target, median
from bench.proving.workload import case_commands, province_tree
from domain.candidates import Stage
from domain.commands import Command

TENANT = "writes"
CLIENTS = 8


def run(database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    rounds = 2 if quick else 3
    cases_per_client = 4 if quick else 12
    settings = settings_for(work, "writes", database_url)
    parts = open_parts(settings, inline=False)
    tree = province_tree(21)
    create_tenant(parts, TENANT, tree.commands)
    rng = random.Random(12)
    numbers = iter(range(1, 10**6))

    def batch(cases: int) -> list[list[Command]]:
        """For each client, the commands of its next ``cases`` cases, in order."""
        out: list[list[Command]] = []
        for client in range(CLIENTS):
            commands: list[Command] = []
            for _ in range(cases):
                number = next(numbers)
                start = date(2025, 1, 6) + timedelta(days=rng.randint(0, 200))
                commands += case_commands(
                    number, tree.branches[client % len(tree.branches)], start, Stage.SPONSORED, rng
                )
            out.append(commands)
        return out

    p = principal(TENANT)
    bearer = token(settings, TENANT)
    listener = ProgressListener(database_url)
    head = 0
    pg_dir = postgres_data_dir(database_url)
    rates: dict[str, list[float]] = {"handlers": [], "full stack": []}
    #: CPU seconds per process and side, summed over the rounds, and mutations counted.
    cpu: dict[str, dict[str, float]] = {"handlers": {}, "full stack": {}}
    counted = {"handlers": 0, "full stack": 0}
    latency = {"handlers": Latencies(), "full stack": Latencies()}
    try:
        with served(settings, work / "writes" / "run.log", worker=True) as (server, worker):
            assert worker is not None
            with httpx.Client(timeout=60) as warm:  # connections, caches, first documents
                for command in batch(1)[0]:
                    send(warm, server.url, bearer, command)

            def cpu_now() -> dict[str, float]:
                """CPU seconds so far of each process taking part."""
                return {
                    "ketnap serve": cpu_seconds(server.process.pid),
                    "ketnap worker": cpu_seconds(worker.process.pid),
                    "PostgreSQL": postgres_cpu(pg_dir),
                    "this process (handlers)": time.process_time(),
                }

            def by_handlers(commands: list[Command]) -> tuple[Latencies, int]:
                lat, last = Latencies(), 0
                for command in commands:
                    t0 = time.perf_counter()
                    result = parts.handlers.handle(p, command)
                    lat.add(time.perf_counter() - t0)
                    last = max(last, result.position or 0)
                return lat, last

            def by_api(commands: list[Command]) -> tuple[Latencies, int]:
                lat = Latencies()
                with httpx.Client(timeout=60) as http:
                    for command in commands:
                        t0 = time.perf_counter()
                        send(http, server.url, bearer, command)
                        lat.add(time.perf_counter() - t0)
                return lat, 0

            for r in range(rounds):
                for side in ("handlers", "full stack"):
                    work_items = batch(cases_per_client)
                    count = sum(len(c) for c in work_items)
                    before = cpu_now()
                    if side == "handlers":
                        os.kill(worker.process.pid, signal.SIGSTOP)
                        try:
                            seconds, results = in_threads(
                                [partial(by_handlers, c) for c in work_items]
                            )
                        finally:
                            os.kill(worker.process.pid, signal.SIGCONT)
                        head = max(last for _, last in results)
                        listener.wait(TENANT, head)
                    else:
                        seconds, results = in_threads([partial(by_api, c) for c in work_items])
                    after = cpu_now()
                    if side == "full stack":  # here this process runs the HTTP clients
                        after["this process (handlers)"] = before["this process (handlers)"]
                    for name, value in after.items():
                        cpu[side][name] = cpu[side].get(name, 0.0) + value - before[name]
                    counted[side] += count
                    for lat, _ in results:
                        latency[side].merge(lat)
                    rates[side].append(count / seconds)
                    say(f"writes round {r + 1} {side}: {count} mutations, {count / seconds:.1f}/s")

            peak = median(rates["full stack"])
            half = peak / 2
            every = CLIENTS / half  # seconds between one client's mutations
            say(f"writes: full stack at half its peak, {half:.1f}/s")
            work_items = batch(cases_per_client)
            seconds, results = in_threads(
                [
                    partial(_paced_api, server.url, bearer, c, every, i * every / CLIENTS)
                    for i, c in enumerate(work_items)
                ]
            )
            paced_api = Latencies()
            for lat in results:
                paced_api.merge(lat)

            say(f"writes: projection lag of handler writes at {half:.1f}/s")
            committed: dict[int, float] = {}
            heard_from = len(listener.heard)

            def commit(command: Command) -> None:
                result = parts.handlers.handle(p, command)
                committed[result.position or 0] = time.perf_counter()

            work_items = batch(cases_per_client)
            in_threads(
                [
                    partial(paced, c, every, i * every / CLIENTS, commit)
                    for i, c in enumerate(work_items)
                ]
            )
            listener.wait(TENANT, max(committed))
            lag = Latencies()
            heard = [(pos, t) for tenant, pos, t in listener.heard[heard_from:] if tenant == TENANT]
            for position, at in committed.items():
                seen = min(t for pos, t in heard if pos >= position)
                lag.add(max(0.0, seen - at))
    finally:
        listener.close()
        parts.close()

    ratio = median(rates["full stack"]) / median(rates["handlers"])
    rows: list[list[Any]] = [
        [
            side,
            rounds,
            round(median(rates[side]), 1),
            *(latency[side].summary()[k] for k in ("p50_ms", "p95_ms", "p99_ms")),
        ]
        for side in ("handlers", "full stack")
    ]
    rows.append(
        ["full stack at half peak", 1, round(half, 1)]
        + [paced_api.summary()[k] for k in ("p50_ms", "p95_ms", "p99_ms")]
    )
    rows.append(
        ["projection lag at half peak", 1, round(half, 1)]
        + [lag.summary()[k] for k in ("p50_ms", "p95_ms", "p99_ms")]
    )
    for side in ("handlers", "full stack"):
        rows.append(
            [f"CPU ms per mutation, {side}: "
             + ", ".join(f"{name} {1000 * sec / counted[side]:.1f}"
                         for name, sec in cpu[side].items()), None, None, None, None, None]
        )  # fmt: skip
    return Section(
        name="writes",
        title=f"Writes: PostgreSQL fsync on, {CLIENTS} clients, 6 mutations a case",
        columns=["side", "rounds", "mutations/s (median)", "p50 ms", "p95 ms", "p99 ms"],
        rows=rows,
        targets=[
            Target(
                "writes: full stack ÷ Handlers alone, 8 clients, PostgreSQL fsync on",
                "0.034",
                "≥ 0.5, p99 ≤ 50 ms at half the peak rate",
                f"{ratio:.2f}, p99 {paced_api.ms(99):.0f} ms at {half:.0f}/s",
                ratio >= 0.5 and paced_api.ms(99) <= 50,
            ),
            Target(
                "projection lag (commit → visible) p99 under that load",
                "488 ms",
                "≤ 100 ms",
                f"{lag.ms(99):.0f} ms (p50 {lag.ms(50):.0f})",
                lag.ms(99) <= 100,
            ),
        ],
        details={
            "rates": rates,
            "ratio": ratio,
            "latency": {k: v.summary() for k, v in latency.items()},
            "half_peak_rate": half,
            "half_peak_latency": paced_api.summary(),
            "lag": lag.summary(),
            "cpu_ms_per_mutation": {
                side: {k: 1000 * v / counted[side] for k, v in cpu[side].items()} for side in cpu
            },
        },
    )


def _paced_api(
    url: str, bearer: str, commands: list[Command], every: float, offset: float
) -> Latencies:
    with httpx.Client(timeout=60) as http:
        return paced(commands, every, offset, lambda c: send(http, url, bearer, c))
