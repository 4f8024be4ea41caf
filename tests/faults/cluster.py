"""A private PostgreSQL cluster that a test may stop and start (never the suite's shared one).

The same recipe as ``scripts/test``: ``initdb`` in a temporary directory, its own port and
socket directory, run as the ``postgres`` user when the tests run as root (PostgreSQL refuses
root), durability off (a throw-away cluster). ``stop()`` is ``pg_ctl stop -m fast``: every
connection is cut, as in a restart or a failover.
"""

from __future__ import annotations

import os

import pytest

from bench.cluster import PostgresMissing
from bench.cluster import PrivateCluster as _Cluster


class PrivateCluster(_Cluster):
    """A PostgreSQL cluster of the test's own (durability off): skipped without PostgreSQL,
    except in CI, where that fails."""

    def __init__(self) -> None:
        try:
            super().__init__(prefix="ketnap-fault-pg.")
        except PostgresMissing:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL binaries not found (never skipped in CI)")
            pytest.skip("PostgreSQL binaries not found")
