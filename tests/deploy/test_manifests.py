"""The deployment files agree with the code: ``deploy/k8s/``, ``deploy/compose.yaml``,
``deploy/nginx.conf`` and ``deploy/Dockerfile``.

What the code says is taken from the code, never copied here: the ``KETNAP_*`` names are those
``service.bootstrap.read_settings`` asks its environment for (and ``service.settings`` documents,
the one list of settings); the probe paths must answer 200 from the real application; the port is
the one the manifests give ``ketnap serve``, which the Service, the probes and the proxy must
reach; the user the pods run as is the image's ``USER``. Files only: nothing here needs Docker
or a cluster (what could not be checked here is listed in deploy/README.md).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from service import settings as settings_module
from service.api.app import make_app
from service.api.context import Services
from service.bootstrap import bootstrap, read_settings
from service.settings import Settings
from tests.processes import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
#: Settings only tests may set.
TEST_ONLY = {"KETNAP_WORKER_TEST_DELAY"}


class _Asking(Mapping[str, str]):
    """An empty environment that notes every name it is asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def settings_names() -> set[str]:
    """Every variable the composition root reads."""
    environ = _Asking()
    read_settings(environ)
    return environ.asked


def test_every_setting_read_is_documented_in_the_one_list() -> None:
    documented = set(re.findall(r"KETNAP_[A-Z0-9_]+", settings_module.__doc__ or ""))
    assert settings_names() == documented


# --- Kubernetes --------------------------------------------------------------------------------
def _k8s() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return documents


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in _k8s() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _pod(deployment: str) -> dict[str, Any]:
    spec: dict[str, Any] = _one("Deployment", deployment)["spec"]["template"]["spec"]
    return spec


def _env_names(container: dict[str, Any]) -> set[str]:
    """What a container's environment names: its ``env`` and the ConfigMaps it takes whole."""
    names = {entry["name"] for entry in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= set(_one("ConfigMap", source["configMapRef"]["name"])["data"])
    return names


def _containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for document in _k8s():
        if document["kind"] in ("Deployment", "Job"):
            spec = document["spec"]["template"]["spec"]
            for container in spec.get("initContainers", []) + spec["containers"]:
                yield f"{document['metadata']['name']}/{container['name']}", container


def test_manifests_name_only_settings_the_code_reads() -> None:
    known = settings_names()
    for configmap in (d for d in _k8s() if d["kind"] == "ConfigMap"):
        names = {n for n in configmap["data"] if n.startswith("KETNAP_")}
        assert names <= known - TEST_ONLY, names - known
    for where, container in _containers():
        names = {n for n in _env_names(container) if n.startswith("KETNAP_")}
        assert names <= known - TEST_ONLY, (where, names - known)


def test_servers_get_both_roles_and_workers_only_the_applications() -> None:
    serve = _pod("ketnap-serve")["containers"][0]
    worker = _pod("ketnap-worker")["containers"][0]
    needed = {"KETNAP_DATABASE_URL", "KETNAP_KEY_FILE", "KETNAP_ENV"}
    assert needed | {"KETNAP_DATABASE_OWNER_URL", "KETNAP_JWT_PUBLIC_KEY_FILE"} <= _env_names(serve)
    assert needed | {"KETNAP_WORKER_NAME"} <= _env_names(worker)
    assert "KETNAP_DATABASE_OWNER_URL" not in _env_names(worker)
    assert worker["args"] == ["worker"]
    assert _one("ConfigMap", "ketnap-settings")["data"]["KETNAP_ENV"] == "production"


def _port_argument(args: list[str]) -> int:
    return int(args[args.index("--port") + 1])


def _probe_answers(paths: list[str], tmp_path: Path) -> dict[str, int]:
    """The status of ``GET path`` for each path, from the real application (SQLite)."""
    parts = bootstrap(Settings(data_dir=tmp_path / "data"))
    app = make_app(Services.of(parts))

    async def get_all() -> dict[str, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://k8s") as client:
            return {path: (await client.get(path)).status_code for path in paths}

    try:
        return asyncio.run(get_all())
    finally:
        parts.close()


def test_the_service_and_the_probes_reach_the_port_and_paths_the_server_answers(
    tmp_path: Path,
) -> None:
    pod = _pod("ketnap-serve")
    (serve,) = pod["containers"]
    port = _port_argument(serve["args"])
    ports = {p["name"]: p["containerPort"] for p in serve["ports"]}
    assert ports["http"] == port  # and "metrics": tests/deploy/test_monitoring.py

    def resolved(value: int | str) -> int:
        return ports[value] if isinstance(value, str) else value

    probes = {kind: serve[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == "/readyz/store"
    assert {resolved(p["port"]) for p in probes.values()} == {port}
    answers = _probe_answers([p["path"] for p in probes.values()], tmp_path)
    assert answers == {"/healthz": 200, "/readyz/store": 200}

    service = _one("Service", "ketnap")
    pod_labels = _one("Deployment", "ketnap-serve")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (service_port,) = service["spec"]["ports"]
    assert resolved(service_port["targetPort"]) == port


@pytest.mark.parametrize("deployment", ["ketnap-serve", "ketnap-worker"])
def test_each_deployment_has_replicas_resources_a_budget_and_runs_as_the_images_user(
    deployment: str,
) -> None:
    document = _one("Deployment", deployment)
    assert document["spec"]["replicas"] >= 2
    labels = document["spec"]["template"]["metadata"]["labels"]
    assert document["spec"]["selector"]["matchLabels"] == labels
    pod = document["spec"]["template"]["spec"]
    for container in pod["containers"]:
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"])
        assert "memory" in resources["limits"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
    budgets = [
        d
        for d in _k8s()
        if d["kind"] == "PodDisruptionBudget"
        and d["spec"]["selector"]["matchLabels"].items() <= labels.items()
    ]
    assert len(budgets) == 1
    user, group = _image_user()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (
        user,
        group,
    )


# --- the image ---------------------------------------------------------------------------------
def _final_stage() -> list[str]:
    """The final stage's instructions, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    last_from = max(i for i, line in enumerate(instructions) if line.startswith("FROM "))
    return instructions[last_from:]


def _image_user() -> tuple[int, int]:
    (user,) = [line for line in _final_stage() if line.startswith("USER ")]
    uid, gid = user.split()[1].split(":")
    return int(uid), int(gid)


def test_the_image_is_slim_python_installs_the_wheel_alone_and_runs_unprivileged() -> None:
    stage = _final_stage()
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.MULTILINE)
    assert stage[0] == "FROM ${PYTHON_IMAGE}"
    body = " ".join(stage)
    assert "pip install --no-index --find-links=/wheels ketnap" in body
    assert "pip uninstall --yes pip setuptools wheel" in body
    for build_tool in ("apt-get", "gcc", "build-essential", "COPY . "):
        assert build_tool not in body, build_tool
    assert _image_user()[0] != 0


# --- compose and the proxy -----------------------------------------------------------------------
def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return compose


def _ketnap_services(command: str) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in _compose()["services"].items()
        if service.get("image", "").startswith("ketnap:") and service["command"][0] == command
    }


def test_compose_runs_two_servers_behind_the_proxy_and_two_workers_with_known_settings() -> None:
    known = settings_names() - TEST_ONLY
    servers, workers = _ketnap_services("serve"), _ketnap_services("worker")
    assert len(servers) == 2
    assert len(workers) == 2
    compose = _compose()
    for name, service in compose["services"].items():
        names = {n for n in service.get("environment", {}) if n.startswith("KETNAP_")}
        assert names <= known, (name, names - known)
        for secret in service.get("secrets", []):
            assert secret in compose["secrets"], (name, secret)
    for service in workers.values():
        assert "KETNAP_DATABASE_OWNER_URL" not in service["environment"]
    assert len({s["environment"]["KETNAP_WORKER_NAME"] for s in workers.values()}) == 2

    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream ketnap \{(.*?)\}", nginx, re.DOTALL)
    assert upstream is not None
    targets = set(re.findall(r"server ([\w.-]+):(\d+)", upstream.group(1)))
    assert targets == {(name, str(_port_argument(s["command"]))) for name, s in servers.items()}
    for service in servers.values():
        assert "/readyz/store" in " ".join(service["healthcheck"]["test"])
