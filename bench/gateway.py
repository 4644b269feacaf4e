"""Gateway overhead: the same authenticated GET straight to the service and through the gateway.

Throughput at 32 connections and latency at 1 connection, measured in alternating rounds in one
run; the ratio and the added latency compare the two paths on the same machine state.
"""

from __future__ import annotations

import statistics
from typing import Any

import httpx
from cpu import CpuMeter, load_average
from load import run_load

from jiceng_shared import devkeys
from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.identity import INTERNAL_HEADER, Binding, InternalTokenSigner, Principal

PATH = "/api/grid/v1/areas/320971100201001"


def login(gateway: str, username: str, password: str) -> tuple[str, Principal]:
    token = httpx.post(f"{gateway}/auth/token", data=demo_login_form(username, password)).json()["access_token"]
    me = httpx.get(f"{gateway}/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    principal = Principal(
        subject=me["subject"],
        name=me["name"],
        kind=me["kind"],
        username=username,
        bindings=tuple(Binding(b["role"], b["area"], b["dept"]) for b in me["bindings"]),
    )
    return token, principal


def measure(ctx: dict[str, Any], *, seconds: int = 8, rounds: int = 2) -> dict[str, Any]:
    gateway, service = ctx["gateway"], ctx["services"]["grid"]
    token, principal = login(gateway, "dispatcher.bufeng", ctx["password"])
    # the service is called as the gateway calls it: with an internal token for the same caller
    internal = InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY).token_for(principal)
    direct_url, proxied_url = service + PATH, gateway + PATH
    direct_headers, proxied_headers = {INTERNAL_HEADER: internal}, {"Authorization": f"Bearer {token}"}
    for url, headers in ((direct_url, direct_headers), (proxied_url, proxied_headers)):
        assert httpx.get(url, headers=headers).status_code == 200, url
        run_load(url, headers, 8, 2)  # warm caches and connection pools
    runs: dict[str, list[Any]] = {"direct": [], "proxied": [], "direct_1": [], "proxied_1": []}
    meter = CpuMeter(ctx)
    load_before = load_average()
    gateway_cpu_s, proxied_requests = 0.0, 0
    for _ in range(rounds):
        runs["direct"].append(run_load(direct_url, direct_headers, 32, seconds))
        before = meter.snapshot()
        runs["proxied"].append(run_load(proxied_url, proxied_headers, 32, seconds))
        after = meter.snapshot()
        # the direct path has no gateway: the gateway's own CPU is what proxying adds
        gateway_cpu_s += CpuMeter.delta(before, after)["gateway"]
        proxied_requests += runs["proxied"][-1].requests
        runs["direct_1"].append(run_load(direct_url, direct_headers, 1, seconds // 2))
        runs["proxied_1"].append(run_load(proxied_url, proxied_headers, 1, seconds // 2))
    med = {
        k: {
            "rps": statistics.median(r.rps for r in v),
            "p50": statistics.median(r.p50_ms for r in v),
            "p99": statistics.median(r.p99_ms for r in v),
            "errors": sum(r.errors for r in v),
        }
        for k, v in runs.items()
    }
    return {
        "gateway_direct_rps": round(med["direct"]["rps"], 1),
        "gateway_proxied_rps": round(med["proxied"]["rps"], 1),
        "gateway_throughput_ratio": round(med["proxied"]["rps"] / med["direct"]["rps"], 3),
        "gateway_added_p50_ms": round(med["proxied_1"]["p50"] - med["direct_1"]["p50"], 3),
        "gateway_added_p99_ms": round(med["proxied_1"]["p99"] - med["direct_1"]["p99"], 3),
        "gateway_added_cpu_ms": round(gateway_cpu_s * 1000 / max(proxied_requests, 1), 3),
        "gateway_cpu_detail": {
            "proxied_requests": proxied_requests,
            "gateway_cpu_s": round(gateway_cpu_s, 2),
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
        "gateway_detail": {
            "path": PATH,
            "tool": runs["direct"][0].tool,
            "connections_throughput": 32,
            "seconds_per_run": seconds,
            "rounds": rounds,
            "direct_p50_ms_at_1_connection": round(med["direct_1"]["p50"], 3),
            "proxied_p50_ms_at_1_connection": round(med["proxied_1"]["p50"], 3),
            "direct_p99_ms_at_1_connection": round(med["direct_1"]["p99"], 3),
            "proxied_p99_ms_at_1_connection": round(med["proxied_1"]["p99"], 3),
            "errors": sum(m["errors"] for m in med.values()),
        },
    }
