"""Gateway overhead: the same authenticated GET straight to the service and through the gateway,
on a cheap read (one area) and on a list of 50 incidents.

Throughput at 32 connections and latency at 1 connection, measured in alternating rounds in one
run; the ratio and the added latency compare the two paths on the same machine state.
"""

from __future__ import annotations

import statistics
from typing import Any

import httpx
from cpu import CpuMeter, load_average
from load import run_load
from loop1 import _body

from jiceng_shared import devkeys
from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.identity import INTERNAL_HEADER, Binding, InternalTokenSigner, Principal

PATH = "/api/grid/v1/areas/320971100201001"
#: a list of 50 through the same caller's scope (incidents made by the bench when fewer exist)
LIST_SIZE = 50
LIST_PATH = f"/api/grid/v1/incidents?limit={LIST_SIZE}"


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


def _ensure_list(gateway: str, token: str, password: str) -> None:
    """At least ``LIST_SIZE`` incidents in the caller's scope, so the list path returns a full page
    (reported by a grid worker of the same township, as loop 1 reports them)."""
    have = len(httpx.get(gateway + LIST_PATH, headers={"Authorization": f"Bearer {token}"}).json()["items"])
    if have < LIST_SIZE:
        reporter = {"Authorization": f"Bearer {login(gateway, 'grid_worker.bufeng', password)[0]}"}
        for _ in range(LIST_SIZE - have):
            created = httpx.post(f"{gateway}/api/grid/v1/incidents", json=_body(), headers=reporter)
            assert created.status_code == 201, created.text
    assert (
        len(httpx.get(gateway + LIST_PATH, headers={"Authorization": f"Bearer {token}"}).json()["items"]) == LIST_SIZE
    )


def _compare(
    ctx: dict[str, Any], path: str, token: str, internal: str, *, seconds: int, rounds: int
) -> tuple[dict[str, dict[str, float]], float, int, str]:
    """One path straight to the service and through the gateway, in alternating rounds: the median
    figures of each run kind, the gateway's CPU seconds and requests while proxying, the tool."""
    gateway, service = ctx["gateway"], ctx["services"]["grid"]
    direct_url, proxied_url = service + path, gateway + path
    direct_headers, proxied_headers = {INTERNAL_HEADER: internal}, {"Authorization": f"Bearer {token}"}
    for url, headers in ((direct_url, direct_headers), (proxied_url, proxied_headers)):
        assert httpx.get(url, headers=headers).status_code == 200, url
        run_load(url, headers, 8, 2)  # warm caches and connection pools
    runs: dict[str, list[Any]] = {"direct": [], "proxied": [], "direct_1": [], "proxied_1": []}
    meter = CpuMeter(ctx)
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
    return med, gateway_cpu_s, proxied_requests, runs["direct"][0].tool


def measure(ctx: dict[str, Any], *, seconds: int = 8, rounds: int = 2) -> dict[str, Any]:
    gateway = ctx["gateway"]
    token, principal = login(gateway, "dispatcher.bufeng", ctx["password"])
    # the service is called as the gateway calls it: with an internal token for the same caller
    internal = InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY).token_for(principal)
    _ensure_list(gateway, token, ctx["password"])
    load_before = load_average()
    med, gateway_cpu_s, proxied_requests, tool = _compare(ctx, PATH, token, internal, seconds=seconds, rounds=rounds)
    lst, list_cpu_s, list_requests, _ = _compare(ctx, LIST_PATH, token, internal, seconds=seconds, rounds=rounds)
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
            "tool": tool,
            "connections_throughput": 32,
            "seconds_per_run": seconds,
            "rounds": rounds,
            "direct_p50_ms_at_1_connection": round(med["direct_1"]["p50"], 3),
            "proxied_p50_ms_at_1_connection": round(med["proxied_1"]["p50"], 3),
            "direct_p99_ms_at_1_connection": round(med["direct_1"]["p99"], 3),
            "proxied_p99_ms_at_1_connection": round(med["proxied_1"]["p99"], 3),
            "errors": sum(m["errors"] for m in med.values()),
            # the same comparison on a list of 50 (a larger body streamed through the gateway)
            "list_50": {
                "path": LIST_PATH,
                "direct_rps": round(lst["direct"]["rps"], 1),
                "proxied_rps": round(lst["proxied"]["rps"], 1),
                "throughput_ratio": round(lst["proxied"]["rps"] / lst["direct"]["rps"], 3),
                "added_p50_ms": round(lst["proxied_1"]["p50"] - lst["direct_1"]["p50"], 3),
                "added_cpu_ms": round(list_cpu_s * 1000 / max(list_requests, 1), 3),
                "direct_p50_ms_at_1_connection": round(lst["direct_1"]["p50"], 3),
                "proxied_p50_ms_at_1_connection": round(lst["proxied_1"]["p50"], 3),
                "errors": sum(m["errors"] for m in lst.values()),
            },
        },
    }
