"""Read-after-write through a streaming replica: ``python -m bench.replica_reads [--rounds N]``.

Starts a private primary and its replica (:mod:`bench.replica_cluster`, throw-away durability:
``fsync`` and ``synchronous_commit`` off), and two servers (two ``ketnap serve`` as a proxy
would reach them, projections inline). Each round one caller writes on server A
(``establishUnit``) and at once queries on server B (``orgUnits``), which must show the write.
Two set-ups, taking turns twice so that load on the machine falls on both: queries reading the
primary (no ``KETNAP_READ_DATABASE_URL``, the baseline) and queries reading the replica. Prints
the medians and 90th percentiles of the mutation and of the query after it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from bench.replica_cluster import ReplicatedCluster
from domain.values import Actor, Role
from service.api.auth import issue_dev_token
from service.bootstrap import bootstrap
from tests.api.conftest import serving

TODAY = date(2026, 11, 21)
ESTABLISH = "mutation($input: EstablishUnitInput!) { establishUnit(input: $input) { __typename } }"
UNITS = "{ orgUnits(first: 1) { edges { node { code } } } }"


def _rounds(environ: dict[str, str], rounds: int, first: int) -> tuple[list[float], list[float]]:
    """Seconds of each mutation on A and of the query on B right after it."""
    writes, reads = [], []
    with (
        bootstrap(environ=environ, inline=True, today=lambda: TODAY) as parts_a,
        bootstrap(environ=environ, inline=True, today=lambda: TODAY) as parts_b,
        serving(parts_a) as api_a,
        serving(parts_b) as api_b,
        httpx.Client(timeout=60) as client,
    ):
        url_a, url_b = api_a.url, api_b.url
        token = issue_dev_token(
            parts_a.settings, subject="writer", roles=[Role.ORGANIZER], tenant="alpha"
        )
        headers = {"authorization": f"Bearer {token}"}
        for n in range(first, first + rounds):
            unit = {"code": f"U{n}", "name": f"Đơn vị {n}", "kind": "COMMITTEE",
                    "parentCode": None, "occurredOn": "2015-01-01"}  # fmt: skip
            started = time.perf_counter()
            wrote = client.post(
                url_a, json={"query": ESTABLISH, "variables": {"input": unit}}, headers=headers
            ).json()
            middle = time.perf_counter()
            read = client.post(url_b, json={"query": UNITS}, headers=headers).json()
            writes.append(middle - started)
            reads.append(time.perf_counter() - middle)
            if wrote.get("errors") or read.get("errors"):
                msg = f"round {n}: {wrote} {read}"
                raise RuntimeError(msg)
    return writes, reads


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"median {statistics.median(values) * 1000:7.2f} ms, p90 {p90 * 1000:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="rounds per turn (default 100)")
    rounds = parser.parse_args().rounds
    clusters = ReplicatedCluster()
    try:
        home = Path(tempfile.mkdtemp(prefix="ketnap-replica-bench."))
        primary = {
            "KETNAP_DATA_DIR": str(home / "data"),
            "KETNAP_KEY_FILE": str(home / "keys.json"),
            "KETNAP_DATABASE_URL": clusters.primary_url,
            "KETNAP_PG_POOL_SIZE": "2",
            "KETNAP_PG_MAX_OVERFLOW": "2",
        }
        replica = dict(primary, KETNAP_READ_DATABASE_URL=clusters.replica_url)
        with bootstrap(environ=primary, inline=True, today=lambda: TODAY) as parts:
            operator = Actor("ops", Role.PLATFORM_OPERATOR)
            parts.handlers.create_tenant(operator, "alpha", "Đảng bộ alpha", "other")
        figures: dict[str, tuple[list[float], list[float]]] = {
            "primary": ([], []),
            "replica": ([], []),
        }
        turn = 0
        for _ in range(2):
            for name, environ in (("primary", primary), ("replica", replica)):
                writes, reads = _rounds(environ, rounds, turn * rounds)
                figures[name][0].extend(writes)
                figures[name][1].extend(reads)
                turn += 1
        for name, (writes, reads) in figures.items():
            print(f"queries on the {name:7}: mutation {_ms(writes)}; query after it {_ms(reads)}"
                  f" ({len(reads)} rounds)")  # fmt: skip
    finally:
        clusters.remove()


if __name__ == "__main__":
    main()
