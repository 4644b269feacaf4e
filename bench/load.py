"""HTTP load for the benchmarks: wrk when installed (C, light on the shared CPU), else aiohttp.

Both report requests/s and latency percentiles for a fixed number of keep-alive connections.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import aiohttp


@dataclass
class LoadResult:
    tool: str
    connections: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


#: wrk script: the request (method, body) and the p50/p95/p99 wrk itself does not print
_WRK_SCRIPT = """
wrk.method = %s
wrk.body = %s
done = function(summary, latency, requests)
  io.write(string.format("P50 %%d\\nP95 %%d\\nP99 %%d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def run_wrk(
    url: str, headers: dict[str, str], connections: int, seconds: int, method: str = "GET", body: bytes | None = None
) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % (_lua_string(method), _lua_string(body.decode()) if body else "nil"))
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    try:
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    percentiles = {k: int(v) / 1000 for k, v in re.findall(r"^P(50|95|99) (\d+)$", out, re.MULTILINE)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return LoadResult(
        tool="wrk",
        connections=connections,
        seconds=seconds,
        requests=requests,
        errors=errors,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=percentiles["50"],
        p95_ms=percentiles["95"],
        p99_ms=percentiles["99"],
    )


async def _aiohttp_load(
    url: str, headers: dict[str, str], connections: int, seconds: int, method: str, body: bytes | None
) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with session.request(method, url, headers=headers, data=body) as response:
                await response.read()
                if response.status >= 300:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    latencies.sort()
    return LoadResult(
        tool="aiohttp",
        connections=connections,
        seconds=seconds,
        requests=len(latencies),
        errors=errors,
        rps=len(latencies) / seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


def run_load(
    url: str, headers: dict[str, str], connections: int, seconds: int, method: str = "GET", body: bytes | None = None
) -> LoadResult:
    if shutil.which("wrk"):
        return run_wrk(url, headers, connections, seconds, method, body)
    return asyncio.run(_aiohttp_load(url, headers, connections, seconds, method, body))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
