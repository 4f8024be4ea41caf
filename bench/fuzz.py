"""The long fuzz run: requests generated from ``schema.graphql`` against a real server process
for minutes, with the checks of the suite's ``tests/api/test_fuzz.py`` on every answer.

``python -m bench.fuzz [--minutes 5] [--postgres-url URL] [--batch 10]`` seeds tenants
``alpha`` and ``beta`` (``tests.fuzzing.seed``) into a throw-away store (SQLite in a temp dir,
or the empty PostgreSQL database ``--postgres-url`` names), starts ``ketnap serve`` on a free
port (and ``ketnap worker`` with PostgreSQL) as child processes, then until the time is up
sends batches of ``--batch`` requests of one kind (a query, or one mutation, in random order)
drawn by hypothesis with a random seed, each with one of the fuzz callers' tokens (the
mutations that close units and cases, ``tests.fuzzing.CLOSING``, five times less often).

Prints the totals: requests and requests/s, by HTTP status, by caller, by error code, the
mutations answered by a handler and accepted, the events stored (``alpha``, and ``beta``,
which must stay 0), the failures found (5xx, non-JSON, ``INTERNAL_ERROR``, an event from a
refused mutation, an event in ``beta``; each with its request), the server's resident memory
(RSS) after seeding and at the end, and the size of its log. Exits 1 when it found a failure.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, settings

from domain.values import Actor, Role
from service.api.auth import issue_dev_token
from service.bootstrap import bootstrap
from service.settings import Settings
from service.store import Store
from tests.fuzzing import (
    CLOSING,
    ENABLE_HOME,
    HOME,
    OTHER,
    Caller,
    Request,
    Tally,
    check,
    mutation_names,
    requests,
    seed,
)
from tests.processes import Ketnap, free_port, serving, start

OPERATOR = Actor("fuzz-operator", Role.PLATFORM_OPERATOR)


def _rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` in KiB (``VmRSS`` of ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _head(store: Store, tenant: str) -> int:
    return int(store.app(tenant, write=False).recorder.max_notification_id() or 0)


def _wait_until_up(server: Ketnap, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server stopped:\n{server.output()[-3000:]}")
        if serving(base):
            return
        time.sleep(0.2)
    raise SystemExit("the server did not start in 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--postgres-url", default="", help="an empty database (default: SQLite)")
    parser.add_argument("--batch", type=int, default=10, help="requests of one kind in a row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data_dir = Path(work) / "data"
        config = Settings(
            data_dir=data_dir,
            key_file=Path(work) / "keys.json",
            database_url=args.postgres_url,
        )
        parts = bootstrap(config)
        for slug in (HOME, OTHER):
            parts.handlers.create_tenant(OPERATOR, slug, f"Đảng bộ {slug}", "other")
        seed(parts.handlers)
        env = {
            **os.environ,
            "KETNAP_DATA_DIR": str(data_dir),
            "KETNAP_KEY_FILE": str(config.key_file),
            "KETNAP_DATABASE_URL": args.postgres_url,
        }
        port = free_port()
        log = Path(work) / "server.log"
        server = start(env, log, "serve", "--no-demo", "--port", str(port))
        children = [server]
        if args.postgres_url:
            children.append(start(env, log, "worker", "--poll-interval", "1"))
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(server, base)
            _run(args, parts.settings, parts.store, f"{base}/graphql", server.process.pid, log)
        finally:
            for child in children:
                child.stop()
            parts.close()


def _run(
    args: argparse.Namespace, config: Settings, store: Store, url: str, pid: int, log: Path
) -> None:
    tokens: dict[Caller, str] = {}

    def token(caller: Caller) -> str:
        if caller not in tokens:
            tokens[caller] = issue_dev_token(
                config,
                subject="fuzz-user",
                roles=list(caller.roles),
                tenant=caller.tenant,
                units=list(caller.units),
            )
        return tokens[caller]

    operator = Caller("operator", None, (Role.PLATFORM_OPERATOR,))
    tally = Tally()
    start_heads = (_head(store, HOME), _head(store, OTHER))
    rss_start = _rss_kib(pid)
    started = time.monotonic()
    stop_at = started + args.minutes * 60
    kinds: list[str | None] = [None, *mutation_names()]

    def heads() -> tuple[int, int]:
        return _head(store, HOME), _head(store, OTHER)

    with httpx.Client(timeout=60) as client:

        def fuzz(kind: str | None) -> None:
            @settings(
                max_examples=args.batch,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(requests(kind))
            def send(request: Request) -> None:
                if time.monotonic() > stop_at:
                    return
                before = heads()
                response = client.post(
                    url,
                    json={"query": request.document, "variables": request.variables},
                    headers={"authorization": f"Bearer {token(request.caller)}"},
                )
                problems = check(request, response.status_code, response.text, heads, before, tally)
                for problem in problems:
                    print(f"FAILURE {problem}: {request.document[:300]!r}", file=sys.stderr)
                if request.field == "disableTenant":
                    client.post(
                        url,
                        json={"query": ENABLE_HOME},
                        headers={"authorization": f"Bearer {token(operator)}"},
                    )

            send()

        batches = 0
        while time.monotonic() < stop_at:
            kind = random.choice(kinds) if batches % 2 else None  # half the batches: queries
            if kind in CLOSING and random.random() < 0.8:
                kind = None  # closing units and cases less often, so the others find them open
            fuzz(kind)
            batches += 1
            if batches % 20 == 0:
                elapsed = time.monotonic() - started
                print(
                    f"… {elapsed:5.0f} s: {tally.requests} requests, "
                    f"{len(tally.failures)} failures",
                    file=sys.stderr,
                )
    elapsed = time.monotonic() - started
    end_heads = heads()
    rss_end = _rss_kib(pid)
    _report(tally, elapsed, start_heads, end_heads, rss_start, rss_end, log, store.backend)
    if tally.failures:
        sys.exit(1)


def _report(
    tally: Tally,
    elapsed: float,
    start: tuple[int, int],
    end: tuple[int, int],
    rss_start: int,
    rss_end: int,
    log: Path,
    backend: str,
) -> None:
    def counts(counter: dict[str, int] | dict[int, int], top: int = 30) -> str:
        items = sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))[:top]
        return ", ".join(f"{key}: {value:,}" for key, value in items)

    print(f"backend              {backend}")
    print(f"duration             {elapsed:,.0f} s")
    print(f"requests             {tally.requests:,} ({tally.requests / elapsed:,.1f}/s)")
    print(f"by status            {counts(dict(tally.statuses))}")
    print(f"by caller            {counts(dict(tally.operations))}")
    print(f"by error code        {counts(dict(tally.codes))}")
    handled = sum(tally.handled_mutations.values())
    accepted = sum(tally.accepted_mutations.values())
    print(
        f"mutations            {tally.fields.total() - tally.fields['query']:,} sent, "
        f"{handled:,} answered by a handler ({len(tally.handled_mutations)} kinds), "
        f"{accepted:,} accepted ({len(tally.accepted_mutations)} kinds)"
    )
    print(f"events stored        {HOME}: {end[0] - start[0]:,}, {OTHER}: {end[1] - start[1]:,}")
    print(
        f"server RSS           {rss_start / 1024:,.1f} MiB at start, {rss_end / 1024:,.1f} at end"
    )
    print(f"server log           {log.stat().st_size:,} bytes")
    print(f"failures             {len(tally.failures)}")
    for failure in tally.failures[:20]:
        print(f"  {failure}")


if __name__ == "__main__":
    main()
