"""A real province's term through the API: Bà Rịa–Vũng Tàu, 2010–2015 (seed article 004: 9,701
admissions against a quota of 9,352), on the embedded store.

Tenant ``brvt`` gets 15 units (:func:`~bench.proving.workload.province_tree`) and the term's
quota; then 9,701 cases (``--quick``: 400), discovered from June 2010 to mid-2014 in the order
of their numbers, are each taken to admission (12 mutations: discovery to the ceremony) by 2
client threads through ``ketnap serve`` (SQLite, projections inline), each answer waiting for
its write to be readable. The rate is taken per window of mutations; the ratio is the last
window's rate ÷ the first's: flat costs keep it near 1 however long the history grows.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.proving.common import create_tenant, open_parts, send, served, settings_for, token
from bench.proving.report import Latencies, Say, Section, Target
from bench.proving.workload import TOP, case_commands, province_tree
from domain.candidates import Stage
from domain.commands import SetQuota
from domain.quotas import Period, QuotaTarget

TENANT = "brvt"
ADMISSIONS, QUOTA = 9_701, 9_352
CLIENTS = 2


def run(_database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    total = 400 if quick else ADMISSIONS
    window = 1_200 if quick else 6_000  # mutations
    settings = settings_for(work, "term")
    parts = open_parts(settings, inline=True)
    units = province_tree(15)
    create_tenant(
        parts,
        TENANT,
        [
            *units.commands,
            SetQuota(
                unit_code=TOP,
                period=Period.term(2010, 2015),
                target=QuotaTarget.number(QUOTA),
                occurred_on=date(2010, 10, 1),
            ),
        ],
    )
    parts.close()
    rng = random.Random(2010)
    span = (date(2014, 6, 30) - date(2010, 6, 1)).days
    queue = [
        case_commands(
            n,
            units.branches[n % len(units.branches)],
            date(2010, 6, 1) + timedelta(days=span * n // total),
            Stage.PROBATIONARY,
            rng,
        )
        for n in range(1, total + 1)
    ]
    bearer = token(settings, TENANT)
    lock = threading.Lock()
    done: list[float] = []  # perf_counter of each answered mutation
    latency = Latencies()
    with served(settings, work / "term" / "run.log", worker=False) as (server, _):

        def client() -> None:
            with httpx.Client(timeout=60) as http:
                while True:
                    with lock:
                        if not queue:
                            return
                        commands = queue.pop(0)
                    for command in commands:
                        t0 = time.perf_counter()
                        send(http, server.url, bearer, command)
                        t1 = time.perf_counter()
                        with lock:
                            done.append(t1)
                            latency.add(t1 - t0)
                            if len(done) % window == 0:
                                rate = window / (t1 - done[-window])
                                say(f"term: {len(done):,} mutations, {rate:.0f}/s")

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    done.sort()
    windows = [
        window / (done[i + window - 1] - (done[i - 1] if i else started))
        for i in range(0, len(done) - window + 1, window)
    ]
    ratio = windows[-1] / windows[0]
    rows = [
        [f"mutations {i * window + 1:,}–{(i + 1) * window:,}", round(rate, 1)]
        for i, rate in enumerate(windows)
    ]
    return Section(
        name="term",
        title=f"The Bà Rịa–Vũng Tàu term through the API: {total:,} cases, {len(done):,} "
        f"mutations in {elapsed:.0f} s, {CLIENTS} clients, SQLite",
        columns=["window", "mutations/s"],
        rows=rows,
        targets=[
            Target(
                "the Bà Rịa–Vũng Tàu term through the API, mutations/s at the end ÷ at the start",
                "≈ 0.15",
                "≥ 0.9",
                f"{ratio:.2f} ({windows[0]:.0f}/s → {windows[-1]:.0f}/s)"
                + ("" if not quick else f", {total:,} cases"),
                ratio >= 0.9 if not quick else None,
            )
        ],
        details={
            "cases": total,
            "mutations": len(done),
            "seconds": elapsed,
            "window": window,
            "rates": windows,
            "latency": latency.summary(),
        },
    )
