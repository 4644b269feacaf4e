"""Window acceptance: applications accepted per second through the gateway, and p95 of acceptance.

A clerk of Bufeng's window accepts a complete application for a committed item (resident pension
enrolment: every required material handed in, the household register obtained by data sharing),
over 16 keep-alive connections for a steady run; every answer must be 201 (a receipt).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from cpu import CpuMeter, load_average, per_unit_ms
from load import run_load

PATH = "/api/approval/v1/applications"
BODY = {
    "item_code": "resident_pension_enrolment",
    "applicant": {"name": "王五", "id_number": "320911198001011234", "phone": "13800000000"},
    "materials": [{"code": "id_card"}, {"code": "enrolment_form"}],
}


def measure(ctx: dict[str, Any], *, connections: int = 16, seconds: int = 15) -> dict[str, Any]:
    gateway = ctx["gateway"]
    token = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": "window_clerk.bufeng", "password": ctx["password"]},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps(BODY, ensure_ascii=False).encode()
    first = httpx.post(gateway + PATH, headers=headers, content=body)
    assert first.status_code == 201 and first.json()["status"] == "accepted", first.text
    run_load(gateway + PATH, headers, 4, 3, "POST", body)  # warm-up
    meter = CpuMeter(ctx)
    load_before = load_average()
    before = meter.snapshot()
    result = run_load(gateway + PATH, headers, connections, seconds, "POST", body)
    after = meter.snapshot()
    # every process of the stack (gateway, approval, any consumer of its events) and PostgreSQL,
    # per accepted application; idle not subtracted (saturated phase: idle is a rounding error)
    cpu = per_unit_ms(CpuMeter.delta(before, after), None, result.requests)
    light = run_load(gateway + PATH, headers, 2, seconds, "POST", body)  # latency away from saturation
    return {
        "approval_accept_rps": round(result.rps, 1),
        "approval_accept_p95_ms": round(result.p95_ms, 2),
        "approval_cpu_ms_per_acceptance": cpu["total"],
        "approval_cpu_detail": {
            "per_process_ms": cpu,
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
        "approval_detail": {
            "connections": connections,
            "seconds": seconds,
            "tool": result.tool,
            "requests": result.requests,
            "non_201_or_errors": result.errors + light.errors,
            "p50_ms": round(result.p50_ms, 2),
            "p99_ms": round(result.p99_ms, 2),
            "at_2_connections": {
                "rps": round(light.rps, 1),
                "p50_ms": round(light.p50_ms, 2),
                "p95_ms": round(light.p95_ms, 2),
            },
        },
    }
