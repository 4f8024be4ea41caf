"""GraphQL request benchmark: latency and throughput of typical requests over real HTTP.

``python -m bench.graphql [--requests 300] [--concurrency 4]`` seeds the demo tenant into a
throw-away SQLite store, serves it with uvicorn on a free port (the service of ``ketnap serve``),
and sends each request below ``--requests`` times from ``--concurrency`` client threads with
an organizer's token. Prints, per request: requests/s, median and p95 latency in ms.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import uvicorn

from domain.values import Role
from service.api.app import make_app
from service.api.auth import issue_dev_token
from service.api.context import Services
from service.api.http_server import server_config
from service.bootstrap import bootstrap
from service.demo import DEMO_SLUG, seed_demo
from service.settings import Settings

REQUESTS = {
    "me": "{ me { subject tenant roles } }",
    "candidates page of 50 with units": (
        "{ candidates(first: 50) { totalCount edges { node { caseCode stage stageSince "
        "deadline { dueOn overdue } unit { code name parent { code } } } } } }"
    ),
    "quota attainment 2024": (
        '{ quotaAttainment(period: "2024", asOf: "2024-12-31") { code quota admitted percent } }'
    ),
    "audit entries page of 50": (
        "{ auditEntries(first: 50) { totalCount edges { node { position eventType summaryEn } } } }"
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(data_dir=Path(work) / "data", key_file=Path(work) / "keys.json")
        parts = bootstrap(settings, today=lambda: date(2026, 11, 21))
        started = time.perf_counter()
        seed_demo(parts.handlers)
        print(f"demo seeded in {time.perf_counter() - started:.1f} s")
        services = Services.of(parts)
        port = _free_port()
        server = uvicorn.Server(
            server_config(make_app(services), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        token = issue_dev_token(
            parts.settings, subject="bench", roles=[Role.ORGANIZER], tenant=DEMO_SLUG
        )
        url = f"http://127.0.0.1:{port}/graphql"
        headers = {"authorization": f"Bearer {token}"}
        print(f"{'request':36} {'req/s':>8} {'median ms':>10} {'p95 ms':>8}")
        with httpx.Client(timeout=60, headers=headers) as client:
            for name, query in REQUESTS.items():
                client.post(url, json={"query": query}).raise_for_status()  # warm up

                def one(_: int, query: str = query) -> float:
                    t0 = time.perf_counter()
                    response = client.post(url, json={"query": query})
                    response.raise_for_status()
                    assert "errors" not in response.json(), response.text
                    return time.perf_counter() - t0

                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    latencies = sorted(pool.map(one, range(args.requests)))
                elapsed = time.perf_counter() - t0
                p95 = latencies[int(len(latencies) * 0.95) - 1]
                print(
                    f"{name:36} {args.requests / elapsed:8.0f} "
                    f"{statistics.median(latencies) * 1000:10.1f} {p95 * 1000:8.1f}"
                )
        server.should_exit = True
        thread.join(timeout=10)
        parts.close()


if __name__ == "__main__":
    main()
