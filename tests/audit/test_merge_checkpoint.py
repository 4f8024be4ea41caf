"""A merged tenant's history stays verifiable: its chain is closed by a signed checkpoint whose
position and head hash the target records, and an auditor verifies the source against it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from domain import ids
from domain.tenant_merge import MergeReception
from service.audit.checkpoints import Checkpoint, load_signing_key, public_key_b64
from service.audit.verify import verify_tenant
from service.commands import Handlers
from service.tenant_merge import run_merge
from tests.service.test_tenant_merge import OPERATOR, handlers, merge, signed_store

__all__ = ["handlers", "signed_store"]  # the fixtures this module uses


def closing_checkpoint(h: Handlers) -> Checkpoint:
    """The source's closing checkpoint as the target recorded it."""
    app = h.store.app("hcm", write=False)
    recorded = app.get(ids.reception_id("hcm", "brvt"), MergeReception).checkpoint
    return Checkpoint(**dataclasses.asdict(recorded))


def test_the_checkpoint_the_target_recorded_verifies_the_closed_source(
    handlers: Handlers,
) -> None:
    """Signed with the deployment's key; the source's whole history hashes to it."""
    h = handlers
    run_merge(h, OPERATOR, merge())
    checkpoint = closing_checkpoint(h)
    assert checkpoint.signature_valid()
    settings_key = h.store.settings.signing_key_file
    assert isinstance(settings_key, Path)
    trusted = public_key_b64(load_signing_key(settings_key).public_key())
    result = verify_tenant(h.store, "brvt", [checkpoint], trusted_key=trusted)
    assert result.intact
    assert [c.matches for c in result.checkpoints] == [True]
    assert result.head_position == checkpoint.position


def test_a_forged_reference_to_the_closed_source_does_not_verify(handlers: Handlers) -> None:
    """Another head hash under the same signature is refused: the reference cannot be bent."""
    h = handlers
    run_merge(h, OPERATOR, merge())
    forged = dataclasses.replace(closing_checkpoint(h), head_hash="0" * 64)
    assert not forged.signature_valid()
    assert not verify_tenant(h.store, "brvt", [forged]).intact
