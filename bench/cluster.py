"""A private PostgreSQL cluster: ``initdb`` in a temporary directory, its own port and socket
directory, run as the ``postgres`` user when we run as root (PostgreSQL refuses root).

The recipe of ``scripts/test``, shared by the proving ground (``python -m bench``) and the fault
tests (``tests/faults/cluster.py``). ``durable=False`` turns ``fsync``, ``synchronous_commit``
and ``full_page_writes`` off (a throw-away cluster); ``durable=True`` keeps PostgreSQL's
defaults, as a production server runs — the write benchmarks measure with it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.processes import free_port


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` directory (Debian layout, then ``PATH``)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PostgresMissing(RuntimeError):
    """No PostgreSQL binaries on this machine."""


class PrivateCluster:
    """A PostgreSQL cluster of our own, in a temporary directory (``start``, ``stop``,
    ``remove``)."""

    def __init__(
        self, *, durable: bool = False, max_connections: int = 100, prefix: str = "ketnap-pg."
    ) -> None:
        bin_dir = pg_bin()
        if bin_dir is None:
            raise PostgresMissing("PostgreSQL binaries not found (apt-get install -y postgresql)")
        self.bin = bin_dir
        self.durable = durable
        self.max_connections = max_connections
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.root.chmod(0o700)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin / tool), *args],
            cwd=self.root,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections={self.max_connections}"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-w",
            "-t", "60", "-o", options, "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server (``-m fast``: every session is cut) and wait until it is down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
