"""The grid's reads at scale: the due-visit computation for a grid of 1,500 people and a township of
50 grids (``grid_due_visits_ms``), and a base-data list of 50 with filters over 100,000 people
(``grid_people_list_p95_ms``), through the gateway.

The people are written straight into svc-grid's database (registering 100,000 through the API
would measure the API's writes, not these reads): 67 grids of 1,500 people, 50 of them in one
bench township, a tenth on a special register, a third visited this month.
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
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from grid.areas.models import Area
from grid.people.models import Household
from grid.residents.models import GROUP_HASH, Resident, ResidentGroup
from grid.residents.rules import check_character
from grid.visits.models import Visit
from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.personaldata import code_hash, lookup

COUNTY = "320971000000"
TOWNSHIPS = ("320971300000", "320971301000")
GRIDS_IN_TOWNSHIP, OTHER_GRIDS, PEOPLE_PER_GRID = 50, 17, 1500
DUE, PEOPLE = "/api/grid/v1/visits/due", "/api/grid/v1/residents"
GROUPS = ("disabled", "solitary_elderly", "floating_population", "left_behind_children", "community_corrections")


def _grids() -> list[tuple[str, str]]:
    """(grid code, township code): 10 grids per village."""
    out = []
    for n in range(GRIDS_IN_TOWNSHIP + OTHER_GRIDS):
        township = TOWNSHIPS[0] if n < GRIDS_IN_TOWNSHIP else TOWNSHIPS[1]
        village = township[:9] + f"{200 + n // 10:03d}"
        out.append((village + f"{n % 10 + 1:03d}", township))
    return out


async def load(database_url: str, people_per_grid: int = PEOPLE_PER_GRID) -> tuple[list[str], int]:
    engine = create_async_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    rng = random.Random(7)
    grids = _grids()
    areas = [
        {
            "code": t,
            "name": f"基准镇{i}",
            "level": "township",
            "parent_code": COUNTY,
            "township_code": t,
            "created_at": now,
            "dense": False,
        }
        for i, t in enumerate(TOWNSHIPS)
    ]
    for village in sorted({g[:12] for g, _ in grids}):
        areas.append(
            {
                "code": village,
                "name": "基准村",
                "level": "village",
                "parent_code": village[:9] + "000",
                "township_code": village[:9] + "000",
                "created_at": now,
                "dense": False,
            }
        )
    for code, township in grids:
        areas.append(
            {
                "code": code,
                "name": "基准网格",
                "level": "grid",
                "parent_code": code[:12],
                "township_code": township,
                "grid_type": "basic",
                "created_at": now,
                "dense": True,
            }
        )
    people = 0
    async with engine.begin() as conn:
        await conn.execute(insert(Area.__table__), areas)
    for g_index, (code, township) in enumerate(grids):
        residents, groups, households, visits = [], [], [], []
        for p in range(people_per_grid):
            rid = str(uuid.uuid4())
            n = g_index * people_per_grid + p  # unique in the bench: a birth day per thousand, a sequence
            born = dt.date(1940, 1, 1) + dt.timedelta(days=n // 1000)
            first17 = "320971" + born.strftime("%Y%m%d") + f"{n % 1000:03d}"
            id_number = first17 + check_character(first17)
            household = f"H{g_index:03d}-{p // 3:05d}"
            group = [GROUPS[p % 5]] if p % 10 == 0 else []
            created = now - dt.timedelta(days=400, seconds=p)
            residents.append(
                {
                    "id": rid,
                    "grid_code": code,
                    "township_code": township,
                    "name": "基准居民",
                    "id_number": id_number,
                    # a Core insert: the model's validator that sets the look-up hash does not run
                    "id_number_hash": lookup(id_number),
                    "phone": "13900000000",
                    "address": "基准地址",
                    "household_no": household,
                    "household_head": p % 3 == 0,
                    "special_groups": group,
                    "social_security": [],
                    "group_details": {},
                    "status": "active",
                    "registered_by": "bench",
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            groups += [{"resident_id": rid, "group_hash": code_hash(GROUP_HASH, g), "grid_code": code} for g in group]
            if p % 3 == 0:
                households.append(
                    {
                        "id": str(uuid.uuid4()),
                        "grid_code": code,
                        "township_code": township,
                        "household_no": household,
                        "address": "基准地址",
                        "status": "active",
                        "created_at": created,
                        "updated_at": created,
                        "version": 1,
                    }
                )
            if rng.random() < 0.33:
                day = today - dt.timedelta(days=rng.randrange(0, 60))
                at = dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)
                visits.append(
                    {
                        "id": str(uuid.uuid4()),
                        "grid_code": code,
                        "township_code": township,
                        "kind": "home_visit",
                        "resident_id": rid,
                        "household_no": household,
                        "visited_at": at,
                        "visited_on": day,
                        "location": {"type": "Point", "coordinates": [120.0, 33.0]},
                        "outside_grid": False,
                        "found": "",
                        "done": "",
                        "attachments": [],
                        "worker_id": "bench",
                        "worker_name": "bench",
                        "created_at": at,
                    }
                )
        async with engine.begin() as conn:
            await conn.execute(insert(Resident.__table__), residents)
            await conn.execute(insert(ResidentGroup.__table__), groups)
            await conn.execute(insert(Household.__table__), households)
            await conn.execute(insert(Visit.__table__), visits)
        people += len(residents)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE") if engine.dialect.name == "postgresql" else None
    await engine.dispose()
    return [g for g, _ in grids], people


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _cpu_ms(pids: list[int]) -> float:
    """User + system CPU time of processes so far (from /proc), in ms; a process gone counts 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total * _TICK_MS


async def _backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving svc-grid's pool (its database's sessions)."""
    engine = create_async_engine(database_url)
    try:
        if engine.dialect.name != "postgresql":
            return []
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [r[0] for r in rows]
    finally:
        await engine.dispose()


class CpuMeter:
    """CPU ms per request of the grid process, the gateway and the grid's PostgreSQL backends: on a
    shared 2-core box the wall time mostly measures the neighbours, the CPU time the work."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        pids = ctx.get("pids", {})
        self.grid = [pids["grid"]] if "grid" in pids else []
        self.gateway = [pids["gateway"]] if "gateway" in pids else []
        self.database_url = ctx["env"]["GRID_DATABASE_URL"]

    def __call__(self, run: Any, n: int) -> tuple[list[float], dict[str, float]]:
        backends = asyncio.run(_backend_pids(self.database_url))
        before = [_cpu_ms(self.grid), _cpu_ms(self.gateway), _cpu_ms(backends)]
        samples = run()
        after = [_cpu_ms(self.grid), _cpu_ms(self.gateway), _cpu_ms(backends)]
        grid, gateway, pg = (round((a - b) / n, 1) for a, b in zip(after, before, strict=True))
        return samples, {"grid": grid, "gateway": gateway, "postgres": pg, "total": round(grid + gateway + pg, 1)}


def _p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[18], 1)


def _timed(client: httpx.Client, path: str, params: dict[str, Any], headers: dict[str, str], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path, params=params, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return samples


def _login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    token = client.post("/auth/token", data=demo_login_form(username, password))
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    grids, people = asyncio.run(load(ctx["env"]["GRID_DATABASE_URL"]))
    with httpx.Client(base_url=ctx["gateway"], timeout=60) as client:
        admin = _login(client, "county_admin", ctx["password"])
        auditor = _login(client, "auditor", ctx["password"])
        meter = CpuMeter(ctx)
        _timed(client, "/api/grid/v1/visits/due", {"grid_code": grids[0]}, admin, 3)  # warm up
        one, one_cpu = meter(lambda: _timed(client, DUE, {"grid_code": grids[1]}, admin, 40), 40)
        township, township_cpu = meter(lambda: _timed(client, DUE, {"township_code": TOWNSHIPS[0]}, admin, 12), 12)
        register = {"special_group": "disabled", "status": "active", "limit": 50}
        listing, listing_cpu = meter(lambda: _timed(client, PEOPLE, register, auditor, 60), 60)
        in_grid_filter = {"grid_code": grids[2], "status": "active", "limit": 50}
        in_grid, in_grid_cpu = meter(lambda: _timed(client, PEOPLE, in_grid_filter, auditor, 60), 60)
    return {
        "grid_due_visits_ms": {"one_grid_p95": _p95(one), "one_township_p95": _p95(township)},
        "grid_people_list_p95_ms": max(_p95(listing), _p95(in_grid)),
        "grid_bench_detail": {
            "people": people,
            "grids": len(grids),
            "people_per_grid": PEOPLE_PER_GRID,
            "township_grids": GRIDS_IN_TOWNSHIP,
            "due_one_grid_p50_ms": round(statistics.median(one), 1),
            "due_township_p50_ms": round(statistics.median(township), 1),
            "list_register_filter_p95_ms": _p95(listing),
            "list_grid_filter_p95_ms": _p95(in_grid),
            # CPU ms per request (grid process, gateway, grid's PostgreSQL backends), from /proc
            "cpu_ms_per_request": {
                "due_one_grid": one_cpu,
                "due_township": township_cpu,
                "list_register_filter": listing_cpu,
                "list_grid_filter": in_grid_cpu,
            },
        },
    }
