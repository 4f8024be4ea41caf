"""Request-cost benchmark: the attacks of issue 11 against the seeded demo, while another
tenant's ``{ me { tenant } }`` is timed.

``python -m bench.request_cost [--budget 10]`` seeds the demo tenant (200 cases) into a
throw-away SQLite store, creates a second tenant for the bystander, and serves the store twice
with ``ketnap serve``'s uvicorn configuration: once as configured by default
(``KETNAP_MAX_QUERY_ROWS`` 2,500) and once without a row limit, so that the time budget
(``--budget`` seconds) is what stops the costly query. For each attack it prints how long the
attacker waited, the answer's code, and the bystander's median, p99 and worst latency, and
the bystander's p99 as a ratio to its p99 in the same run while the attacker only sends
``{ __typename }`` (the baseline, first row).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from domain.values import Actor, Role
from service.api.app import make_app
from service.api.auth import issue_dev_token
from service.api.context import Services
from service.api.http_server import server_config
from service.bootstrap import bootstrap
from service.demo import DEMO_SLUG, seed_demo
from service.settings import Settings
from tests.attacks import PROFILE, fragment_bomb


def aliased_pages(count: int) -> str:
    """``count`` pages of 200 cases with personal data, each as recorded at another time
    (seconds apart, after the seeding: every page is full, none shares a cache entry)."""
    now = datetime.now(UTC)
    pages = " ".join(
        f'p{i}: candidates(first: 200, asRecordedAt: "{(now + timedelta(seconds=i)).isoformat()}")'
        f" {{ edges {{ node {{ {PROFILE} }} }} }}"
        for i in range(count)
    )
    return "{ " + pages + " }"


@contextmanager
def serving(services: Services) -> Iterator[str]:
    """The service on a free port with ``ketnap serve``'s configuration."""
    config = server_config(make_app(services), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class Bystander:
    """Another tenant's client asking ``{ me { tenant } }`` in a loop while an attack runs."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=600) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                client.post(
                    self.url,
                    json={"query": "{ me { tenant } }"},
                    headers={"authorization": f"Bearer {self.token}"},
                ).raise_for_status()
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.01)


def attack(url: str, document: str, attacker: str, bystander: str) -> dict[str, Any]:
    """Sends ``document`` while the bystander is timed (at least one second of probing)."""
    watcher = Bystander(url, bystander)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    time.sleep(0.2)
    started = time.perf_counter()
    with httpx.Client(timeout=600) as client:
        response = client.post(
            url, json={"query": document}, headers={"authorization": f"Bearer {attacker}"}
        )
    waited = time.perf_counter() - started
    time.sleep(max(0.0, 1.0 - waited))
    watcher.stop.set()
    thread.join(timeout=600)
    body = response.json()
    errors = body.get("errors") or []
    code = errors[0].get("extensions", {}).get("code") if errors else "ok (data)"
    latencies = sorted(watcher.latencies)
    return {
        "waited": waited,
        "status": response.status_code,
        "code": code,
        "median": statistics.median(latencies),
        "p99": statistics.quantiles(latencies, n=100, method="inclusive")[98],
        "max": latencies[-1],
        "n": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=10.0, help="request time budget (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(
            data_dir=Path(work) / "data",
            key_file=Path(work) / "keys.json",
            request_time_budget=args.budget,
        )
        parts = bootstrap(settings, today=lambda: date(2026, 11, 21))
        started = time.perf_counter()
        seed_demo(parts.handlers)
        parts.handlers.create_tenant(
            Actor("ops", Role.PLATFORM_OPERATOR), "bystander", "Đảng bộ khác", "other"
        )
        print(f"demo seeded in {time.perf_counter() - started:.1f} s")
        attacker = issue_dev_token(
            parts.settings, subject="attacker", roles=[Role.ORGANIZER], tenant=DEMO_SLUG
        )
        bystander = issue_dev_token(
            parts.settings, subject="bystander", roles=[Role.ORGANIZER], tenant="bystander"
        )
        services = Services.of(parts)
        unlimited = dataclasses.replace(
            services, settings=dataclasses.replace(settings, max_query_rows=10**9)
        )
        attacks = [
            ("default", services, "baseline: { __typename }", "{ __typename }"),
            ("default", services, "2^22 fragment spreads", fragment_bomb(22)),
            ("default", services, "2^40 fragment spreads", fragment_bomb(40)),
            ("default", services, "30 aliased pages of 200 profiles", aliased_pages(30)),
            ("default", services, "1 page of 200 profiles", aliased_pages(1)),
            ("default", services, "2 aliased pages of 200 profiles", aliased_pages(2)),
            ("no row limit", unlimited, "30 aliased pages of 200 profiles", aliased_pages(30)),
        ]
        print(
            f"{'server':13} {'attack':34} {'waited s':>9} {'answer':>18} "
            f"{'bystander median/p99/max s':>28} {'n':>5} {'p99/baseline':>12}"
        )
        baseline: float | None = None
        for label, served, name, document in attacks:
            with serving(served) as url:
                found = attack(url, document, attacker, bystander)
            answer = f"{found['status']} {found['code']}"
            figures = f"{found['median']:.3f}/{found['p99']:.3f}/{found['max']:.3f}"
            baseline = baseline or found["p99"]
            print(
                f"{label:13} {name:34} {found['waited']:9.2f} {answer:>18} {figures:>28} "
                f"{found['n']:5} {found['p99'] / baseline:12.1f}"
            )
        # a cancelled query's worker threads run on to their end: let them, before closing
        time.sleep(args.budget)
        parts.close()


if __name__ == "__main__":
    main()
