"""``deploy/citus/`` agrees with the code and with ``deploy/compose.yaml`` (read, not run: no
container or Citus runs on our machines; see deploy/README.md, "Citus")."""

from __future__ import annotations

from typing import Any

import yaml

from service.store.citus import DISTRIBUTE_NEW_SCHEMA
from tests.deploy.test_manifests import DEPLOY, settings_names

CITUS = DEPLOY / "citus"


def _load(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / path).read_text(encoding="utf-8"))
    return loaded


def test_every_ketnap_process_of_the_compose_file_runs_with_citus_on_the_coordinator() -> None:
    base = _load("compose.yaml")["services"]
    overlay = _load("citus/compose.yaml")["services"]
    ketnap = {name for name, service in base.items() if "ketnap" in str(service.get("image"))}
    assert ketnap == {"ketnap-init", "serve-1", "serve-2", "worker-1", "worker-2"}
    for name in ketnap:
        assert overlay[name]["environment"] == {"KETNAP_CITUS": "on"}, name
        for url in ("KETNAP_DATABASE_URL", "KETNAP_DATABASE_OWNER_URL"):
            # The coordinator keeps the name `db`: no Ketnap URL names a Citus worker.
            assert "@db:" in base[name].get("environment", {}).get(url, "@db:"), name
    assert {"KETNAP_CITUS"} <= settings_names()
    nodes = {name for name in overlay if name == "db" or name.startswith("citus-worker-")}
    assert len(nodes) == 3
    for name in nodes:
        assert overlay[name]["image"].startswith("${CITUS_IMAGE:-citusdata/citus:")
        assert "ports" not in overlay[name]
    assert overlay["ketnap-init"]["depends_on"] == {
        "citus-setup": {"condition": "service_completed_successfully"}
    }


def test_the_setup_keeps_schema_sharding_for_ketnap_to_turn_on_per_tenant() -> None:
    """The database default stays off (so ``platform`` is never distributed); Ketnap's own
    statement turns it on in a tenant's creation transaction; existing tenants are distributed
    by ``citus_schema_distribute``; the owner may create the append-only triggers."""
    setup = (CITUS / "setup.sql").read_text(encoding="utf-8")
    setting = DISTRIBUTE_NEW_SCHEMA.split()[2]
    assert setting == "citus.enable_schema_based_sharding"
    assert f"SET {setting} = off" in setup
    assert "citus.enable_unsafe_triggers = on" in setup
    assert "citus_add_node" in setup
    existing = (CITUS / "distribute-existing.sql").read_text(encoding="utf-8")
    assert "citus_schema_distribute" in existing
    assert "setup.sql" in (CITUS / "citus-setup.sh").read_text(encoding="utf-8")
