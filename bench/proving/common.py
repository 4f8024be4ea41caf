"""What the benchmarks share: a store of their own, ``ketnap`` processes, clients, pacing."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.proving import profiles
from bench.proving.report import Latencies
from domain.commands import Command
from domain.values import Actor, Role
from service.api.auth import issue_dev_token
from service.bootstrap import Parts, bootstrap
from service.commands import Principal
from service.demo import ORGANIZER
from service.settings import Settings
from service.store.postgres import PROGRESS_CHANNEL
from tests.faults.clients import mutation_name, request_of
from tests.processes import Ketnap, Served, env_for, serve, start


def settings_for(work: Path, name: str, database_url: str = "") -> Settings:
    """A store of the benchmark's own under ``work/name`` (and its database, if any)."""
    root = work / name
    root.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=root / "data",
        key_file=work / "keys.json",
        database_url=database_url,
        pg_pool_size=10,
        pg_max_overflow=5,
    )


def principal(tenant: str) -> Principal:
    """The organizer the benchmarks record as."""
    return Principal(tenant, Actor("bench", Role.ORGANIZER))


def open_parts(settings: Settings, *, inline: bool, today: date | None = None) -> Parts:
    """The composition root's parts over ``settings``."""
    if today is None:
        return bootstrap(settings, inline=inline)
    return bootstrap(settings, inline=inline, today=lambda: today)


def create_tenant(parts: Parts, slug: str, commands: Sequence[Command] = ()) -> None:
    """Create ``slug`` and record ``commands`` in it through the handlers."""
    parts.handlers.create_tenant(ORGANIZER, slug, f"Benchmark {slug}", "provincial_committee")
    p = principal(slug)
    for command in commands:
        parts.handlers.handle(p, command)


def token(settings: Settings, tenant: str) -> str:
    """An organizer's development token for ``tenant``."""
    return issue_dev_token(settings, subject="bench", roles=[Role.ORGANIZER], tenant=tenant)


def process_env(settings: Settings) -> dict[str, str]:
    """The environment of the benchmark's ``ketnap`` processes: production pool sizes."""
    return env_for(settings, KETNAP_PG_POOL_SIZE="5", KETNAP_PG_MAX_OVERFLOW="5")


@contextlib.contextmanager
def served(
    settings: Settings, log: Path, *, worker: bool
) -> Iterator[tuple[Served, Ketnap | None]]:
    """``ketnap serve`` (and ``ketnap worker``) over ``settings``; stopped on exit."""
    env = process_env(settings)
    running: list[Ketnap] = []
    recordings: list[profiles.Recording | None] = []
    try:
        server = serve(env, log.with_suffix(".serve.log"))
        running.append(server)
        recordings.append(profiles.record(server.process.pid, f"{log.parent.name}-serve"))
        background = None
        if worker:
            background = start(env, log.with_suffix(".worker.log"), "worker")
            running.append(background)
            recordings.append(profiles.record(background.process.pid, f"{log.parent.name}-worker"))
        yield server, background
    finally:
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.process.pid, signal.SIGCONT)
            process.stop()
        for recording in recordings:
            if recording is not None:
                recording.finish()


class MutationFailed(RuntimeError):
    """The service refused a benchmark's mutation: the benchmark's history is wrong."""


def send(http: httpx.Client, url: str, bearer: str, command: Command) -> None:
    """POST ``command`` as its mutation; raise unless it was recorded."""
    response = http.post(
        url, json=request_of(command), headers={"authorization": f"Bearer {bearer}"}
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise MutationFailed(f"{type(command).__name__}: {response.status_code} {body}")
    result = body["data"][mutation_name(command)]
    if result["__typename"] == "DomainError":
        raise MutationFailed(f"{type(command).__name__}: {result['code']} {result['messageEn']}")


def post(http: httpx.Client, url: str, bearer: str, query: str) -> dict[str, Any]:
    """POST a query; its data (raise on errors)."""
    response = http.post(url, json={"query": query}, headers={"authorization": f"Bearer {bearer}"})
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{query[:60]}…: {response.status_code} {str(body)[:300]}")
    return body


def in_threads(work: Sequence[Callable[[], Any]]) -> tuple[float, list[Any]]:
    """Run each callable in its own thread, all released together; (seconds, results)."""
    barrier = threading.Barrier(len(work) + 1)

    def run(job: Callable[[], Any]) -> Any:
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(len(work)) as pool:
        futures = [pool.submit(run, job) for job in work]
        barrier.wait(timeout=60)
        started = time.perf_counter()
        results = [f.result() for f in futures]
        return time.perf_counter() - started, results


def paced(
    items: Sequence[Any], every: float, offset: float, act: Callable[[Any], None]
) -> Latencies:
    """``act`` on each item at ``offset + k·every`` seconds from now (late ones at once):
    the latency of each, from its sending."""
    latencies = Latencies()
    origin = time.perf_counter() + offset
    for k, item in enumerate(items):
        delay = origin + k * every - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t0 = time.perf_counter()
        act(item)
        latencies.add(time.perf_counter() - t0)
    return latencies


class ProgressListener:
    """Listens on the worker's progress channel: the newest position projected per tenant and
    when each was heard; can wait until a position is reached."""

    def __init__(self, database_url: str) -> None:
        self._conn = psycopg.connect(database_url, autocommit=True)
        self._conn.execute(f"LISTEN {PROGRESS_CHANNEL}")
        self._lock = threading.Condition()
        self.reached: dict[str, int] = {}
        #: (tenant, position, monotonic time heard) of every notification.
        self.heard: list[tuple[str, int, float]] = []
        self._stop = False
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop:
            for notify in self._conn.notifies(timeout=0.2):
                now = time.perf_counter()
                parts = notify.payload.split()
                if len(parts) != 2:  # "<slug> <position> failed": not progress
                    continue
                tenant, position = parts[0], int(parts[1])
                with self._lock:
                    self.heard.append((tenant, position, now))
                    self.reached[tenant] = max(self.reached.get(tenant, 0), position)
                    self._lock.notify_all()

    def wait(self, tenant: str, position: int, timeout: float = 120) -> None:
        """Until ``tenant`` is projected up to ``position``."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.reached.get(tenant, 0) >= position, timeout):
                raise TimeoutError(f"{tenant} not projected to {position} in {timeout} s")

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self._conn.close()


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(path: Path) -> list[str] | None:
    """The fields of a ``/proc/<pid>/stat`` after the command: state(0) ppid(1) … utime(11)
    stime(12) cutime(13) cstime(14); None when the process is gone."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """CPU time (user + system) of process ``pid`` so far, with its reaped children's when
    ``children`` (from ``/proc``; 0 when it is gone)."""
    fields = _stat(Path(f"/proc/{pid}/stat"))
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def postgres_data_dir(database_url: str) -> Path | None:
    """The cluster's data directory, when it runs on this machine and we may read it."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    path = Path(row[0]) if row else None
    return path if path is not None and (path / "postmaster.pid").exists() else None


def postgres_cpu(data_dir: Path | None) -> float:
    """CPU time of a PostgreSQL cluster: its postmaster (with the backends that ended) and
    every running backend (0 when ``data_dir`` is None: not our cluster)."""
    if data_dir is None:
        return 0.0
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total = cpu_seconds(postmaster, children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(stat)
        if fields is not None and int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total
