"""What ``deploy/smoke.sh`` checks once its processes run (run by it, with the venv's Python).

``python deploy/smoke_checks.py keys DIR`` writes the token-signing key pair the identity
provider would hold (``DIR/jwt-private.pem``; the servers get ``DIR/jwt-public.pem`` as
``KETNAP_JWT_PUBLIC_KEY_FILE``, as the compose file mounts it as a secret).

``python deploy/smoke_checks.py check`` then talks to the running topology, named by the
environment smoke.sh sets (``SMOKE_*``), and fails (exit 1, the reason on stderr) at the first
thing that does not hold:

1. both servers (and the proxy, when smoke.sh runs nginx) answer ``/healthz`` and ``/readyz``;
2. tenants created through both servers (the owner role runs their DDL);
3. each tenant is projected by exactly one worker, and both workers have a share: the workers'
   ownership locks are session advisory locks, seen in ``pg_locks`` with the holder's
   ``application_name`` (``KETNAP_WORKER_NAME``) in ``pg_stat_activity``;
4. a unit established on one server is read back on the other, for every tenant; queries sent
   through nginx (``deploy/nginx.conf``) reach both servers;
5. one worker killed (SIGKILL): the other owns every tenant within seconds, and projects them;
6. read-your-writes across replicas: the remaining worker paused (SIGSTOP), a write on server A
   runs out its wait (``PROJECTION_LAGGING``); the worker resumes a moment later, and the
   writer's next query on server B waits for the read models and sees the write, while another
   caller's query on B right before was answered at once without it;
7. each server's and the surviving worker's Prometheus metrics (on their own
   ``KETNAP_METRICS_PORT``, never the public port: ``/metrics`` there is 404) hold the series
   ``docs/observability.md`` lists, with what this run did in them: requests by operation and
   outcome, latencies, the ``PROJECTION_LAGGING`` refusal, events appended and projection lag
   per tenant, the pools; the worker's events projected per tenant and every tenant owned.

Only the standard library and dependencies of Ketnap (psycopg, PyJWT, prometheus-client): no
test extras needed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families

from projections.sql import OWNER_LOCK_CLASS

TENANTS = ("hanoi", "haiphong", "danang", "cantho")
ESTABLISH = (
    "mutation($input: EstablishUnitInput!) { establishUnit(input: $input) { __typename "
    "... on UnitPayload { position unit { code } } ... on DomainError { code messageEn } } }"
)
UNITS = "{ orgUnits(first: 100) { edges { node { code } } } }"
CREATE_TENANT = (
    "mutation($slug: String!, $name: String!) { createTenant(slug: $slug, name: $name) {"
    " __typename ... on DomainError { code messageEn } } }"
)


class SmokeFailed(Exception):
    """Something the deployment must do did not hold."""


def write_keys(directory: Path) -> None:
    """An ES256 key pair: the private key signs the smoke's tokens, the public one checks them."""
    key = ec.generate_private_key(ec.SECP256R1())
    directory.mkdir(parents=True, exist_ok=True)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = directory / "jwt-private.pem"
    path.write_bytes(private)
    path.chmod(0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (directory / "jwt-public.pem").write_bytes(public)


class Topology:
    """The running processes, as smoke.sh describes them in the environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.servers = {"A": env["SMOKE_SERVER_A"], "B": env["SMOKE_SERVER_B"]}
        if env.get("SMOKE_PROXY"):
            self.servers["proxy"] = env["SMOKE_PROXY"]
        self.proxy_log = Path(env.get("SMOKE_PROXY_LOG", "/nonexistent"))
        self.workers = {
            env["SMOKE_WORKER_A_NAME"]: int(env["SMOKE_WORKER_A_PID"]),
            env["SMOKE_WORKER_B_NAME"]: int(env["SMOKE_WORKER_B_PID"]),
        }
        self.metrics = {"A": env["SMOKE_METRICS_A"], "B": env["SMOKE_METRICS_B"]}
        self.worker_metrics = {
            env["SMOKE_WORKER_A_NAME"]: env["SMOKE_WORKER_A_METRICS"],
            env["SMOKE_WORKER_B_NAME"]: env["SMOKE_WORKER_B_METRICS"],
        }
        self.admin_dsn = env["SMOKE_ADMIN_DSN"]
        self.database = env["SMOKE_DATABASE"]
        self.app_url = env["KETNAP_DATABASE_URL"]
        self.signing_key = Path(env["SMOKE_JWT_PRIVATE_KEY"]).read_bytes()
        self.issuer = env.get("KETNAP_JWT_ISSUER", "")
        self.audience = env.get("KETNAP_JWT_AUDIENCE", "")

    def token(self, subject: str, role: str, tenant: str | None = None) -> str:
        """A bearer token as the identity provider would sign it."""
        now = int(time.time())
        claims: dict[str, Any] = {"sub": subject, "roles": [role], "iat": now, "exp": now + 600}
        if tenant is not None:
            claims["tenant"] = tenant
        if self.issuer:
            claims["iss"] = self.issuer
        if self.audience:
            claims["aud"] = self.audience
        return jwt.encode(claims, self.signing_key, algorithm="ES256", headers={"kid": "smoke"})

    def get(self, server: str, path: str) -> int:
        """The status of ``GET path`` on ``server``."""
        try:
            with urllib.request.urlopen(self.servers[server] + path, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def samples(self, url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
        """The samples of the Prometheus exposition at ``url/metrics``, by sample name."""
        with urllib.request.urlopen(url + "/metrics", timeout=30) as response:
            text = response.read().decode()
        found: dict[str, list[tuple[dict[str, str], float]]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
        return found

    def graphql(
        self, server: str, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The JSON answer of a GraphQL request to ``server``."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.servers[server] + "/graphql",
            data=body,
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read())
        return answer

    def data(
        self, server: str, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``data`` of a request that must not fail."""
        answer = self.graphql(server, token, query, variables)
        if answer.get("errors"):
            raise SmokeFailed(f"server {server}: {answer['errors']}")
        data: dict[str, Any] = answer["data"]
        return data

    def connections(self) -> dict[tuple[str, str], int]:
        """Open connections to the database, by role and ``application_name``."""
        with psycopg.connect(self.admin_dsn, dbname=self.database, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT usename, application_name, count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1, 2 ORDER BY 2",
                (self.database,),
            ).fetchall()
        return {(str(role), str(name)): int(count) for role, name, count in rows}

    def owners(self) -> dict[str, list[str]]:
        """Each tenant's holders of its ownership lock (worker names)."""
        with psycopg.connect(self.admin_dsn, dbname=self.database, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT t.slug, a.application_name FROM platform.tenants t"
                " LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted"
                " AND l.classid = %s AND l.objsubid = 2"
                " AND l.objid::bigint = (hashtext('t_' || t.slug)::bigint & 4294967295)"
                " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " LEFT JOIN pg_stat_activity a ON a.pid = l.pid",
                (OWNER_LOCK_CLASS,),
            ).fetchall()
        owners: dict[str, list[str]] = {}
        for slug, holder in rows:
            owners.setdefault(str(slug), [])
            if holder is not None:
                owners[str(slug)].append(str(holder))
        return owners


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> float:
    """Seconds until ``check`` held (polled every 0.1 s); :class:`SmokeFailed` after
    ``seconds``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise SmokeFailed(f"not within {seconds:g} s: {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def say(message: str) -> None:
    """One line of progress."""
    print(f"smoke: {message}", flush=True)


def unit(code: str) -> dict[str, Any]:
    """An ``establishUnit`` input."""
    return {
        "input": {
            "code": code,
            "name": f"Đơn vị {code}",
            "kind": "COMMITTEE",
            "parentCode": None,
            "occurredOn": "2015-01-01",
        }
    }


def codes(data: dict[str, Any]) -> set[str]:
    """The unit codes of an ``orgUnits`` answer."""
    return {edge["node"]["code"] for edge in data["orgUnits"]["edges"]}


def check(top: Topology) -> None:
    """Everything the module docstring lists, in order."""
    for server in top.servers:
        for path in ("/healthz", "/readyz"):
            status = top.get(server, path)
            if status != 200:
                raise SmokeFailed(f"server {server}: {path} answered {status}")
    say("both servers live and ready")

    operator = top.token("smoke-operator", "platform_operator")
    for number, slug in enumerate(TENANTS):
        server = "AB"[number % 2]
        created = top.data(server, operator, CREATE_TENANT, {"slug": slug, "name": slug.title()})
        if created["createTenant"]["__typename"] != "TenantPayload":
            raise SmokeFailed(f"createTenant {slug} on {server}: {created}")
    say(f"tenants {', '.join(TENANTS)} created through servers A and B")

    with psycopg.connect(top.app_url, autocommit=True) as conn:
        for statement in (
            f"UPDATE t_{TENANTS[0]}.ketnap_events SET topic = topic",
            f"DELETE FROM t_{TENANTS[0]}.ketnap_events",
            f"TRUNCATE t_{TENANTS[0]}.ketnap_events",
            "CREATE SCHEMA t_intruder",
        ):
            try:
                conn.execute(statement.encode())
            except psycopg.errors.InsufficientPrivilege:
                continue
            raise SmokeFailed(f"the application role may run: {statement}")
    say("the application role cannot UPDATE, DELETE or TRUNCATE events, nor create schemas")

    def shared() -> bool:
        owners = top.owners()
        holders = [names for slug, names in owners.items() if slug in TENANTS]
        every_one_once = len(holders) == len(TENANTS) and all(len(n) == 1 for n in holders)
        return every_one_once and {n[0] for n in holders} == set(top.workers)

    seconds = wait_until(shared, 30, "each tenant owned by exactly one worker, both working")
    say(f"ownership after {seconds:.1f} s: {top.owners()}")

    for number, slug in enumerate(TENANTS):
        writer, reader = ("A", "B") if number % 2 == 0 else ("B", "A")
        token = top.token(f"organizer-{slug}", "organizer", slug)
        payload = top.data(writer, token, ESTABLISH, unit(f"U{number}"))["establishUnit"]
        if payload["__typename"] != "UnitPayload":
            raise SmokeFailed(f"establishUnit on {writer}: {payload}")
        if f"U{number}" not in codes(top.data(reader, token, UNITS)):
            raise SmokeFailed(f"{slug}: unit written on server {writer} not read on {reader}")
    say("each tenant: a unit written on one server is read back on the other")

    if "proxy" in top.servers:
        token = top.token("through-the-proxy", "organizer", TENANTS[0])
        for _ in range(6):
            if "U0" not in codes(top.data("proxy", token, UNITS)):
                raise SmokeFailed("the proxy answered without the unit")
        # nginx's log line ends with the upstream's address and the request id.
        upstreams = {
            line.split()[-2]
            for line in top.proxy_log.read_text(encoding="utf-8").splitlines()
            if '"POST /graphql"' in line and " 200 " in line
        }
        expected = {
            url.removeprefix("http://") for key, url in top.servers.items() if key != "proxy"
        }
        if upstreams != expected:
            raise SmokeFailed(f"the proxy sent to {upstreams}, not to both servers {expected}")
        say(f"nginx (deploy/nginx.conf) spread queries over both servers: {sorted(upstreams)}")
    else:
        say("no nginx installed: the proxy is not checked")

    killed, survivor = sorted(top.workers)
    orphans = [slug for slug, names in top.owners().items() if names == [killed]]
    os.kill(top.workers[killed], signal.SIGKILL)
    seconds = wait_until(
        lambda: all(names == [survivor] for names in top.owners().values()),
        15,
        f"{survivor} owns every tenant after {killed} was killed",
    )
    say(f"{killed} killed (SIGKILL): {survivor} took over {orphans} in {seconds:.1f} s")
    for slug in orphans:
        token = top.token(f"organizer-{slug}", "organizer", slug)
        payload = top.data("A", token, ESTABLISH, unit("AFTER"))["establishUnit"]
        if payload["__typename"] != "UnitPayload" or "AFTER" not in codes(
            top.data("B", token, UNITS)
        ):
            raise SmokeFailed(f"{slug}: not projected after the takeover: {payload}")
    say("the orphaned tenants are projected again")

    # What each process holds now, after its share of the load (deploy/README.md, "Sizing").
    limit = int(os.environ.get("KETNAP_PG_POOL_SIZE", "5")) + int(
        os.environ.get("KETNAP_PG_MAX_OVERFLOW", "5")
    )
    held = top.connections()
    say(f"connections (role, application_name: count): {held}")
    for (_, name), count in held.items():
        if count > limit:
            raise SmokeFailed(f"{name} holds {count} connections, more than {limit}")

    slug = TENANTS[0]
    writer = top.token("writer-behind", "organizer", slug)
    other = top.token("someone-else", "organizer", slug)
    survivor_pid = top.workers[survivor]
    os.kill(survivor_pid, signal.SIGSTOP)
    try:
        answer = top.graphql("A", writer, ESTABLISH, unit("LAGGED"))
        refusals = [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]
        if refusals != ["PROJECTION_LAGGING"]:
            raise SmokeFailed(f"a write with the worker paused answered {answer}")
        if "LAGGED" in codes(top.data("B", other, UNITS)):
            raise SmokeFailed("the read models moved while the worker was paused")
        resume = threading.Timer(0.5, os.kill, args=(survivor_pid, signal.SIGCONT))
        started = time.monotonic()
        resume.start()
        seen = codes(top.data("B", writer, UNITS))
        waited = time.monotonic() - started
        resume.join()
    finally:
        os.kill(survivor_pid, signal.SIGCONT)
    if "LAGGED" not in seen:
        raise SmokeFailed("read-your-writes across replicas: B answered without the write")
    say(
        f"read-your-writes across replicas: the write lagged on A; the writer's query on B "
        f"waited {waited:.1f} s for the resumed worker and saw it"
    )
    check_metrics(top, survivor)


def _value(
    samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
    return sum(
        value
        for have, value in samples.get(name, [])
        if all(have.get(k) == v for k, v in labels.items())
    )


def check_metrics(top: Topology, survivor: str) -> None:
    """Step 7: the series of docs/observability.md, filled by what this run did."""
    for server in ("A", "B"):
        if top.get(server, "/metrics") != 404:
            raise SmokeFailed(f"server {server}: /metrics answers on the public port")
    servers = {server: top.samples(url) for server, url in top.metrics.items()}
    both = {
        name: [s for samples in servers.values() for s in samples.get(name, [])]
        for name in {n for samples in servers.values() for n in samples}
    }
    wanted = {
        "ketnap_requests_total": {"operation": "establishUnit", "outcome": "ok"},
        "ketnap_request_duration_seconds_count": {"operation": "orgUnits"},
        "ketnap_refusals_total": {"code": "PROJECTION_LAGGING"},
        "ketnap_events_appended_total": {"tenant": TENANTS[0]},
        "ketnap_pg_pool_connections": {"pool": "app"},
        "ketnap_store_up": {},
    }
    for name, labels in wanted.items():
        if _value(both, name, **labels) <= 0:
            raise SmokeFailed(f"servers' metrics: no {name} {labels}")
    for slug in TENANTS:
        lag = [
            v
            for labels, v in both.get("ketnap_projection_lag_events", [])
            if labels.get("tenant") == slug
        ]
        if not lag or any(v < 0 for v in lag):
            raise SmokeFailed(f"servers' metrics: no projection lag for {slug}: {lag}")
    worker = top.samples(top.worker_metrics[survivor])
    owned = _value(worker, "ketnap_worker_tenants_owned")
    if owned != len(TENANTS):
        raise SmokeFailed(f"{survivor}'s metrics: owns {owned} tenants, not {len(TENANTS)}")
    for slug in TENANTS:
        if _value(worker, "ketnap_worker_events_projected_total", tenant=slug) <= 0:
            raise SmokeFailed(f"{survivor}'s metrics: no events projected for {slug}")
    if _value(worker, "ketnap_pg_pool_connections", pool="app") <= 0:
        raise SmokeFailed(f"{survivor}'s metrics: no pool")
    say(
        "metrics on their own ports (404 on the public one): requests "
        f"{_value(both, 'ketnap_requests_total'):.0f}, refusals "
        f"{_value(both, 'ketnap_refusals_total'):.0f}, events appended "
        f"{_value(both, 'ketnap_events_appended_total'):.0f} on the servers; {survivor} owns "
        f"{owned:.0f} tenants, projected "
        f"{_value(worker, 'ketnap_worker_events_projected_total'):.0f} events"
    )


def main(argv: list[str]) -> int:
    """``keys DIR`` or ``check``."""
    if len(argv) == 2 and argv[0] == "keys":
        write_keys(Path(argv[1]))
        return 0
    if argv == ["check"]:
        try:
            check(Topology(dict(os.environ)))
        except SmokeFailed as failed:
            print(f"smoke: FAILED: {failed}", file=sys.stderr)
            return 1
        say("all checks passed")
        return 0
    print("usage: smoke_checks.py keys DIR | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
