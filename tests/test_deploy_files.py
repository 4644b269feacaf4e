"""The deployment files stay valid: compose (docker compose config, offline) and Kubernetes schemas."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_is_valid_without_a_docker_engine():
    compose = Path(sys.executable).parent / "docker-compose"
    result = subprocess.run(
        [str(compose), "-f", str(ROOT / "deploy/compose.yaml"), "config", "-q"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    rendered = subprocess.run(
        [str(compose), "-f", str(ROOT / "deploy/compose.yaml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import json

    services = json.loads(rendered)["services"]
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"gateway"}, "only the gateway may be reachable from outside"
    assert {"nats", "postgres", "gateway", "approval", "enforcement", "grid", "dispatch", "assessment"} <= set(services)
    for name in ("approval", "enforcement", "grid", "dispatch", "assessment", "gateway"):
        assert services[name]["healthcheck"]["test"][-1] == "readyz"


def test_kubernetes_overlays_render_and_validate_against_the_api_schemas():
    result = subprocess.run([sys.executable, str(ROOT / "deploy/k8s/check.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dev:" in result.stdout and "production:" in result.stdout


def test_the_public_ingress_routes_neither_metrics_nor_the_event_catalogue():
    import yaml

    ingress = yaml.safe_load((ROOT / "deploy/k8s/overlays/production/ingress.yaml").read_text())
    paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert "/" not in paths, "a catch-all would publish /metrics and /asyncapi.json"
    for private in ("/metrics", "/asyncapi.json", "/healthz", "/readyz"):
        assert not any(private.startswith(p) for p in paths), private
    assert {"/api/", "/auth/"} <= set(paths)
