"""The seeded snapshot behind ``demo_api`` gives each test its own data: what one copy records,
another copy (another test's) never sees, nor does the template the next copies come from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from domain.commands import EstablishUnit
from domain.errors import NotFound
from domain.org_units import UnitKind
from domain.values import Actor, Role
from projections.cut import Cut
from projections.queries import org_tree
from service.bootstrap import Parts
from service.commands import Principal
from tests.api.conftest import DEMO, DEMO_SEEDING, OPERATOR, TENANTS, TODAY
from tests.conftest import Seeding, StoreMaker

NEW_BRANCH = "CB-COPY"


def unit_codes(parts: Parts) -> set[str]:
    with parts.read_models.read(DEMO) as tx:
        return {n.code for n in org_tree.units_on(tx, Cut(TODAY), include_closed=True)}


def test_a_write_in_one_copy_of_the_seeded_demo_is_not_seen_by_another(
    seeded_store_maker: Callable[[Seeding], StoreMaker],
) -> None:
    mine, theirs = (seeded_store_maker(DEMO_SEEDING) for _ in range(2))
    assert mine.data_dir != theirs.data_dir
    assert mine.key_file != theirs.key_file
    if mine.database is not None and theirs.database is not None:
        assert mine.database.name != theirs.database.name
    first, second = (maker.parts(today=lambda: TODAY) for maker in (mine, theirs))
    seeded = unit_codes(first)
    assert "DU-DIEN" in seeded
    assert unit_codes(second) == seeded  # both hold the seeded demo
    for slug in (DEMO, *TENANTS):
        assert first.store.registry.get(slug).slug == slug

    # a new tenant (the registry) and a new unit in the demo (its events and read models)
    first.handlers.create_tenant(OPERATOR, "gamma", "Đảng bộ gamma", "other")
    first.handlers.handle(
        Principal(DEMO, Actor("organizer", Role.ORGANIZER)),
        EstablishUnit(
            code=NEW_BRANCH,
            name="Chi bộ Bản sao",
            kind=UnitKind.BRANCH,
            parent_code="DU-DIEN",
            occurred_on=date(2024, 1, 2),
        ),
    )
    assert unit_codes(first) == seeded | {NEW_BRANCH}
    assert first.store.registry.get("gamma").slug == "gamma"

    # the other copy, and a copy made now from the template, have neither
    later = seeded_store_maker(DEMO_SEEDING).parts(today=lambda: TODAY)
    for other in (second, later):
        assert unit_codes(other) == seeded
        with pytest.raises(NotFound):
            other.store.registry.get("gamma")
