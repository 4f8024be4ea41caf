"""How much memory one more tenant costs a process (the figure behind deploy/README.md, "Sizing").

    KETNAP_DATABASE_URL=postgresql://… python deploy/measure_tenant_memory.py [TENANTS]

On an empty database of its own (it creates TENANTS tenants, default 60, each with a small
organisation: 5 units), it measures the resident memory (``VmRSS``) of this process:

- *server*: the marginal cost of opening every tenant as a request does (its application, ``reached`` and one
  read of its read models), per tenant;
- *worker*: the marginal cost of projecting every tenant through a ``ReadModels`` projector (the worker keeps
  one per owned tenant), per tenant.

Both are bounded by ``KETNAP_APP_CACHE_SIZE`` (default 64) tenants kept open per process; the
tenants' read models and events themselves live in PostgreSQL, not in the process.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from domain.commands import EstablishUnit
from domain.org_units import UnitKind
from domain.values import Actor, Role
from service.bootstrap import bootstrap, read_settings
from service.commands import Principal

#: Tenants opened before measuring.
WARM = 10


def rss_kib() -> int:
    """This process's resident memory, KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main(count: int) -> None:
    """Create ``count`` tenants, then measure as the module docstring says."""
    settings = read_settings(os.environ)
    keys = Path(tempfile.mkdtemp()) / "keys.json"
    settings = dataclasses.replace(settings, key_file=keys, app_cache_size=count)
    operator = Actor("measure", Role.PLATFORM_OPERATOR)
    slugs = [f"m{n:03d}" for n in range(count)]
    with bootstrap(settings, inline=False) as setup:
        for slug in slugs:
            setup.handlers.create_tenant(operator, slug, slug, "other")
            principal = Principal(slug, Actor("seed", Role.ORGANIZER))
            setup.handlers.handle(
                principal,
                EstablishUnit(
                    code="ROOT",
                    name="Đảng bộ",
                    kind=UnitKind.COMMITTEE,
                    parent_code=None,
                    occurred_on=date(2015, 1, 1),
                ),
            )
            for n in range(4):
                setup.handlers.handle(
                    principal,
                    EstablishUnit(
                        code=f"CB{n}",
                        name=f"Chi bộ {n}",
                        kind=UnitKind.GRASSROOTS_BRANCH,
                        parent_code="ROOT",
                        occurred_on=date(2015, 1, 2),
                    ),
                )
    # Fresh processes' worth of state: a new Parts for each role.
    # The first WARM tenants pay the one-time costs (imports, caches, the pool's connections):
    # the figures are the marginal cost of each tenant after them.
    warm, rest = slugs[:WARM], slugs[WARM:]
    with bootstrap(settings, inline=False) as worker:
        for slug in warm:
            worker.read_models.catch_up(slug)
        gc.collect()
        before = rss_kib()
        for slug in rest:
            worker.read_models.catch_up(slug)
        gc.collect()
        per_worker = (rss_kib() - before) / len(rest)

    def open_tenant(slug: str) -> None:
        server.store.app(slug, write=True)
        server.read_models.reached(slug)
        with server.read_models.read(slug) as tx:
            tx.fetchall("SELECT count(*) FROM rm_unit_versions")

    with bootstrap(settings, inline=False) as server:
        for slug in warm:
            open_tenant(slug)
        gc.collect()
        before = rss_kib()
        for slug in rest:
            open_tenant(slug)
        gc.collect()
        per_server = (rss_kib() - before) / len(rest)
    print(f"tenants: {count} ({WARM} to warm up, {count - WARM} measured)")
    print(f"server: {per_server:.0f} KiB per open tenant")
    print(f"worker: {per_worker:.0f} KiB per projected tenant")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
