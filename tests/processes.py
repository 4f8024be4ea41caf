"""Real ``ketnap`` processes for the tests (and ``bench/``): ``ketnap serve`` on a free port,
``ketnap worker``, each with its output in a log file, and stopped for sure.

The output goes to a file, not a pipe: a full pipe would stall the process, and the log can be
read at any time (a test searches it, a failure shows it). The environment is the test's own
without its ``KETNAP_`` variables, so that a developer's settings never leak into a test: the
test names every setting its processes use (:func:`env_for`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.settings import Settings

#: The checkout the processes run from.
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on now (bound to port 0, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(settings: Settings | None = None, **variables: str) -> dict[str, str]:
    """The environment of a ``ketnap`` process: this one's without its ``KETNAP_`` variables;
    with ``settings``, their data directory, key file and database URL (if any) and a small
    pool (2 + 2: the suite's cluster has few connections to share); then ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNAP_")}
    if settings is not None:
        env.update(KETNAP_DATA_DIR=str(settings.data_dir))
        if settings.key_file is not None:
            env.update(KETNAP_KEY_FILE=str(settings.key_file))
        if settings.database_url:
            env.update(KETNAP_DATABASE_URL=settings.database_url)
        env.update(KETNAP_PG_POOL_SIZE="2", KETNAP_PG_MAX_OVERFLOW="2")
    env.update(variables)
    return env


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, *, every: float = 0.05
) -> float:
    """Poll ``check`` every ``every`` s until it holds; the seconds that took. Fails the test
    after ``timeout`` s."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout} s waiting until {what}")
        time.sleep(every)
    return time.monotonic() - started


def serving(base: str) -> bool:
    """Whether a server answers ``/healthz`` at ``base`` (``http://host:port``)."""
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Ketnap:
    """A ``ketnap`` subprocess; its stdout and stderr go to ``log``."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Its log so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 20) -> str:
        """Stop it (SIGTERM; SIGKILL after ``timeout`` s) if it runs; its whole log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.output()

    def kill(self) -> None:
        """Kill it (SIGKILL) if it runs, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def start(env: dict[str, str], log: Path, *args: str) -> Ketnap:
    """``ketnap ARGS`` in a subprocess from this checkout, its output appended to ``log``."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Ketnap(process, log)


@dataclass
class Served(Ketnap):
    """A ``ketnap serve`` that answers on 127.0.0.1, port ``port``."""

    port: int

    @property
    def base(self) -> str:
        """``http://127.0.0.1:port``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The GraphQL endpoint."""
        return f"{self.base}/graphql"


def serve(
    env: dict[str, str], log: Path, *args: str, port: int | None = None, timeout: float = 60
) -> Served:
    """``ketnap serve --no-demo ARGS`` on ``port`` (default: a free one), once it answers
    ``/healthz``. Fails the test with the server's log if it exits or does not answer in
    ``timeout`` s."""
    port = port or free_port()
    running = start(
        env, log, "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port), *args
    )
    served = Served(running.process, log, port)

    def up() -> bool:
        if served.process.poll() is not None:
            pytest.fail(f"ketnap serve exited:\n{served.output()}")
        return serving(served.base)

    try:
        wait_until(up, timeout, "ketnap serve answers", every=0.1)
    except BaseException:
        print(served.stop())
        raise
    return served
