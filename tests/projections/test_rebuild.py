"""Rebuilding read models is deterministic and equals building them one command at a time.

Generic over :func:`projections.all_projections`: every table of every projection is compared
whole (all rows, all columns; of the tracking table everything but ``updated_at``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from projections import all_projections
from projections.runner import REBUILD_PAGE
from projections.sql import Dialect
from service.read_models import ReadModels
from service.store import Store
from tests.conftest import Seeding, StoreMaker
from tests.small_demo import SMALL_DEMO, TENANT

Dump = dict[str, list[tuple[Any, ...]]]


def dump_read_models(read_models: ReadModels, tenant: str) -> Dump:
    """Every read-model table of ``tenant``, all rows ordered by all columns, in one snapshot."""
    dump: Dump = {}
    with read_models.read(tenant) as tx:
        dump["projection_tracking"] = tx.fetchall(
            "SELECT projection, position, version FROM projection_tracking ORDER BY projection"
        )
        for projection in all_projections():
            for table in projection.tables:
                columns = [name for name, _, _ in table.all_columns()]
                order = ", ".join(str(number) for number in range(1, len(columns) + 1))
                dump[table.name] = tx.fetchall(
                    f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {order}"
                )
    return dump


@pytest.fixture
def store(seeded_store_maker: Callable[[Seeding], StoreMaker]) -> Store:
    """The small demo on each backend, its read models built inline one command at a time:
    this test's own copy of data seeded once per run."""
    return seeded_store_maker(SMALL_DEMO)()


def test_rebuilds_are_deterministic_and_equal_the_tables_built_inline(store: Store) -> None:
    read_models = ReadModels(store, inline=True)
    head = read_models.projector(TENANT).head()
    read_models.catch_up(TENANT)  # the tenant policy of create_tenant is saved without a hook
    inline = dump_read_models(read_models, TENANT)
    assert inline["projection_tracking"] == sorted(
        (p.name, head, p.version) for p in all_projections()
    )
    assert sum(len(rows) for rows in inline.values()) > head  # the tables were really filled

    progress: list[int] = []
    first = read_models.rebuild(TENANT, progress=lambda batch: progress.append(batch.position))
    assert (first.events, first.position) == (head, head)
    assert progress[-1] == head
    assert progress == sorted(progress)
    rebuilt = dump_read_models(read_models, TENANT)
    second = read_models.rebuild(TENANT)
    assert second.events == head
    again = dump_read_models(read_models, TENANT)

    for name in inline:
        assert rebuilt[name] == again[name], f"{name}: two rebuilds differ"
        assert rebuilt[name] == inline[name], f"{name}: rebuild differs from inline build"

    # Rebuilding one projection alone changes nothing either (the others are left as they are).
    chosen = all_projections()[-1]
    alone = read_models.rebuild(TENANT, [chosen.name])
    assert (alone.projections, alone.events) == ((chosen.name,), head)
    assert dump_read_models(read_models, TENANT) == inline


def index_names(read_models: ReadModels, tenant: str, table: str) -> set[str]:
    """The indexes ``table`` has in ``tenant``'s read models (either backend)."""
    with read_models.read(tenant) as tx:
        if tx.dialect is Dialect.POSTGRES:
            rows = tx.fetchall(
                "SELECT indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s",
                (table,),
            )
        else:
            rows = tx.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND name NOT LIKE 'sqlite_autoindex_%'",
                (table,),
            )
    return {str(name) for (name,) in rows if not str(name).endswith("_pkey")}


def test_a_rebuild_reads_large_pages_and_builds_the_indexes_after_loading(store: Store) -> None:
    # The worker's batches stay small (each is a commit readers wait for); a rebuild is one
    # transaction whatever its pages, so it reads REBUILD_PAGE events at a time.
    read_models = ReadModels(store, inline=True, batch_size=20)
    read_models.catch_up(TENANT)
    inline = dump_read_models(read_models, TENANT)
    projector = read_models.projector(TENANT)
    head = projector.head()
    assert head > 20

    whole = read_models.rebuild(TENANT)
    assert (whole.events, whole.batches) == (head, math.ceil(head / REBUILD_PAGE))
    assert dump_read_models(read_models, TENANT) == inline

    # Small pages: rows opened in one page are closed in a later one (through the writer's
    # index, the only one there while loading); every other index is there once it is done.
    projector.rebuild_page = 7
    paged = read_models.rebuild(TENANT)
    assert (paged.events, paged.batches) == (head, math.ceil(head / 7))
    assert dump_read_models(read_models, TENANT) == inline
    for projection in all_projections():
        for table in projection.tables:
            expected = {index for index, _ in table.create_steps(Dialect.SQLITE) if index}
            assert index_names(read_models, TENANT, table.name) == expected, table.name
