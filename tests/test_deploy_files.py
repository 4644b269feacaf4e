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
        env = services[name]["environment"]
        # PgBouncer in transaction mode between the processes and PostgreSQL; asyncpg set for it
        assert "@pgbouncer:6432/" in env[f"{name.upper()}_DATABASE_URL"]
        assert "@postgres:5432/" in env[f"{name.upper()}_DATABASE_DIRECT_URL"]
        assert env["JICENG_DATABASE_PGBOUNCER"] == "true"
        assert "pgbouncer" in services[name]["depends_on"]


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


def test_only_the_gateways_pods_get_the_private_signing_keys():
    import yaml

    docs = [d for d in yaml.safe_load_all((ROOT / "deploy/k8s/base/processes.yaml").read_text()) if d]
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        secrets = {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
        if deployment["metadata"]["name"] == "gateway":
            assert secrets == {"jiceng-gateway-keys"}
        else:
            assert secrets == {"jiceng-public-keys", "jiceng-personal-data-keys"}, deployment["metadata"]["name"]


def test_each_process_connects_with_its_own_database_role():
    import re

    for text in (
        (ROOT / "deploy/compose.yaml").read_text(),
        (ROOT / "deploy/k8s/overlays/dev/kustomization.yaml").read_text(),
    ):
        urls = re.findall(r"(\w+)_DATABASE_URL[:=] ?postgresql\+asyncpg://([^:]+):[^@]+@[^/]+/(\w+)", text)
        assert urls
        for process, role, database in urls:
            assert role == database == f"jiceng_{process.lower()}", (process, role, database)
