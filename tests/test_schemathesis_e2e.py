"""Schemathesis (pinned) over the merged /openapi.json, through the gateway, as two roles: no
server error, no status and no content type the contract does not document, no response that
breaks its schema.

The short form runs in ``make test`` on the shared test stack, so it writes nothing: reads get
valid and invalid input, and writes only input the contract forbids (which must be refused, with
a documented problem, before anything is written); the session routes (``/auth/*``) are left out,
as a logout would end the role's token. ``make fuzz`` (``JICENG_SCHEMATHESIS=full``) is the long
form: every phase, valid writes too, more examples, on a stack of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

FULL = os.environ.get("JICENG_SCHEMATHESIS") == "full"
ROLES = ("township_leader.bufeng", "dispatcher.bufeng")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = "20261129"


def _token(gateway: str, username: str) -> str:
    answer = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": "password", "username": username, "password": "demo"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def _schemathesis(spec: Path, gateway: str, token: str, report: Path, *args: str) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).parent / "st"
    command = [str(st), "run", str(spec), "--url", gateway, "-H", f"Authorization: Bearer {token}"]
    command += ["--checks", CHECKS, "--seed", SEED, "--workers", "1", "--no-color", "--output-truncate", "true"]
    command += ["--report", "junit", "--report-junit-path", str(report), *args]
    # in the test's directory: Schemathesis keeps its cache of failures beside where it runs
    return subprocess.run(command, capture_output=True, text=True, cwd=report.parent, timeout=1800 if FULL else 300)


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_server_error_nor_anything_undocumented(stack, role: str, tmp_path: Path):
    gateway = stack.url("gateway")
    spec = tmp_path / "openapi.json"
    spec.write_text(httpx.get(f"{gateway}/openapi.json", timeout=30).text)
    token = _token(gateway, role)
    runs = []
    if FULL:
        # a logout would end the token the rest of the run calls with
        everything = ["--exclude-path", "/auth/logout", "--phases", "examples,coverage,fuzzing,stateful"]
        runs.append(("all", [*everything, "--max-examples", "25"]))
    else:
        runs.append(("reads", ["--include-method", "GET", "--phases", "examples,fuzzing", "--max-examples", "2"]))
        if role == ROLES[0]:  # the other role's writes are mostly refused by its permissions: time saved
            runs.append(
                (
                    "writes",
                    ["--exclude-method", "GET", "--exclude-path-regex", "^/auth/", "--mode", "negative"]
                    + ["--phases", "fuzzing", "--max-examples", "2"],
                )
            )
    for name, args in runs:
        done = _schemathesis(spec, gateway, token, tmp_path / f"{name}.xml", *args)
        # exit code 0: no failure and no error in any operation
        assert done.returncode == 0, f"{role} {name}:\n{done.stdout[-20000:]}\n{done.stderr[-3000:]}"
