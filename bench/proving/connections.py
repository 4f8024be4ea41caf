"""Many tenants, few connections: 1,000 tenants (``--quick``: 100) created and written through
the API on PostgreSQL, with ``ketnap serve`` and ``ketnap worker`` each told apart in
``pg_stat_activity`` by its ``application_name``.

A platform operator creates each tenant (``createTenant``); then its organizer records two units
and a case in it (three mutations, each answered once readable). A sampler counts, every 0.2 s,
the connections of each process; the table shows the most seen at once. Baseline: the creation
of the first 10 tenants (p50), against which the last 10's is compared.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import psycopg

from bench.proving.common import post, send, settings_for, token
from bench.proving.report import Latencies, Say, Section, Target, median
from domain.commands import DiscoverCandidate, EstablishUnit
from domain.org_units import UnitKind
from domain.values import MassOrganization, Role
from service.api.auth import issue_dev_token
from tests.processes import env_for, serve, start
from tests.walks import person

CREATE = """mutation ($slug: String!) { createTenant(slug: $slug, name: "Đảng bộ thử", kind: OTHER) {
  __typename ... on DomainError { code messageEn } } }"""
APPS = ("bench-serve", "bench-worker")
#: The processes' own named connections: the server's registry watcher, the worker's LISTEN.
OWN = {"ketnap-registry-watcher": "bench-serve", "ketnap-worker": "bench-worker"}


def run(database_url: str, work: Path, *, quick: bool, say: Say) -> Section:
    tenants = 100 if quick else 1_000
    settings = settings_for(work, "connections", database_url)
    env = {
        app: env_for(
            settings,
            KETNAP_DATABASE_URL=f"{database_url}?application_name={app}",
            KETNAP_PG_POOL_SIZE="5",
            KETNAP_PG_MAX_OVERFLOW="5",
        )
        for app in APPS
    }
    peak: Counter[str] = Counter()
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while not stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' "
                    "GROUP BY 1"
                ).fetchall()
                for app, n in rows:
                    peak[app] = max(peak[app], n)
                stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log = work / "connections"
    log.mkdir(exist_ok=True)
    server = serve(env["bench-serve"], log / "serve.log")
    worker = start(env["bench-worker"], log / "worker.log", "worker")
    operator = issue_dev_token(settings, subject="ops", roles=[Role.PLATFORM_OPERATOR], tenant=None)
    create, write = Latencies(), Latencies()
    creations: list[float] = []
    try:
        with httpx.Client(timeout=60) as http:
            for n in range(tenants):
                slug = f"t{n:04d}"
                t0 = time.perf_counter()
                response = http.post(
                    server.url,
                    json={"query": CREATE, "variables": {"slug": slug}},
                    headers={"authorization": f"Bearer {operator}"},
                )
                seconds = time.perf_counter() - t0
                answer = response.json()["data"]["createTenant"]
                if answer["__typename"] == "DomainError":
                    raise RuntimeError(f"createTenant {slug}: {answer}")
                create.add(seconds)
                creations.append(seconds)
                bearer = token(settings, slug)
                for command in (
                    EstablishUnit(
                        code="CB1",
                        name="Đảng bộ 1",
                        kind=UnitKind.COMMITTEE,
                        parent_code=None,
                        occurred_on=date(2020, 1, 1),
                    ),
                    EstablishUnit(
                        code="CB2",
                        name="Chi bộ 2",
                        kind=UnitKind.GRASSROOTS_BRANCH,
                        parent_code="CB1",
                        occurred_on=date(2020, 1, 1),
                    ),
                    DiscoverCandidate(
                        introduced_by=MassOrganization.BRANCH,
                        case_code="HS-1",
                        unit_code="CB2",
                        person=person("Lê Thị Hoa", date(1999, 5, 1)),
                        occurred_on=date(2026, 3, 2),
                    ),
                ):
                    t0 = time.perf_counter()
                    send(http, server.url, bearer, command)
                    write.add(time.perf_counter() - t0)
                if (n + 1) % 100 == 0:
                    say(f"connections: {n + 1} tenants; peak so far {dict(peak)}")
            post(http, server.url, token(settings, f"t{tenants - 1:04d}"), "{ me { tenant } }")
    finally:
        stop.set()
        sampler.join(timeout=5)
        server.stop()
        worker.stop()
    first, last = median(creations[:10]), median(creations[-10:])
    # each process: its pool's connections and its own named one (peaks added: at most)
    per_process = {app: peak.get(app, 0) for app in APPS}
    for name, app in OWN.items():
        per_process[app] += peak.get(name, 0)
    rows = [
        *([f"{app}: pool", peak.get(app, 0)] for app in APPS),
        *([f"{owner}: {name}", peak.get(name, 0)] for name, owner in OWN.items()),
        *([f"{app}: total", per_process[app]] for app in APPS),
        *([f"other: {app}", n] for app, n in sorted(peak.items()) if app not in {*APPS, *OWN}),
    ]
    worst = max(per_process.values())
    return Section(
        name="connections",
        title=f"Connections: {tenants:,} tenants created and written through the API, PostgreSQL",
        columns=["process (application_name)", "most connections at once"],
        rows=[
            *rows,
            [
                "tenant creation p50 / p95 / p99 ms",
                f"{create.ms(50):.0f} / {create.ms(95):.0f} / {create.ms(99):.0f}",
            ],
            ["creation p50: last 10 ÷ first 10", round(last / first, 2)],
            ["mutation in a new tenant p50 / p99 ms", f"{write.ms(50):.0f} / {write.ms(99):.0f}"],
        ],
        targets=[
            Target(
                "PostgreSQL connections of one process for 1,000 tenants created and written",
                "—",
                "≤ 20, tenant creation p95 reported",
                f"{worst} (serve {per_process['bench-serve']}, worker "
                f"{per_process['bench-worker']}); creation p95 {create.ms(95):.0f} ms"
                + ("" if not quick else f", {tenants} tenants"),
                worst <= 20 if not quick else None,
            )
        ],
        details={
            "tenants": tenants,
            "peak": dict(peak),
            "per_process": per_process,
            "create": create.summary(),
            "write": write.summary(),
            "creation_last_over_first": last / first,
        },
    )
