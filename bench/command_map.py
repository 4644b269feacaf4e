"""The command centre's map and early warning at scale: the GeoJSON of a township's open tickets
with 10,000 open tickets, through the gateway (``map_township_p95_ms``, target ≤ 150 ms), and the
spike check (研判预警) over a year of tickets (``spike_scan_ms``, target ≤ 1 s per township).

The tickets are written straight into svc-dispatch's database (opening 90,000 tickets through the
API would measure intake and routing, not these reads): a year of tickets in two demo townships,
120 a day each; the newest 10,000 of Xincheng and 2,000 of Bufeng are open (some past their
deadline), the rest closed; today one category of Xincheng spikes.

The machine is shared: next to the wall-clock figures each part reports the CPU time the dispatch
and gateway processes spent (from /proc), which other tenants' load does not inflate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, insert, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from dispatch.map.models import EarlyWarning
from dispatch.map.service import spike_pass
from dispatch.models import metadata
from dispatch.tickets.models import Ticket, TicketReport
from dispatch.tickets.rules import OPEN_STATUSES, TicketRules
from dispatch.tickets.service import Env
from jiceng_shared import county, demo
from jiceng_shared.db import Database

XINCHENG, BUFENG = demo.XINCHENG.code, demo.BUFENG.code
OPEN_IN = {XINCHENG: 10_000, BUFENG: 2_000}
PER_DAY, DAYS = 120, 365
CATEGORIES = ("street_occupation", "consumer_complaint", "environment_pollution", "neighbour_dispute")
SPIKE_CATEGORY, SPIKE_COUNT = "public_security_hazard", 40
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (workers), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def postgres_cpu_seconds(database: str) -> float:
    """User + system CPU of the PostgreSQL backends serving one database (their process title is
    ``postgres: <user> <database> <client> <state>``): where a query's own work is spent. 0 when
    the server is not on this machine."""
    total = 0.0
    marker = f" {database} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if not title.startswith(b"postgres: ") or marker not in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _boxes(township: str) -> list[tuple[str, float, float, float, float]]:
    """(grid code, min lng, min lat, max lng, max lat) of the township's grids with a polygon."""
    out = []
    for g in county.load().grids:
        if g.township == township and g.polygon and not g.retired:
            ring = g.polygon["coordinates"][0] if g.polygon["type"] == "Polygon" else g.polygon["coordinates"][0][0]
            lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
            out.append((g.code, min(lngs), min(lats), max(lngs), max(lats)))
    return out


def _rows(township: str, now: dt.datetime, rng: random.Random) -> tuple[list[dict], list[dict]]:
    boxes = _boxes(township)
    tickets, reports = [], []
    total = PER_DAY * DAYS
    for n in range(total):
        age = dt.timedelta(days=DAYS) * (total - n) / total  # the newest last
        at = now - age
        grid, x0, y0, x1, y1 = boxes[n % len(boxes)]
        point = {"type": "Point", "coordinates": [rng.uniform(x0, x1), rng.uniform(y0, y1)]}
        open_ = n >= total - OPEN_IN[township]
        status = OPEN_STATUSES[n % len(OPEN_STATUSES)] if open_ else "closed"
        deadline = at + dt.timedelta(days=7)
        tid = str(uuid.uuid4())
        category = CATEGORIES[n % len(CATEGORIES)]
        tickets.append(
            {
                "id": tid,
                "number": f"B{township[:9]}-{n:07d}",
                "status": status,
                "category": category,
                "description": "基准工单",
                "location": point,
                "lng": point["coordinates"][0],
                "lat": point["coordinates"][1],
                "township_code": township,
                "area_code": grid,
                "source": "grid",
                "source_ref": tid,
                "reporter_id": "bench",
                "correlation_id": tid,
                "reported_at": at,
                "unit_code": f"{township}:sgov",
                "unit_dept": "sgov",
                "unit_kind": "township_office",
                "unit_name": "基准承办单位",
                "unit_area_code": township,
                "cooperating_units": [],
                "dispatch_limit_minutes": 30,
                "handle_limit_value": 5,
                "handle_limit_unit": "working_days",
                "assigned_at": at,
                "deadline": deadline,
                "closed_at": None if open_ else at + dt.timedelta(days=3),
                "on_time": None if open_ else True,
                "state_at": at,
                "created_at": at,
                "updated_at": at,
            }
        )
        reports.append(_report(tid, category, point, at))
    if township == XINCHENG:  # today's spike: one category reported far above its usual count
        for k in range(SPIKE_COUNT):
            spike = tickets[-1 - k]
            spike["category"] = SPIKE_CATEGORY
            spike["reported_at"] = spike["created_at"] = now - dt.timedelta(minutes=k)
            reports[-1 - k] = _report(spike["id"], SPIKE_CATEGORY, spike["location"], spike["reported_at"])
    return tickets, reports


def _report(ticket_id: str, category: str, point: dict, at: dt.datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "ticket_id": ticket_id,
        "source": "grid",
        "origin": "grid",
        "source_ref": ticket_id,
        "number": None,
        "reporter_id": "bench",
        "description": category,
        "location": point,
        "reported_at": at,
        "received_at": at,
        "merged": False,
        "correlation_id": ticket_id,
    }


async def load(database_url: str, now: dt.datetime) -> int:
    engine = create_async_engine(database_url)
    rng = random.Random(14)
    count = 0
    for township in (XINCHENG, BUFENG):
        tickets, reports = _rows(township, now, rng)
        for i in range(0, len(tickets), 5000):
            async with engine.begin() as conn:
                await conn.execute(insert(Ticket.__table__), tickets[i : i + 5000])
                await conn.execute(insert(TicketReport.__table__), reports[i : i + 5000])
        count += len(tickets)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("ANALYZE")
    await engine.dispose()
    return count


async def unload(database_url: str) -> None:
    """Take the loaded tickets away again (they alone have the reporter ``bench``): the parts after
    this one measure the stack as loop 1 left it (the lists part copies its newest ticket, and
    compares its lists at 1,000 rows with 1,000,000)."""
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(delete(TicketReport.__table__).where(TicketReport.__table__.c.reporter_id == "bench"))
        await conn.execute(delete(Ticket.__table__).where(Ticket.__table__.c.reporter_id == "bench"))
    await engine.dispose()


async def spike_scans(database_url: str, rounds: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU milliseconds of whole spike passes (all townships), each rolled back so every
    round does the same work (a warning raised once a day would make later rounds cheaper)."""
    db = Database(database_url, metadata=metadata, source="/svc-dispatch", pool_size=1, counter_pool_size=0)
    walls, cpus, raised = [], [], 0
    for _ in range(rounds):
        async with db.sessionmaker() as session:
            await session.begin()
            await session.execute(delete(EarlyWarning))  # the running service may have raised today's
            # the pass reads only the rules and the time (no calendar: no working-day arithmetic)
            env = Env(calendar=None, rules=TicketRules(), now=dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
            cpu0, wall0 = time.process_time(), time.perf_counter()
            raised = len(await spike_pass(session, env))
            walls.append((time.perf_counter() - wall0) * 1000)
            cpus.append((time.process_time() - cpu0) * 1000)
            await session.rollback()
    await db.dispose()
    return walls, cpus, raised


def _p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[18], 1)


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    database_url = ctx["env"]["DISPATCH_DATABASE_URL"]
    now = dt.datetime.now(dt.UTC)
    tickets = asyncio.run(load(database_url, now))
    try:
        return _measure(ctx, database_url, tickets)
    finally:
        asyncio.run(unload(database_url))


def _measure(ctx: dict[str, Any], database_url: str, tickets: int) -> dict[str, Any]:
    procs = ctx["stack"].procs
    with httpx.Client(base_url=ctx["gateway"], timeout=60) as client:
        token = client.post(
            "/auth/token",
            data={"grant_type": "password", "username": "dispatcher.xincheng", "password": ctx["password"]},
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        params = {"township_code": XINCHENG}
        features = 0
        for _ in range(3):  # warm up
            response = client.get("/api/dispatch/v1/map/tickets", params=params, headers=headers)
            assert response.status_code == 200, response.text
            features = len(response.json()["features"])
        assert features >= OPEN_IN[XINCHENG], features
        size = len(response.content)
        database = make_url(database_url).database or ""
        load_before = os.getloadavg()
        cpu0 = {name: cpu_seconds(procs[name].pid) for name in ("dispatch", "gateway")}
        pg0 = postgres_cpu_seconds(database)
        samples = []
        for _ in range(40):
            start = time.perf_counter()
            response = client.get("/api/dispatch/v1/map/tickets", params=params, headers=headers)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        cpu = {name: (cpu_seconds(procs[name].pid) - cpu0[name]) * 1000 / len(samples) for name in cpu0}
        # on PostgreSQL the database writes the document: its backends' CPU is part of the cost
        cpu["postgres"] = (postgres_cpu_seconds(database) - pg0) * 1000 / len(samples)
        load_after = os.getloadavg()
        grids = []
        for _ in range(20):
            start = time.perf_counter()
            assert client.get("/api/dispatch/v1/map/grids", headers=headers).status_code == 200
            grids.append((time.perf_counter() - start) * 1000)
    walls, cpus, raised = asyncio.run(spike_scans(database_url, 7))
    townships = len(OPEN_IN)
    return {
        "map_township_p95_ms": _p95(samples),
        "spike_scan_ms": round(max(walls) / townships, 1),
        "command_map_detail": {
            "tickets": tickets,
            "days": DAYS,
            "township_open_tickets": OPEN_IN[XINCHENG],
            "features": features,
            "geojson_bytes": size,
            "map_township_p50_ms": round(statistics.median(samples), 1),
            "map_township_cpu_ms_per_request": {name: round(v, 1) for name, v in cpu.items()},
            # the machine is shared: the 1-minute load average before and after the 40 requests
            "map_township_load_average": [round(load_before[0], 2), round(load_after[0], 2)],
            "map_grids_p95_ms": _p95(grids),
            "spike_pass_townships": townships,
            "spike_pass_wall_ms": {"median": round(statistics.median(walls), 1), "max": round(max(walls), 1)},
            "spike_pass_bench_cpu_ms_median": round(statistics.median(cpus), 1),
            "spike_warnings_raised": raised,
            "note": "spike_scan_ms: the slowest whole pass (every township) divided by the townships with tickets",
        },
    }
