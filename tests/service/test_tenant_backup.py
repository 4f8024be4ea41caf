"""``ketnap tenants backup`` / ``restore``: a tenant backed up on one backend and restored into a
fresh deployment on the other has the same figures and the same intact chain; a backup that
was altered or cut short, or whose history the database refuses, restores nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.commands import SetStalledThreshold
from domain.errors import DomainError
from domain.quotas import Period
from service.audit.replay import compare_read_models
from service.audit.verify import verify_tenant
from service.cli import main
from service.commands import Handlers, Principal
from service.reports import report_lines
from service.settings import Settings
from service.store import Store
from service.store.chain import link_hash
from service.tenant_backup import backup_tenant, restore_tenant
from tests.conftest import (
    Seeding,
    SettingsCliRunner,
    StoreMaker,
    create_database,
    drop_database,
)
from tests.small_demo import SMALL_DEMO, TENANT
from tests.store.test_roles import OPERATOR, TwoRoles, two_roles
from tests.store.test_store import ORGANIZER

__all__ = ["two_roles"]  # the fixture, used here by name

PERIOD = Period.term(2020, 2025)
TODAY = date(2026, 11, 21)


@pytest.fixture
def source(seeded_store_maker: Callable[[Seeding], StoreMaker]) -> StoreMaker:
    """The small demo tenant (read models built), on the test's backend."""
    return seeded_store_maker(SMALL_DEMO)


@contextmanager
def fresh_store(backend: str, home: Path, keys_from: StoreMaker) -> Iterator[Store]:
    """An empty deployment on ``backend`` in ``home`` whose operator copied the tenant's key
    file from the source (keys never travel in a backup)."""
    assert keys_from.key_file is not None
    key_file = home / "keys.json"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy2(keys_from.key_file, key_file)
    database = create_database("ketnap_restore") if backend == "postgres" else None
    settings = Settings(
        data_dir=home / "ketnap-data",
        database_url=database.url if database else "",
        pg_pool_size=2,
        pg_max_overflow=2,
        key_file=key_file,
    )
    store = Store.from_settings(settings)
    try:
        yield store
    finally:
        store.close()
        if database is not None:
            drop_database(database)


def figures(store: Store) -> list[str]:
    """The tenant's term report (units, quotas, pipeline, …) from the projections' queries."""
    with store.read_models(TENANT).transaction(write=False) as tx:
        return list(report_lines(tx, PERIOD, PERIOD.end))


def _rewrite(file: Path, out: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
    """``file`` with its JSON lines changed by ``change`` and its end line made to match
    again: what someone who knows the format could forge."""
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    body = rows[:-1]
    change(body)
    text = "".join(
        json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in body
    )
    counts, head = body[1]["counts"], body[1]["head"]
    summary = {
        "events": counts["events"],
        "last_position": head["position"],
        "chain_head": head["hash"],
        "checkpoints": counts["checkpoints"],
    }
    digest = hashlib.sha256(text.encode()).hexdigest()
    end = {**rows[-1], "lines": len(body) - 1, "sha256": digest, "summary": summary}
    out.write_text(text + json.dumps(end) + "\n", encoding="utf-8")
    return out


def _flip_a_state_byte(rows: list[dict[str, Any]]) -> None:
    event = next(r for r in rows if r.get("type") == "event" and r["position"] > 3)
    state = bytearray(base64.b64decode(event["state"]))
    state[-1] ^= 1
    event["state"] = base64.b64encode(bytes(state)).decode()


def _repeat_the_last_event(rows: list[dict[str, Any]]) -> None:
    """One more event, a copy of the last one (same aggregate and version), correctly linked:
    the file checks out, the database's uniqueness refuses it."""
    export_header = rows[1]
    events = [r for r in rows if r.get("type") == "event"]
    last = events[-1]
    position = last["position"] + 1
    digest = link_hash(
        bytes.fromhex(last["hash"]),
        position,
        last["originator_id"],
        last["originator_version"],
        last["topic"],
        base64.b64decode(last["state"]),
    )
    copy = {**last, "position": position, "prev_hash": last["hash"], "hash": digest.hex()}
    rows.insert(rows.index(last) + 1, copy)
    export_header["counts"]["events"] += 1
    export_header["counts"]["links"] += 1
    export_header["head"] = {"position": position, "hash": digest.hex()}


def nothing_of_the_tenant(store: Store) -> bool:
    """Neither a registry row nor any storage of the tenant (its file, or its schema)."""
    if store.registry.list():
        return False
    if store.backend == "sqlite":
        return not list((store.settings.data_dir / "tenants").iterdir())
    with psycopg.connect(store.settings.database_url) as conn:
        found = conn.execute("SELECT to_regnamespace(%s)", (f"t_{TENANT}",)).fetchone()
    return found is not None and found[0] is None


@pytest.fixture
def other_backend(backend: str, source: StoreMaker, tmp_path: Path) -> Iterator[Store]:
    """A fresh deployment on the other backend: SQLite → PostgreSQL, PostgreSQL → SQLite."""
    other = "postgres" if backend == "sqlite" else "sqlite"
    with fresh_store(other, tmp_path / "target", source) as store:
        yield store


def test_restored_on_the_other_backend_the_tenant_has_the_same_figures_and_chain(
    source: StoreMaker, other_backend: Store, tmp_path: Path
) -> None:
    original = source()
    backups = tmp_path / "backups"
    backups.mkdir()
    file = backups / "demo.ketnap-backup.jsonl"
    done = SettingsCliRunner(source.settings()).invoke(
        main, ["tenants", "backup", TENANT, "--out", str(file)]
    )
    assert done.exit_code == 0, done.output
    chain = verify_tenant(original, TENANT)
    assert chain.intact
    assert f"{chain.events} sự kiện / events" in done.output
    assert f"last position {chain.head_position}" in done.output
    assert f"chain head {chain.head_hash}" in done.output
    assert [p.name for p in backups.iterdir()] == [file.name]  # no partial file left
    assert file.stat().st_mode & 0o777 == 0o600

    runner = SettingsCliRunner(other_backend.settings)
    checked = runner.invoke(main, ["tenants", "restore", str(file), "--check"])
    assert checked.exit_code == 0, checked.output
    assert f"chain intact: '{TENANT}'" in checked.output
    assert other_backend.registry.list() == []

    # A history the database refuses half-way (a repeated event): nothing remains of it.
    doubled = _rewrite(file, tmp_path / "doubled.jsonl", _repeat_the_last_event)
    with pytest.raises(DomainError) as rejected:
        restore_tenant(other_backend, doubled)
    assert rejected.value.code == "AUDIT_IMPORT_REJECTED"
    assert nothing_of_the_tenant(other_backend)

    lines: list[str] = []
    restored = restore_tenant(other_backend, file, say=lines.append)
    assert restored.imported.rebuild.events == chain.events
    assert any("chain intact as written" in line for line in lines)

    again = verify_tenant(other_backend, TENANT)
    assert again.intact
    assert (again.events, again.head_position, again.head_hash) == (
        chain.events,
        chain.head_position,
        chain.head_hash,
    )
    source_tenant, target_tenant = (s.registry.get(TENANT) for s in (original, other_backend))
    assert (target_tenant.name, target_tenant.kind) == (source_tenant.name, source_tenant.kind)
    assert not target_tenant.disabled

    # The figures: the term report, and every row of every read-model table.
    expected = figures(original)
    assert len(expected) > 10
    assert figures(other_backend) == expected
    comparison = compare_read_models(
        original.read_models(TENANT), other_backend.read_models(TENANT)
    )
    assert comparison.problems == ()
    assert comparison.equal, [
        d.describe() for t in comparison.differing_tables for d in t.differences
    ]

    # Restoring where the tenant exists is refused, in both languages, and changes nothing.
    twice = runner.invoke(main, ["tenants", "restore", str(file)])
    assert twice.exit_code == 2
    assert "TENANT_SLUG_TAKEN" in twice.output
    assert "đã tồn tại" in twice.output
    assert "already exists" in twice.output
    assert verify_tenant(other_backend, TENANT).head_hash == chain.head_hash


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_altered_cut_or_refused_backup_restores_nothing(
    source: StoreMaker, tmp_path: Path
) -> None:
    original = source()
    original.registry.disable(TENANT, reason="kept for the record")
    file = tmp_path / "demo.jsonl"
    calls: list[int] = []
    made = backup_tenant(original, TENANT, file, progress=calls.append, progress_every=50)
    assert calls == list(range(50, made.summary.events + 1, 50))
    header = json.loads(file.read_text(encoding="utf-8").splitlines()[0])
    assert header["tenant"]["disabled"] is True
    assert [e["change"] for e in header["history"]] == ["created", "disabled"]
    assert header["keys"]
    assert all(set(k) == {"kid", "created"} for k in header["keys"])  # never the keys

    with fresh_store("sqlite", tmp_path / "target", source) as target:

        def refused(path: Path) -> DomainError:
            with pytest.raises(DomainError) as caught:
                restore_tenant(target, path)
            error = caught.value
            assert error.message_vi != error.message_en
            assert nothing_of_the_tenant(target)
            return error

        text = file.read_bytes()
        cut = tmp_path / "cut.jsonl"
        cut.write_bytes(text[: len(text) // 2])
        assert refused(cut).code == "TENANT_BACKUP_INVALID"
        cut.write_bytes(text[: text.rindex(b"\n", 0, -1) + 1])  # at a line end: no end line
        assert "cut short" in refused(cut).message_en

        flipped = tmp_path / "flipped.jsonl"
        flipped.write_bytes(text.replace(b'"state":"', b'"state":"A', 1))
        assert "digest" in refused(flipped).message_en

        boasting = tmp_path / "boasting.jsonl"
        boasting.write_bytes(text.replace(b'"summary":{"events":', b'"summary":{"events":1', 1))
        assert "summary" in refused(boasting).message_en

        forged = _rewrite(file, tmp_path / "forged.jsonl", _flip_a_state_byte)
        error = refused(forged)
        assert error.code == "AUDIT_IMPORT_NOT_INTACT"
        assert "hash_mismatch" in error.message_en

        # Without the tenant's keys its personal data could not be read: refused first.
        keys = tmp_path / "target" / "keys.json"
        kept = keys.read_bytes()
        keys.write_text("{}", encoding="utf-8")
        assert refused(file).code == "TENANT_BACKUP_KEYS_MISSING"

        # The genuine file, keys in place: restored, disabled as at the source.
        keys.write_bytes(kept)
        restore_tenant(target, file)
        assert target.registry.get(TENANT).disabled
        _created, disabled = target.registry.history(TENANT)
        assert "restored from a backup; at the source the tenant was disabled" in disabled.reason
        assert verify_tenant(target, TENANT).head_hash == made.summary.chain_head


@pytest.mark.postgres
def test_restored_with_separate_roles_the_application_role_writes_on(
    two_roles: TwoRoles, tmp_path: Path
) -> None:
    source = Store.from_settings(Settings(data_dir=tmp_path / "source"))
    try:
        handlers = Handlers(source, today=lambda: TODAY)
        handlers.create_tenant(OPERATOR, "acme", "Acme", "other")
        handlers.handle(Principal("acme", ORGANIZER), SetStalledThreshold(days=30))
        made = backup_tenant(source, "acme", tmp_path / "acme.jsonl")
    finally:
        source.close()

    # The owner creates the schema and inserts the history; the application role goes on.
    target = two_roles.store()
    restore_tenant(target, made.path)
    after = Handlers(target, today=lambda: TODAY).handle(
        Principal("acme", ORGANIZER), SetStalledThreshold(days=45)
    )
    assert after.position == made.summary.last_position + 1
    chain = verify_tenant(target, "acme")
    assert chain.intact
    assert chain.events == made.summary.events + 1
