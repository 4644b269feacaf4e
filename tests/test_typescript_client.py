"""A TypeScript client generated from the gateway's merged /openapi.json with openapi-typescript
(pinned in tools/typescript) type-checks under `tsc --strict` with code that reads a Problem's
`code`, and, compiled, makes real calls through the gateway with openapi-fetch."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "typescript"


def test_a_generated_typescript_client_type_checks_and_reads_a_problems_code(stack, tmp_path: Path):
    node = shutil.which("node")
    bin_dir = TOOLS / "node_modules" / ".bin"
    if node is None or not (bin_dir / "openapi-typescript").exists():
        pytest.skip("the TypeScript tools are not installed (needs Node.js; make test runs npm ci in tools/typescript)")
    gateway = stack.url("gateway")
    (tmp_path / "openapi.json").write_text(httpx.get(f"{gateway}/openapi.json", timeout=30).text)
    for name in ("client-check.ts", "tsconfig.json", "package.json"):
        shutil.copy(TOOLS / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(TOOLS / "node_modules")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{args[0]}: {done.stdout}{done.stderr}"
        return done

    run(str(bin_dir / "openapi-typescript"), "openapi.json", "--output", "api.d.ts")
    run(str(bin_dir / "tsc"), "-p", ".")  # strict; the @ts-expect-error line must be an error too

    token = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": "grid_worker.bufeng", "password": "demo"},
    ).json()["access_token"]
    answer = json.loads(run(node, "build/client-check.js", gateway, token).stdout)
    assert answer["role"] == "grid_worker"
    assert answer["status"] == 404 and answer["code"] == "not_found"
