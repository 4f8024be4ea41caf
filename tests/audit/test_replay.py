"""``ketnap audit replay``: live read models compared with a replay into scratch read models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from domain.commands import SetStalledThreshold
from projections import all_projections
from projections.sql import Column, Table
from service.audit.replay import (
    compare_rows,
    normalise,
    replay_and_compare,
)
from service.cli import main
from service.commands import Handlers, Principal
from service.demo import ORGANIZER
from service.read_models import ReadModels
from service.store import Store
from tests.conftest import Seeding, StoreMaker
from tests.small_demo import SMALL_DEMO, TENANT, TODAY

ALL_TABLES = [t.name for p in all_projections() for t in p.tables]


@pytest.fixture
def store(seeded_store_maker: Callable[[Seeding], StoreMaker]) -> Store:
    """The small demo on each backend: this test's own copy of data seeded once per session."""
    return seeded_store_maker(SMALL_DEMO)()


@pytest.fixture
def seeded(store: Store) -> ReadModels:
    """A small demo tenant whose live read models are caught up."""
    read_models = ReadModels(store, inline=True)
    read_models.catch_up(TENANT)
    return read_models


def _admission(read_models: ReadModels) -> tuple[str, date]:
    """A current admission row of the tenant: (candidate id, decision date)."""
    with read_models.read(TENANT) as tx:
        row = tx.fetchone(
            "SELECT entity_id, decision_on FROM rm_admissions WHERE rec_to IS NULL "
            "ORDER BY decision_on DESC, entity_id LIMIT 1"
        )
    assert row is not None
    return str(row[0]), date.fromisoformat(str(row[1])[:10])


def _tamper(store: Store, candidate_id: str) -> None:
    """Change one live read-model row behind the projections' back."""
    with store.read_models(TENANT).transaction() as tx:
        tx.execute(
            "UPDATE rm_admissions SET decision_unit_id = %s WHERE entity_id = %s AND rec_to IS NULL",
            ("tampered-unit", candidate_id),
        )


def test_live_read_models_equal_a_replay(store: Store, seeded: ReadModels) -> None:
    head = seeded.projector(TENANT).head()
    result = replay_and_compare(store, TENANT)
    assert result.problems == ()
    assert [t.table for t in result.tables] == ALL_TABLES
    assert result.equal, [d.describe() for t in result.differing_tables for d in t.differences]
    assert result.head == head
    assert result.replayed_events == head
    assert not result.lagging
    assert all(t.position == head for t in result.tables)
    by_name = {t.table: t for t in result.tables}
    assert by_name["rm_positions"].live_rows == head
    assert by_name["rm_candidates"].live_rows > 0
    assert all(t.live_rows == t.reference_rows for t in result.tables)


def test_a_tampered_row_is_reported_exactly_and_as_of_dates_select_it(
    store: Store, seeded: ReadModels
) -> None:
    candidate_id, decided = _admission(seeded)
    _tamper(store, candidate_id)

    result = replay_and_compare(store, TENANT)
    assert not result.equal
    assert [t.table for t in result.differing_tables] == ["rm_admissions"]
    table = result.differing_tables[0]
    assert (table.missing, table.extra) == (1, 1)
    assert table.live_rows == table.reference_rows
    [difference] = table.differences
    assert difference.kind == "changed"
    assert difference.key["entity_id"] == candidate_id
    assert difference.columns == ("decision_unit_id",)
    assert difference.live is not None
    assert difference.reference is not None
    assert difference.live["decision_unit_id"] == "tampered-unit"
    assert difference.reference["decision_unit_id"] != "tampered-unit"
    assert "decision_unit_id" in difference.describe()

    # As of the day before the decision the tampered row is not part of what the read models
    # say; from the decision date on it is.
    before = replay_and_compare(store, TENANT, as_of=decided - timedelta(days=1))
    assert before.equal
    assert before.as_of == decided - timedelta(days=1)
    on_the_day = replay_and_compare(store, TENANT, as_of=decided)
    assert [t.table for t in on_the_day.differing_tables] == ["rm_admissions"]
    assert on_the_day.differing_tables[0].differences[0].key["entity_id"] == candidate_id
    # An as-of comparison looks at fewer rows than the whole history.
    whole = {t.table: t.live_rows for t in result.tables}
    assert {t.table: t.live_rows for t in before.tables}["rm_candidate_stages"] < whole[
        "rm_candidate_stages"
    ]


def test_a_lagging_live_store_is_compared_at_the_position_it_reached(
    store: Store, seeded: ReadModels
) -> None:
    reached = seeded.reached(TENANT)
    # Commands whose projections have not run (no inline hook): the live store lags.
    handlers = Handlers(store, today=lambda: TODAY)
    for days in range(3):
        handlers.handle(Principal(TENANT, ORGANIZER), SetStalledThreshold(days=40 + days))
    result = replay_and_compare(store, TENANT)
    assert result.equal
    assert result.lagging
    assert result.head == reached + 3
    assert {t.position for t in result.tables} == {reached}


def test_the_command_reports_equal_then_the_difference(
    store: Store, seeded: ReadModels, cli: CliRunner
) -> None:
    ok = cli.invoke(main, ["audit", "replay", "--tenant", TENANT], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    assert "rm_admissions: bằng nhau / equal" in ok.output
    assert "Equal: the live read models match the replay" in ok.output

    candidate_id, decided = _admission(seeded)
    _tamper(store, candidate_id)
    bad = cli.invoke(main, ["audit", "replay", "--tenant", TENANT], catch_exceptions=False)
    assert bad.exit_code == 1, bad.output
    assert "rm_admissions: KHÁC / DIFFERS" in bad.output
    assert candidate_id in bad.output
    assert "tampered-unit" in bad.output
    assert "rm_candidates: bằng nhau / equal" in bad.output

    earlier = (decided - timedelta(days=1)).isoformat()
    past = cli.invoke(
        main, ["audit", "replay", "--tenant", TENANT, "--as-of", earlier], catch_exceptions=False
    )
    assert past.exit_code == 0, past.output
    assert f"as of business date {earlier}" in past.output

    refused = cli.invoke(main, ["audit", "replay", "--tenant", "nobody"])
    assert refused.exit_code == 2
    assert "TENANT_NOT_FOUND" in refused.output
    malformed = cli.invoke(main, ["audit", "replay", "--tenant", TENANT, "--as-of", "21/11/2026"])
    assert malformed.exit_code == 2
    assert "DATE_INVALID" in malformed.output


def test_values_from_either_backend_normalise_alike() -> None:
    from datetime import UTC, datetime, timezone

    assert normalise(date(2026, 1, 2), "date") == normalise("2026-01-02", "date") == "2026-01-02"
    aware = datetime(2026, 1, 2, 10, 0, tzinfo=timezone(timedelta(hours=7)))
    assert normalise(aware, "timestamp") == normalise(
        "2026-01-02T03:00:00.000000+00:00", "timestamp"
    )
    assert normalise(datetime(2026, 1, 2, 3, tzinfo=UTC), "timestamp").endswith("+00:00")
    assert normalise(True, "bool") is normalise(1, "bool") is True
    assert normalise(0, "bool") is normalise(False, "bool") is False
    assert normalise(1, "real") == normalise(1.0, "real") == 1.0
    assert normalise(-0.0, "real") == 0.0
    assert normalise(None, "date") is None
    assert normalise(7, "int") == 7


def test_rows_without_a_partner_are_missing_or_extra() -> None:
    table = Table("t", (Column("k", "int"), Column("v", "text")), versioned=False,
                  primary_key=("k",))  # fmt: skip
    result = compare_rows(
        table, "p", 9, "all rows", live=[(1, "a"), (2, "b")], reference=[(1, "a"), (3, "c")]
    )
    assert (result.missing, result.extra) == (1, 1)
    assert [(d.kind, d.key) for d in result.differences] == [
        ("extra", {"k": 2}),
        ("missing", {"k": 3}),
    ]
    assert not result.equal
    same = compare_rows(table, "p", 9, "all rows", live=[(1, "a")], reference=[(1, "a")])
    assert same.equal
