"""``ketnap audit import``: export → verify-file → import into an empty deployment → rebuild
gives the same read models (every table compared with the source's)."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from domain.commands import SetStalledThreshold
from domain.errors import DomainError
from projections import all_projections
from service.audit.export import export_tenant, verify_file
from service.audit.importing import import_tenant
from service.audit.replay import compare_read_models
from service.audit.verify import verify_tenant
from service.cli import main
from service.commands import Handlers, Principal
from service.demo import ORGANIZER
from service.read_models import ReadModels
from service.store import Store
from tests.conftest import (
    Seeding,
    SettingsCliRunner,
    StoreMaker,
    postgres_admin_url,
    with_database,
)
from tests.small_demo import SMALL_DEMO, TENANT, TODAY

ALL_TABLES = [t.name for p in all_projections() for t in p.tables]


@pytest.fixture
def source_maker(seeded_store_maker: Callable[[Seeding], StoreMaker]) -> StoreMaker:
    """Stores on this test's own copy of the audit tests' small demo (seeded once per
    session)."""
    return seeded_store_maker(SMALL_DEMO)


@pytest.fixture
def source(source_maker: StoreMaker) -> Store:
    """The source deployment with a small demo tenant whose read models are caught up.

    Both deployments share ``source_maker``'s personal-data key file (keys are not exported).
    """
    store = source_maker()
    ReadModels(store, inline=True).catch_up(TENANT)
    return store


@pytest.fixture
def target(source_maker: StoreMaker, tmp_path: Path) -> Iterator[Store]:
    """An empty deployment: a fresh data dir (SQLite) or a fresh database (PostgreSQL)."""
    if source_maker.backend == "sqlite":
        yield source_maker(data_dir=tmp_path / "target-data")
        return
    admin_url = postgres_admin_url()
    name = f"ketnap_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = dataclasses.replace(
        source_maker.settings(), database_url=with_database(admin_url, name)
    )
    target_store = Store.from_settings(settings)
    try:
        yield target_store
    finally:
        target_store.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _export(store: Store, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        export_tenant(store, TENANT, file)
    return path


def test_export_verify_import_rebuild_gives_identical_read_models(
    source: Store, target: Store, tmp_path: Path
) -> None:
    file = _export(source, tmp_path / "restored.jsonl")
    offline = verify_file(file)
    assert offline.intact
    head = ReadModels(source).projector(TENANT).head()
    lines: list[str] = []
    result = import_tenant(target, file, name="Đảng bộ phục hồi", say=lines.append)
    assert result.tenant == TENANT
    assert result.events == offline.events
    assert (result.head_position, result.head_hash) == (offline.head_position, offline.head_hash)
    assert result.rebuild.events == result.events
    assert result.rebuild.position == head
    assert any("rebuilding the read models" in line for line in lines)
    assert target.registry.get(TENANT).name == "Đảng bộ phục hồi"

    # The chain in the target database is the source's, link for link.
    source_chain = verify_tenant(source, TENANT)
    target_chain = verify_tenant(target, TENANT)
    assert target_chain.intact
    assert (target_chain.events, target_chain.head_position, target_chain.head_hash) == (
        source_chain.events,
        source_chain.head_position,
        source_chain.head_hash,
    )

    # Every read-model table equals the source's, all rows and columns.
    comparison = compare_read_models(source.read_models(TENANT), target.read_models(TENANT))
    assert comparison.problems == ()
    assert [t.table for t in comparison.tables] == ALL_TABLES
    assert comparison.equal, [
        d.describe() for t in comparison.differing_tables for d in t.differences
    ]
    assert all(t.position == head for t in comparison.tables)
    assert sum(t.live_rows for t in comparison.tables) > head

    # The imported tenant goes on: the next event follows the imported positions and chain.
    after = Handlers(target, today=lambda: TODAY).handle(
        Principal(TENANT, ORGANIZER), SetStalledThreshold(days=45)
    )
    assert after.position == head + 1
    assert verify_tenant(target, TENANT).intact


def test_refusals_leave_the_target_without_the_tenant(
    source: Store, target: Store, tmp_path: Path
) -> None:
    file = _export(source, tmp_path / "restored.jsonl")

    with pytest.raises(DomainError) as renamed:
        import_tenant(target, file, tenant="other_name")
    assert renamed.value.code == "AUDIT_IMPORT_RENAME_UNSUPPORTED"

    # One state byte changed in the file: the offline check refuses it before anything is made.
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[5])
    state = bytearray(base64.b64decode(event["state"]))
    state[-1] ^= 1
    event["state"] = base64.b64encode(bytes(state)).decode()
    lines[5] = json.dumps(event) + "\n"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DomainError) as broken:
        import_tenant(target, tampered)
    assert broken.value.code == "AUDIT_IMPORT_NOT_INTACT"
    assert "hash_mismatch" in broken.value.message_en
    assert broken.value.message_vi != broken.value.message_en

    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json\n", encoding="utf-8")
    with pytest.raises(DomainError) as invalid:
        import_tenant(target, garbage)
    assert invalid.value.code == "AUDIT_EXPORT_INVALID"
    assert target.registry.list() == []

    # Into the source deployment itself: the tenant exists.
    with pytest.raises(DomainError) as taken:
        import_tenant(source, file)
    assert taken.value.code == "TENANT_SLUG_TAKEN"


def test_the_command_imports_and_refuses_twice(
    source: Store, target: Store, tmp_path: Path
) -> None:
    file = _export(source, tmp_path / "restored.jsonl")
    runner = SettingsCliRunner(target.settings)
    done = runner.invoke(main, ["audit", "import", str(file), "--name", "Phục hồi"])
    assert done.exit_code == 0, done.output
    assert f"imported '{TENANT}'" in done.output
    assert "chain intact" in done.output
    again = runner.invoke(main, ["audit", "import", str(file)])
    assert again.exit_code == 2
    assert "TENANT_SLUG_TAKEN" in again.output
    replay = runner.invoke(main, ["audit", "replay", "--tenant", TENANT])
    assert replay.exit_code == 0, replay.output
    comparison = compare_read_models(source.read_models(TENANT), target.read_models(TENANT))
    assert comparison.equal
