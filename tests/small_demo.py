"""A small demo tenant many tests start from (the audit tests, the rebuilds), seeded once per
run and backend (``seeded_store_maker``): one :class:`~tests.conftest.Seeding`, so that they
share one template instead of seeding one each."""

from __future__ import annotations

from datetime import date

from service.bootstrap import Parts
from service.demo import seed_demo
from tests.conftest import Seeding

TENANT = "replayed"
TODAY = date(2026, 11, 21)


def seed_a_small_demo(parts: Parts) -> None:
    """A small demo tenant, its read models built inline."""
    report = seed_demo(parts.handlers, tenant=TENANT, candidates=8, seed=5)
    assert report.refused == []


SMALL_DEMO = Seeding("small-demo-8", seed_a_small_demo, TODAY)
