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
