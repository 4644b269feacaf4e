"""Loop 1 latency: incident POST through the gateway → lead recorded in enforcement.

The lead's ``enforcement.lead.received`` event is published after the lead's transaction
commits, so its arrival on NATS is the moment the lead is visible; the benchmark listens to it
(a core NATS subscription, no polling load) and matches it to the incident by correlation id.
It runs a steady 50 incidents/s for p50/p95 (the rate of performance.md's target; also 20/s in the
detail), then raises the rate from 10/s until the system stops keeping up (p95 over a second, a
lead missing after the drain, or the sender falling behind), and reports the highest rate it held.
Duplicate merging is disabled for the run (DISPATCH_DUPLICATE_RADIUS_METERS=0): random points
would otherwise be merged into earlier tickets, which is a different path.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

import aiohttp
import nats
from load import percentile

GRIDS = {"320971100201001": (120.300, 33.300), "320971100201002": (120.310, 33.300)}
BENCH_ENV = {"DISPATCH_DUPLICATE_RADIUS_METERS": "0"}


async def _token(session: aiohttp.ClientSession, gateway: str, password: str) -> str:
    async with session.post(
        f"{gateway}/auth/token", data={"grant_type": "password", "username": "grid_worker.bufeng", "password": password}
    ) as response:
        return (await response.json())["access_token"]


def _body() -> dict[str, Any]:
    grid, (lng, lat) = random.choice(list(GRIDS.items()))
    return {
        "category": "street_occupation",
        "description": "bench",
        "grid_code": grid,
        "location": {
            "type": "Point",
            "coordinates": [lng + random.uniform(0.0005, 0.0095), lat + random.uniform(0.0005, 0.0095)],
        },
    }


async def _run(
    gateway: str, token: str, arrivals: dict[str, float], rate: float, seconds: float, drain_seconds: float
) -> dict[str, Any]:
    sent: dict[str, float] = {}
    failures = 0
    connector = aiohttp.TCPConnector(limit=128)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            nonlocal failures
            started = time.perf_counter()
            try:
                async with session.post(f"{gateway}/api/grid/v1/incidents", json=_body(), headers=headers) as response:
                    body = await response.json()
                    if response.status == 201:
                        sent[body["correlation_id"]] = started
                    else:
                        failures += 1
            except aiohttp.ClientError:
                failures += 1

        tasks = []
        total = int(rate * seconds)
        t0 = time.perf_counter()
        for i in range(total):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        send_duration = time.perf_counter() - t0
    deadline = time.perf_counter() + drain_seconds
    while time.perf_counter() < deadline and any(cid not in arrivals for cid in sent):
        await asyncio.sleep(0.2)
    latencies = [(arrivals[cid] - t) * 1000 for cid, t in sent.items() if cid in arrivals]
    lost = sum(1 for cid in sent if cid not in arrivals)
    return {
        "rate": rate,
        "accepted": len(sent),
        "rejected": failures,
        "achieved_rate": round(len(sent) / send_duration, 1),
        "lost": lost,
        "p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
    }


async def _measure(gateway: str, nats_url: str, prefix: str, password: str) -> dict[str, Any]:
    arrivals: dict[str, float] = {}

    async def on_lead(msg: Any) -> None:
        arrivals.setdefault(json.loads(msg.data)["correlationid"], time.perf_counter())

    nc = await nats.connect(nats_url)
    await nc.subscribe(f"{prefix}.enforcement.lead.received", cb=on_lead)
    async with aiohttp.ClientSession() as session:
        token = await _token(session, gateway, password)
    try:
        await _run(gateway, token, arrivals, rate=20, seconds=3, drain_seconds=10)  # warm-up
        gentle = await _run(gateway, token, arrivals, rate=20, seconds=20, drain_seconds=15)
        steady = await _run(gateway, token, arrivals, rate=50, seconds=20, drain_seconds=30)
        ramp = []
        best = 0.0
        for rate in (10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400):
            result = await _run(gateway, token, arrivals, rate=rate, seconds=10, drain_seconds=20)
            ramp.append(result)
            held = (
                result["lost"] == 0
                and result["rejected"] == 0
                and result["p95_ms"] is not None
                and result["p95_ms"] <= 1000
                and result["achieved_rate"] >= 0.95 * rate
            )
            if not held:
                break
            best = rate
    finally:
        await nc.close()
    return {
        "loop1_p50_ms": steady["p50_ms"],
        "loop1_p95_ms": steady["p95_ms"],
        "loop1_p95_ms_at_50": steady["p95_ms"],
        "loop1_max_rate_per_s": best,
        "loop1_lost": gentle["lost"] + steady["lost"] + sum(r["lost"] for r in ramp),
        "loop1_detail": {
            "steady_20_per_s": gentle,
            "steady_50_per_s": steady,
            "ramp": ramp,
            "held_means": "no loss, no rejection, p95 <= 1000 ms, achieved >= 95% of the rate",
        },
    }


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_measure(ctx["gateway"], ctx["nats_url"], ctx["prefix"], ctx["password"]))
