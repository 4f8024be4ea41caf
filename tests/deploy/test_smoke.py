"""``deploy/smoke.sh``: the compose topology as plain processes passes its checks.

Run from the suite (not only from ``.ci/run``) so that it runs wherever ``scripts/test`` does,
is reported like every other test, and uses the suite's PostgreSQL binaries: the test asks the
suite's cluster where they are (``pg_config``'s ``BINDIR``). smoke.sh starts its own cluster all
the same: it creates roles, which are cluster-wide, and requires passwords over TCP, which the
suite's cluster (``-A trust``) does not. When nginx is installed, smoke.sh puts it, with
``deploy/nginx.conf``, in front of both servers. About 15 s on an idle machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psycopg
import pytest

from tests.conftest import postgres_admin_url
from tests.processes import ROOT

pytestmark = pytest.mark.postgres


def _suite_pg_bin() -> str:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        row = conn.execute("SELECT setting FROM pg_config WHERE name = 'BINDIR'").fetchone()
    assert row is not None
    return str(row[0])


def test_the_deployed_topology_runs_as_plain_processes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETNAP_", "PG"))}
    env.update(PG_BIN=_suite_pg_bin(), KETNAP_SMOKE_PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", str(ROOT / "deploy" / "smoke.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for line in (
        "tenants hanoi, haiphong, danang, cantho created through servers A and B",
        "the application role cannot UPDATE, DELETE or TRUNCATE events",
        "each tenant: a unit written on one server is read back on the other",
        "took over",
        "read-your-writes across replicas",
        "metrics on their own ports (404 on the public one)",
        "all checks passed",
    ):
        assert line in output, output
    if shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"):
        assert "nginx (deploy/nginx.conf) spread queries over both servers" in output, output
