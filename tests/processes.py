"""Real ``ketnap`` processes for the tests (and ``bench/``): ``ketnap serve`` on a free port,
``ketnap worker``, each with its output in a log file, and stopped for sure.

The output goes to a file, not a pipe: a full pipe would stall the process, and the log can be
read at any time (a test searches it, a failure shows it). The environment is the test's own
without its ``KETNAP_`` variables, so that a developer's settings never leak into a test: the
test names every setting its processes use (:func:`env_for`).
"""

from __future__ import annotations

import json
import locale
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


#: The fork server's program (see :class:`KetnapForks`): imports what ``service.cli`` imports,
#: then for each request line (JSON: args, cwd, env, output files, timeout) forks a child that
#: runs the module as ``python -m service.cli ARGS`` would, and answers the child's exit status.
_FORK_SERVER = r"""
import gc, json, os, runpy, signal, sys, threading, time
import service, service.cli
# imported again as __main__ by each child, as `python -m` does (runpy warns if it is loaded)
del sys.modules["service.cli"], service.cli
if threading.active_count() != 1:
    sys.exit("ketnap fork server: importing service.cli started a thread; forking is unsafe")
# the imported objects out of the collector's sight: a child's collections would touch (and so
# copy) every page of them
gc.freeze()
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        for fd, path, flags in (
            (0, os.devnull, os.O_RDONLY),
            (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            opened = os.open(path, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [sys.argv[0], *request["args"]]
        runpy.run_module("service.cli", run_name="__main__", alter_sys=True)
        # click exits by SystemExit, which ends this child as it ends `python -m` (exit
        # handlers, threads joined, tracebacks printed), never back in this loop
        sys.exit(0)
    deadline = time.monotonic() + request["timeout"]
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            done = os.waitpid(pid, 0)
            print(json.dumps({"timeout": True}), flush=True)
            break
        time.sleep(0.005)
    else:
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(done[1])}), flush=True)
"""


class KetnapForks:
    """``ketnap ARGS`` run as child processes forked from one server process that has already
    imported what ``service.cli`` imports.

    Each command is still a process of its own — its own working directory, environment, exit
    status, stdout and stderr, nothing shared with the commands before it — which runs
    ``service.cli`` as ``__main__`` exactly as ``python -m service.cli`` does. Only the imports
    are done once instead of per command: they cost about 2 s of CPU per process, which for a
    test running forty commands was most of its time. Nothing in the code under test reads the
    environment or the working directory at import time (``service.bootstrap`` reads them when
    a command runs), so a forked child sees what a fresh one would.
    """

    def __init__(self, env: dict[str, str], cwd: Path, scratch: Path) -> None:
        self.scratch = scratch
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.server = subprocess.Popen(
            [sys.executable, "-c", _FORK_SERVER],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(
        self, args: list[str], *, cwd: Path, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """``ketnap ARGS`` in ``cwd`` with environment ``env``, as ``subprocess.run`` with
        ``capture_output=True, text=True`` gives it; fails the test after ``timeout`` s."""
        self.count += 1
        out = self.scratch / f"{self.count}.stdout"
        err = self.scratch / f"{self.count}.stderr"
        request = {
            "args": args,
            "cwd": str(cwd),
            "env": env,
            "stdout": str(out),
            "stderr": str(err),
            "timeout": timeout,
        }
        assert self.server.stdin is not None
        assert self.server.stdout is not None
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        reply = self.server.stdout.readline()
        if not reply:
            pytest.fail(f"the ketnap fork server exited ({self.server.wait(10)})")
        answer = json.loads(reply)
        encoding = locale.getpreferredencoding(False)  # as subprocess's text mode
        stdout = out.read_text(encoding=encoding)
        stderr = err.read_text(encoding=encoding)
        if answer.get("timeout"):
            pytest.fail(f"ketnap {args} timed out after {timeout} s:\n{stdout}\n{stderr}")
        return subprocess.CompletedProcess(["ketnap", *args], answer["returncode"], stdout, stderr)

    def close(self) -> None:
        """Stop the server (it ends when its input does) and reap it."""
        if self.server.stdin is not None:
            self.server.stdin.close()
        try:
            self.server.wait(20)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait(10)
        if self.server.stdout is not None:
            self.server.stdout.close()
