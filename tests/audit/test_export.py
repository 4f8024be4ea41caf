"""Export as JSON Lines, and verification of the file with no database."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.errors import DomainError
from service.audit.checkpoints import public_key_b64
from service.audit.export import export_tenant, read_export, verify_file
from service.audit.recording import record_checkpoint
from service.audit.verify import verify_tenant
from service.cli import main
from service.settings import Settings
from service.store import Store, TenantKind
from service.store.chain import GENESIS
from tests.audit.test_verify_tamper import SLUG, Raw, save_notes
from tests.conftest import SettingsCliRunner


@pytest.fixture
def tenant(store: Store) -> Raw:
    store.registry.create(SLUG, "Acme", TenantKind.OTHER)
    save_notes(store, SLUG, 4)
    return Raw(store, SLUG)


def export_lines(raw: Raw) -> list[dict[str, Any]]:
    out = io.StringIO()
    export_tenant(raw.store, SLUG, out)
    text = out.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_export_holds_events_as_stored_links_and_checkpoints(tenant: Raw, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = record_checkpoint(tenant.store, SLUG, key)
    lines = export_lines(tenant)
    header, body = lines[0], lines[1:]
    positions = tenant.positions()
    assert header["format"] == "ketnap-audit-export"
    assert header["version"] == 1
    assert header["tenant"] == SLUG
    assert header["backend"] == tenant.store.backend
    assert header["hash"] == "sha256"
    assert header["genesis"] == GENESIS.hex()
    assert header["counts"] == {"events": 8, "links": 8, "checkpoints": 1}
    result = verify_tenant(tenant.store, SLUG)
    assert header["head"] == {"position": positions[-1], "hash": result.head_hash}
    events = [line for line in body if line["type"] == "event"]
    assert [e["position"] for e in events] == positions
    first = events[0]
    originator_id, version, topic, state = tenant.event_row(positions[0])
    assert first["originator_id"] == str(UUID(str(originator_id)))  # canonical, hyphenated
    assert (first["originator_version"], first["topic"]) == (version, topic)
    assert base64.b64decode(first["state"]) == bytes(state)
    assert first["prev_hash"] == GENESIS.hex()
    assert events[1]["prev_hash"] == first["hash"]
    assert body[-1] == {"type": "checkpoint", "statement": checkpoint.as_dict()}

    path = write(tmp_path / "export.jsonl", lines)
    offline = verify_file(path)
    assert offline.intact
    assert (offline.events, offline.head_hash) == (8, result.head_hash)
    assert [c.matches for c in offline.checkpoints] == [True]


def test_offline_verification_catches_edits_of_the_file(tenant: Raw, tmp_path: Path) -> None:
    lines = export_lines(tenant)
    positions = tenant.positions()

    changed = [dict(line) for line in lines]
    changed[3]["state"] = base64.b64encode(b'{"text":"forged"}').decode()
    result = verify_file(write(tmp_path / "changed.jsonl", changed))
    assert result.first_break is not None
    assert (result.first_break.position, result.first_break.kind) == (
        positions[2],
        "hash_mismatch",
    )

    removed = lines[:3] + lines[4:]
    with pytest.raises(DomainError) as refused:
        verify_file(write(tmp_path / "removed.jsonl", removed))
    assert refused.value.code == "AUDIT_EXPORT_INVALID"
    assert "8 events" in refused.value.message_en

    removed[0] = {**removed[0], "counts": {"events": 7, "links": 7, "checkpoints": 0}}
    result = verify_file(write(tmp_path / "removed-fixed.jsonl", removed))
    assert result.first_break is not None
    assert (result.first_break.position, result.first_break.kind) == (
        positions[3],
        "prev_mismatch",
    )

    swapped = [dict(line) for line in lines]
    for key in ("originator_id", "originator_version", "topic", "state"):
        swapped[2][key], swapped[5][key] = swapped[5][key], swapped[2][key]
    result = verify_file(write(tmp_path / "swapped.jsonl", swapped))
    assert result.first_break is not None
    assert (result.first_break.position, result.first_break.kind) == (
        positions[1],
        "hash_mismatch",
    )


def test_a_tampered_database_exports_what_it_holds(tenant: Raw, tmp_path: Path) -> None:
    position = tenant.positions()[5]
    tenant.run(("DELETE FROM {events} WHERE {pos} = ?", (position,)))
    lines = export_lines(tenant)
    assert lines[0]["counts"] == {"events": 7, "links": 8, "checkpoints": 0}
    assert {"type": "link", "position": position}.items() <= lines[6].items()
    result = verify_file(write(tmp_path / "tampered.jsonl", lines))
    assert result.first_break is not None
    assert (result.first_break.position, result.first_break.kind) == (position, "event_missing")


def test_malformed_files_are_refused_bilingually(tmp_path: Path) -> None:
    cases = {
        "empty": "",
        "not-json": "{nope\n",
        "other-format": json.dumps({"format": "x", "version": 1}) + "\n",
        "other-version": json.dumps({"format": "ketnap-audit-export", "version": 2}) + "\n",
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text(text)
        with pytest.raises(DomainError) as refused:
            verify_file(path)
        assert refused.value.code == "AUDIT_EXPORT_INVALID", name
        assert refused.value.message_vi.startswith("Tệp xuất không hợp lệ"), name
    with pytest.raises(DomainError):
        verify_file(tmp_path / "missing.jsonl")


def test_read_export_rejects_descending_positions() -> None:
    header = {
        "format": "ketnap-audit-export",
        "version": 1,
        "tenant": "t",
        "counts": {"events": 0, "links": 2, "checkpoints": 0},
    }
    link = {"type": "link", "hash": "00" * 32, "prev_hash": "00" * 32}
    lines = [header, {**link, "position": 2}, {**link, "position": 1}]
    with pytest.raises(DomainError) as refused:
        read_export(iter(json.dumps(line) for line in lines))
    assert "ascending" in refused.value.message_en


def test_cli_export_and_verify_file(tenant: Raw, cli: SettingsCliRunner, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = record_checkpoint(tenant.store, SLUG, key)
    result = cli.invoke(main, ["audit", "export", "--tenant", SLUG])
    assert result.exit_code == 0, result.output
    stdout = result.stdout
    path = tmp_path / "export.jsonl"
    path.write_text(stdout, encoding="utf-8")
    assert json.loads(stdout.splitlines()[0])["counts"]["events"] == 8

    out = tmp_path / "export2.jsonl"
    result = cli.invoke(main, ["audit", "export", "--tenant", SLUG, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1:] == stdout.splitlines()[1:]

    # Offline: no database settings at all.
    cli.settings = Settings(data_dir=tmp_path / "nowhere")
    public = public_key_b64(key.public_key())
    saved = tmp_path / "cp.json"
    saved.write_text(checkpoint.to_json())
    args = ["audit", "verify-file", str(path), "--checkpoint", str(saved), "--public-key", public]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "acme: intact, 8 events" in result.output
    assert not (tmp_path / "nowhere").exists()

    lines = path.read_text().splitlines()
    record = json.loads(lines[2])
    record["topic"] += "x"
    lines[2] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    result = cli.invoke(main, ["audit", "verify-file", str(path), "--json"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["first_break"]["kind"] == "hash_mismatch"

    result = cli.invoke(main, ["audit", "verify-file", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "AUDIT_EXPORT_INVALID" in result.output
