"""Loop 1's CPU cost per incident, per process and PostgreSQL, and its optimistic-lock retries.

A fixed-rate phase (``RATE`` incidents/s for ``SECONDS``) well below saturation, so every process
keeps up and the CPU spent is the work itself, not queueing: CPU seconds from /proc around the
phase (until every lead arrived and the downstream consumers settled), minus the idle rate
measured just before, divided by the incidents. Retries are the consumers' ``retry`` outcomes
(jiceng_events_handled_total) during the phase, read from every service's /metrics: on loop 1
they are optimistic-lock losses (a handler redoing its transaction). A shorter second phase at
``BUSY_RATE`` goes into the detail, measured the same way with the same idle rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import aiohttp
import httpx
import nats
from cpu import CpuMeter, load_average, per_unit_ms
from loop1 import _run, _token

RATE = 10
SECONDS = 40
#: a second phase at the rate of the latency target, for the detail: how far batching (one pull,
#: one transaction, one write of acks for several events) brings the cost down under load
BUSY_RATE = 50
BUSY_SECONDS = 12
#: long enough for /proc's 10 ms ticks to read an idle process's few ms a second to about 10 %
IDLE_SECONDS = 20
SETTLE_SECONDS = 3

_RETRY = re.compile(r'^jiceng_events_handled_total\{[^}]*outcome="retry"[^}]*\} ([0-9.e+]+)$', re.MULTILINE)


def retries(services: dict[str, str]) -> int:
    total = 0.0
    for name, url in services.items():
        if name == "gateway":
            continue
        text = httpx.get(f"{url}/metrics", timeout=5).text
        total += sum(float(v) for v in _RETRY.findall(text))
    return int(total)


async def _phase(gateway: str, nats_url: str, prefix: str, password: str, meter: CpuMeter) -> dict[str, Any]:
    arrivals: dict[str, float] = {}

    async def on_lead(msg: Any) -> None:
        arrivals.setdefault(json.loads(msg.data)["correlationid"], time.perf_counter())

    nc = await nats.connect(nats_url)
    await nc.subscribe(f"{prefix}.enforcement.lead.received", cb=on_lead)
    async with aiohttp.ClientSession() as session:
        token = await _token(session, gateway, password)
    try:
        await _run(gateway, token, arrivals, rate=RATE, seconds=3, drain_seconds=10)  # warm-up
        await asyncio.sleep(SETTLE_SECONDS)
        idle0 = await asyncio.to_thread(meter.snapshot)
        await asyncio.sleep(IDLE_SECONDS)
        idle1 = await asyncio.to_thread(meter.snapshot)
        profilers = _profile(meter.pids)
        result = await _run(gateway, token, arrivals, rate=RATE, seconds=SECONDS, drain_seconds=30)
        await asyncio.sleep(SETTLE_SECONDS)
        work1 = await asyncio.to_thread(meter.snapshot)
        for proc in profilers:
            proc.wait()
        busy = await _run(gateway, token, arrivals, rate=BUSY_RATE, seconds=BUSY_SECONDS, drain_seconds=30)
        await asyncio.sleep(SETTLE_SECONDS)
        busy1 = await asyncio.to_thread(meter.snapshot)
    finally:
        await nc.close()
    return {
        "idle": CpuMeter.delta(idle0, idle1),
        "work": CpuMeter.delta(idle1, work1),
        "result": result,
        "busy_work": CpuMeter.delta(work1, busy1),
        "busy_result": busy,
    }


def _idle_ms_per_s(idle: dict[str, float]) -> dict[str, float]:
    per = {k: round(v * 1000 / idle["seconds"], 2) for k, v in idle.items() if k != "seconds"}
    return per | {"total": round(sum(per.values()), 1)}


def _profile(pids: dict[str, int]) -> list[subprocess.Popen[bytes]]:
    """With BENCH_PROFILE=<dir> (and py-spy installed): sample every process through the phase,
    collapsed stacks per process in <dir> (to see where loop 1's CPU goes). BENCH_PROFILE_NATIVE=1
    adds the native frames (the event loop's, the collector's, the drivers' C code), at 100/s."""
    native = os.environ.get("BENCH_PROFILE_NATIVE") == "1"
    out = os.environ.get("BENCH_PROFILE")
    spy = shutil.which("py-spy", path=os.path.dirname(sys.executable)) or shutil.which("py-spy")
    if not out or not spy:
        return []
    os.makedirs(out, exist_ok=True)
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(SECONDS),
                "--rate",
                "100" if native else "200",
                *(["--native"] if native else []),
                # py-spy reads native stacks only with the process paused at each sample
                *([] if native else ["--nonblocking"]),
                "--format",
                "raw",
                "--output",
                f"{out}/{name}.txt",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    meter = CpuMeter(ctx)
    load_before = load_average()
    retries_before = retries(ctx["services"])
    phase = asyncio.run(_phase(ctx["gateway"], ctx["nats_url"], ctx["prefix"], ctx["password"], meter))
    retry_count = retries(ctx["services"]) - retries_before
    incidents = phase["result"]["accepted"]
    per_process = per_unit_ms(phase["work"], phase["idle"], incidents)
    return {
        "loop1_cpu_ms_per_incident": per_process["total"],
        "loop1_lock_retries": retry_count,
        "loop1_cpu_detail": {
            "per_process_ms": per_process,
            "incidents": incidents,
            "rate_per_s": RATE,
            "lost": phase["result"]["lost"],
            "p95_ms_at_this_rate": phase["result"]["p95_ms"],
            "phase_seconds": round(phase["work"]["seconds"], 1),
            # what the stack spends doing nothing (polls, pull requests, timers), per process and in all
            "idle_cpu_ms_per_s": _idle_ms_per_s(phase["idle"]),
            f"at_{BUSY_RATE}_per_s": {
                "per_process_ms": per_unit_ms(phase["busy_work"], phase["idle"], phase["busy_result"]["accepted"]),
                "incidents": phase["busy_result"]["accepted"],
                "lost": phase["busy_result"]["lost"],
            },
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "method": "utime+stime from /proc of each process (children included) and of the PostgreSQL backends of "
            "its database, around a fixed-rate phase until every lead arrived + 3 s, idle rate subtracted",
        },
    }
