"""A private PostgreSQL primary and its streaming replica, on loopback.

The primary is :class:`bench.cluster.PrivateCluster` (``initdb``, throw-away durability) with
``wal_level = replica``, WAL senders, a ``replicator`` role with ``REPLICATION`` and its
``pg_hba.conf`` line; the replica is ``pg_basebackup -R -X stream`` of it into the primary's
temporary directory, started on its own port (same socket directory), as a hot standby. Both
run as the ``postgres`` user when we run as root. Used by ``tests/api/test_replica_reads.py``
and ``python -m bench.replica_reads``.
"""

from __future__ import annotations

import contextlib
import subprocess
from typing import Any

import psycopg

from bench.cluster import PrivateCluster
from tests.processes import free_port

#: The database both servers hold (created on the primary before the base backup).
DATABASE = "ketnap"


class ReplicatedCluster:
    """A started primary and a started streaming replica of it (:meth:`remove` stops both)."""

    def __init__(self) -> None:
        self.primary = PrivateCluster(prefix="ketnap-replica-pg.")
        try:
            self._start()
        except BaseException:
            self.remove()
            raise

    def _start(self) -> None:
        primary = self.primary
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication replicator 127.0.0.1/32 trust\n")
        primary.start()
        with psycopg.connect(primary.url, autocommit=True) as conn:
            conn.execute("CREATE ROLE replicator REPLICATION LOGIN")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        self.replica_data = primary.root / "replica"
        self.replica_port = free_port()
        primary._run(
            "pg_basebackup", "-D", str(self.replica_data), "-h", "127.0.0.1",
            "-p", str(primary.port), "-U", "replicator", "-R", "-X", "stream",
            "-c", "fast", "--no-sync",
        )  # fmt: skip
        primary._run(
            "pg_ctl", "-D", str(self.replica_data), "-l", str(primary.root / "replica.log"),
            "-w", "-t", "60", "-o",
            f"-p {self.replica_port} -h 127.0.0.1 -k {primary.root} -c fsync=off", "start",
        )  # fmt: skip
        self.primary_url = f"postgresql://postgres@127.0.0.1:{primary.port}/{DATABASE}"
        self.replica_url = f"postgresql://postgres@127.0.0.1:{self.replica_port}/{DATABASE}"

    def on_replica(self, statement: str) -> Any:
        """The first value ``statement`` gives on the replica (as the superuser)."""
        with psycopg.connect(self.replica_url, autocommit=True) as conn:
            row = conn.execute(statement).fetchone()
        return None if row is None else row[0]

    def remove(self) -> None:
        """Stop the replica and the primary, and delete both."""
        replica = getattr(self, "replica_data", None)
        if replica is not None and (replica / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self.primary._run("pg_ctl", "-D", str(replica), "-m", "immediate", "-w", "stop")
        self.primary.remove()
