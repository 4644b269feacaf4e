"""Recovery after a NATS outage under load, and the PostgreSQL connections one stack holds.

A stack of its own on a private nats-server (the machine's NATS is never touched) takes a steady
load of keyed incident reports through the gateway; the NATS server is killed with SIGKILL for
5 s and started again. ``nats_outage_recovery_s`` is the time from its restart until every
incident accepted so far has its ticket and its lead (target ≤ 10). The stack's connections are
sampled every 0.25 s throughout (``pg_connections_peak`` is the larger of this and the main
stack's peak under the loop 1 and approval loads, measured by run.py; target ≤ 40).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from jiceng_shared.testing.faults import Auditor, IncidentLoad, fault_stack

RATE = 8.0
OUTAGE_SECONDS = 5.0


async def _measure(infra: Any, databases: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jiceng-bench-faults-") as tmp:
        # the default pools (4 per process), not the test suites' 3
        async with fault_stack(infra, databases, Path(tmp), JICENG_DATABASE_POOL_SIZE="4") as stack:
            peak = 0
            stop = asyncio.Event()

            async def sample() -> None:
                nonlocal peak
                while not stop.is_set():
                    with contextlib.suppress(Exception):  # a missed sample is no figure
                        peak = max(peak, await stack.connections())
                    await asyncio.sleep(0.25)

            sampler = asyncio.create_task(sample())
            load = IncidentLoad(stack.gateways, rate=RATE)
            auditor = Auditor(stack.gateways[0])
            load.start()
            try:
                await asyncio.sleep(5)
                stack.nats.kill()
                await asyncio.sleep(OUTAGE_SECONDS)
                accepted = set(load.accepted.values())
                await asyncio.to_thread(stack.nats.start)
                recovery = await auditor.caught_up(load, accepted, timeout=60)
                await asyncio.sleep(2)
            finally:
                await load.stop()
                stop.set()
                await sampler
            tally, _ = await auditor.settled(load)
            await auditor.close()
            await load.close()
    return {
        "nats_outage_recovery_s": round(recovery, 2),
        "fault_stack_pg_connections_peak": peak,
        "nats_outage_detail": {
            "rate_per_s": RATE,
            "outage_s": OUTAGE_SECONDS,
            "accepted": tally.accepted,
            "tickets": tally.tickets,
            "leads": tally.leads,
            "missing": len(tally.missing),
            "doubled": len(tally.doubled),
            "answers": dict(load.answers),
        },
    }


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    if ctx["infra"].database != "postgres":
        return {"nats_outage_detail": {"skipped": "needs PostgreSQL"}}
    started = time.monotonic()
    figures = asyncio.run(_measure(ctx["infra"], ctx["databases"]))
    figures["nats_outage_detail"]["seconds"] = round(time.monotonic() - started, 1)
    return figures
