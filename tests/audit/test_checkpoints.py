"""Signed checkpoints: keys, statements, verification against saved checkpoints, the CLI."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.errors import DomainError
from service.audit.checkpoints import (
    SIGNING_KEY_ENV,
    Checkpoint,
    generate_key,
    load_signing_key,
    parse_checkpoints,
    public_key_b64,
    sign_checkpoint,
    signing_key_path,
)
from service.audit.recording import record_checkpoint
from service.audit.verify import verify_tenant
from service.cli import main
from service.store import Store, TenantKind
from service.store.chain import GENESIS
from service.store.tenant_chain import init_tenant
from tests.audit.test_verify_tamper import SLUG, Raw, save_notes
from tests.conftest import SettingsCliRunner

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def statement(key: Ed25519PrivateKey, **overrides: object) -> Checkpoint:
    fields: dict[str, object] = {
        "tenant": SLUG,
        "position": 3,
        "events": 3,
        "head_hash": "ab" * 32,
        "recorded_at": NOW.isoformat(),
    }
    fields.update(overrides)
    return sign_checkpoint(key, **fields)  # type: ignore[arg-type]


def test_keygen_writes_a_private_key_once(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    public = generate_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_b64(load_signing_key(path).public_key()) == public_key_b64(public)
    with pytest.raises(DomainError) as refused:
        generate_key(path)
    assert refused.value.code == "AUDIT_KEY_EXISTS"


def test_key_errors_are_bilingual(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as refused:
        signing_key_path(None)
    assert refused.value.code == "AUDIT_KEY_NOT_CONFIGURED"
    assert SIGNING_KEY_ENV in refused.value.message_vi
    assert signing_key_path(tmp_path / "k.pem") == tmp_path / "k.pem"
    assert signing_key_path(tmp_path / "k.pem", tmp_path / "o.pem") == tmp_path / "o.pem"
    with pytest.raises(DomainError) as refused:
        load_signing_key(tmp_path / "missing.pem")
    assert refused.value.code == "AUDIT_KEY_UNREADABLE"
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(DomainError) as refused:
        load_signing_key(tmp_path / "junk.pem")
    assert refused.value.code == "AUDIT_KEY_INVALID"


def test_signature_covers_every_field(key: Ed25519PrivateKey) -> None:
    good = statement(key)
    assert good.signature_valid()
    for change in (
        {"tenant": "other"},
        {"position": 4},
        {"events": 2},
        {"head_hash": "cd" * 32},
        {"recorded_at": "2026-01-02T03:04:06+00:00"},
        {"public_key": public_key_b64(Ed25519PrivateKey.generate().public_key())},
    ):
        assert not replace(good, **change).signature_valid(), change


def test_statements_parse_from_object_array_or_lines(key: Ed25519PrivateKey) -> None:
    a, b = statement(key), statement(key, position=5, events=5)
    assert parse_checkpoints(a.to_json()) == [a]
    assert parse_checkpoints(json.dumps([a.as_dict(), b.as_dict()])) == [a, b]
    assert parse_checkpoints(a.to_json() + "\n" + b.to_json() + "\n") == [a, b]
    with pytest.raises(DomainError) as refused:
        parse_checkpoints('{"format": "other"}')
    assert refused.value.code == "AUDIT_CHECKPOINT_INVALID"
    with pytest.raises(DomainError):
        parse_checkpoints(json.dumps({**a.as_dict(), "position": "3"}))


@pytest.fixture
def tenant(store: Store) -> Raw:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 3)
    return Raw(store, SLUG)


def test_checkpoint_records_the_verified_head(tenant: Raw, key: Ed25519PrivateKey) -> None:
    checkpoint = record_checkpoint(tenant.store, SLUG, key, now=NOW)
    result = verify_tenant(tenant.store, SLUG)
    assert checkpoint.signature_valid()
    assert (checkpoint.position, checkpoint.events) == (tenant.positions()[-1], 6)
    assert checkpoint.head_hash == result.head_hash
    assert checkpoint.recorded_at == NOW.isoformat()
    stored = tenant.run("SELECT statement FROM {links}".replace("{links}", _checkpoints(tenant)))
    assert [Checkpoint.from_dict(json.loads(row[0])) for row in stored] == [checkpoint]


def _checkpoints(raw: Raw) -> str:
    return raw.links.replace("ketnap_links", "ketnap_checkpoints")


def test_an_empty_tenant_can_be_checkpointed(store: Store, key: Ed25519PrivateKey) -> None:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    checkpoint = record_checkpoint(store, SLUG, key)
    assert (checkpoint.position, checkpoint.events, checkpoint.head_hash) == (0, 0, GENESIS.hex())
    assert verify_tenant(store, SLUG, [checkpoint]).intact
    save_notes(store, SLUG, 1)
    assert verify_tenant(store, SLUG, [checkpoint]).intact


def test_no_checkpoint_of_a_broken_chain(tenant: Raw, key: Ed25519PrivateKey) -> None:
    tenant.run(("UPDATE {events} SET state = ? WHERE {pos} = ?", (b"{}", tenant.positions()[1])))
    with pytest.raises(DomainError) as refused:
        record_checkpoint(tenant.store, SLUG, key)
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"


def test_later_events_keep_a_checkpoint_valid(tenant: Raw, key: Ed25519PrivateKey) -> None:
    checkpoint = record_checkpoint(tenant.store, SLUG, key)
    save_notes(tenant.store, SLUG, 2)
    result = verify_tenant(tenant.store, SLUG, [checkpoint])
    assert result.intact
    assert [c.matches for c in result.checkpoints] == [True]


def test_deleting_the_newest_events_is_caught_by_a_checkpoint(
    tenant: Raw, key: Ed25519PrivateKey
) -> None:
    checkpoint = record_checkpoint(tenant.store, SLUG, key)
    positions = tenant.positions()
    tenant.run(
        ("DELETE FROM {events} WHERE {pos} >= ?", (positions[-2],)),
        ("DELETE FROM {links} WHERE position >= ?", (positions[-2],)),
    )
    assert verify_tenant(tenant.store, SLUG).intact  # the shorter chain is consistent…
    result = verify_tenant(tenant.store, SLUG, [checkpoint])  # …but not the checkpoint
    assert not result.intact
    assert result.first_break is not None
    assert (result.first_break.position, result.first_break.kind) == (
        checkpoint.position,
        "checkpoint_mismatch",
    )
    assert "history ends at position" in result.first_break.message_en


def test_a_recomputed_chain_is_caught_by_a_checkpoint(tenant: Raw, key: Ed25519PrivateKey) -> None:
    checkpoint = record_checkpoint(tenant.store, SLUG, key)
    # Change an event, then rebuild every link from scratch (as `chain --init` would).
    tenant.run(
        ("UPDATE {events} SET state = ? WHERE {pos} = ?", (b"{}", tenant.positions()[2])),
        "DELETE FROM {links}",
    )
    init_tenant(tenant.store, SLUG)
    assert verify_tenant(tenant.store, SLUG).intact
    result = verify_tenant(tenant.store, SLUG, [checkpoint])
    assert result.first_break is not None
    assert result.first_break.kind == "checkpoint_mismatch"
    assert result.first_break.expected == checkpoint.head_hash
    assert result.first_break.found != checkpoint.head_hash


def test_forged_or_foreign_checkpoints_do_not_pass(tenant: Raw, key: Ed25519PrivateKey) -> None:
    checkpoint = record_checkpoint(tenant.store, SLUG, key)
    forged = replace(checkpoint, events=checkpoint.events + 1)
    result = verify_tenant(tenant.store, SLUG, [forged])
    assert not result.intact
    assert result.checkpoints[0].signature_valid is False
    other = Ed25519PrivateKey.generate()
    foreign = sign_checkpoint(
        other,
        tenant=SLUG,
        position=checkpoint.position,
        events=checkpoint.events,
        head_hash=checkpoint.head_hash,
        recorded_at=checkpoint.recorded_at,
    )
    trusted = public_key_b64(key.public_key())
    assert verify_tenant(tenant.store, SLUG, [foreign]).intact  # no trusted key given
    result = verify_tenant(tenant.store, SLUG, [foreign], trusted_key=trusted)
    assert not result.intact
    assert result.checkpoints[0].key_trusted is False
    # Checkpoints of other tenants are ignored.
    assert verify_tenant(tenant.store, SLUG, [replace(checkpoint, tenant="other")]).intact


def test_cli_keygen_checkpoint_verify(tenant: Raw, cli: SettingsCliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["audit", "checkpoint"])
    assert result.exit_code == 2
    assert "AUDIT_KEY_NOT_CONFIGURED" in result.output

    key_file = tmp_path / "signing.pem"
    result = cli.invoke(main, ["audit", "keygen", "--out", str(key_file)])
    assert result.exit_code == 0, result.output
    public = result.output.split("public key: ")[1].split()[0]
    cli.settings = replace(cli.settings, signing_key_file=key_file)

    saved = tmp_path / "checkpoints.json"
    result = cli.invoke(main, ["audit", "checkpoint", "--out", str(saved)])
    assert result.exit_code == 0, result.output
    [printed] = parse_checkpoints(result.output)
    assert parse_checkpoints(saved.read_text()) == [printed]
    assert printed.public_key == public

    args = ["audit", "verify", "--checkpoint", str(saved), "--public-key", public]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "khớp / matches" in result.output

    positions = tenant.positions()
    tenant.run(
        ("DELETE FROM {events} WHERE {pos} = ?", (positions[-1],)),
        ("DELETE FROM {links} WHERE position = ?", (positions[-1],)),
    )
    result = cli.invoke(main, [*args, "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["intact"] is False
    assert data["first_break"]["kind"] == "checkpoint_mismatch"
    assert data["first_break"]["position"] == positions[-1]
