"""The monitoring files agree with the code: the pods are scraped on the metrics port the
settings name, which no Service, proxy or published port exposes; only the monitoring namespace
may reach it; the alert rules use only series the code exposes. Files only."""

from __future__ import annotations

import re
from typing import Any

import yaml

from service.observability.exposition import series_names
from tests.deploy.test_manifests import DEPLOY, _one, _pod

PROMETHEUS = DEPLOY / "prometheus"


def test_pods_are_scraped_on_the_metrics_port_the_settings_name_and_only_there() -> None:
    settings = _one("ConfigMap", "ketnap-settings")["data"]
    port = int(settings["KETNAP_METRICS_PORT"])
    assert settings["KETNAP_METRICS_HOST"] == "0.0.0.0"  # scraped from another pod
    for deployment in ("ketnap-serve", "ketnap-worker"):
        template = _one("Deployment", deployment)["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", deployment
        assert int(annotations["prometheus.io/port"]) == port, deployment
        assert annotations["prometheus.io/path"] == "/metrics", deployment
        ports = {p["name"]: p["containerPort"] for p in _pod(deployment)["containers"][0]["ports"]}
        assert ports["metrics"] == port, deployment
    # the Service forwards the http port only
    service_ports = _one("Service", "ketnap")["spec"]["ports"]
    assert [p["targetPort"] for p in service_ports] == ["http"]
    # only the monitoring namespace reaches the metrics port
    policy = _one("NetworkPolicy", "ketnap")["spec"]
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "ketnap"}
    rules: list[dict[str, Any]] = policy["ingress"]
    open_ports = [p["port"] for rule in rules if "from" not in rule for p in rule["ports"]]
    assert open_ports == ["http"], rules
    metrics = [rule for rule in rules if {"port": "metrics"} in rule["ports"]]
    assert len(metrics) == 1, rules
    assert all("namespaceSelector" in source for source in metrics[0]["from"]), metrics
    # compose: the metrics port is set for every Ketnap service and published by none
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        if service.get("command", [""])[0] in ("serve", "worker"):
            assert int(environment["KETNAP_METRICS_PORT"]) == port, name
        published = " ".join(str(p) for p in service.get("ports", []))
        assert str(port) not in published, name
    assert str(port) not in (DEPLOY / "nginx.conf").read_text(encoding="utf-8")


def test_the_alert_rules_use_only_series_the_code_exposes() -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text(encoding="utf-8"))
    exposed = series_names()
    used: set[str] = set()
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    for rule in alerts:
        assert rule["labels"]["severity"] in ("critical", "warning"), rule
        assert rule["annotations"]["summary"], rule
        used |= set(re.findall(r"\bketnap_[a-z_]+", rule["expr"]))
    assert used, alerts
    assert used <= exposed, used - exposed
    # the families an operator most needs are alerted on
    for needed in ("ketnap_projection_failed", "ketnap_projection_lag_events", "ketnap_store_up"):
        assert needed in used, needed
    scrape = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    assert scrape["rule_files"] == ["alerts.yml"]
    assert {job["job_name"] for job in scrape["scrape_configs"]} == {"ketnap"}
    assert all('job="ketnap"' in rule["expr"] for rule in alerts if "{job" in rule["expr"])
