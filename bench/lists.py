"""Lists at scale: the p95 of each list filter with few rows, then with many newer rows that match
none of the filters (the worst case of a newest-first list: every match is old).

For each list (dispatch's tickets, grid's incidents) the filters are measured on the rows the
run has made (loop 1's incidents, or a few seeded here through the API); then ``ROWS`` copies of
one of those rows are inserted straight into the service's database, newer than all and with other
values in every filtered column, and the same filters are measured again. The ratio of the two
p95s per filter shows whether a list stays flat as its table grows (composite indexes
``(filter, created_at, id)``), and the largest ratio is the figure. Requests go straight to the
service with the gateway's internal token for the same caller (the gateway's cost is measured
elsewhere). The key names the scale actually loaded.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import asyncpg
import httpx
from load import percentile

from gateway import login
from jiceng_shared import devkeys
from jiceng_shared.identity import INTERNAL_HEADER, InternalTokenSigner

ROWS = int(os.environ.get("BENCH_LIST_ROWS", "200000"))
REQUESTS = 40

#: service, table, list path, query parameter → column; the value of each filter comes from a
#: template row (the newest), and the bulk rows get another value in every such column
LISTS = [
    (
        "dispatch",
        "tickets",
        "/api/dispatch/v1/tickets",
        {"status": "status", "category": "category", "unit": "unit_code", "source": "source", "area_code": "area_code"},
    ),
    (
        "grid",
        "incidents",
        "/api/grid/v1/incidents",
        {"status": "status", "grid_code": "grid_code", "category": "category"},
    ),
]
#: bulk values of area columns: one of the two grids loop 1 reports into, never the template's
#: (and in the caller's scope, so the bulk rows are read past, not filtered out by the scope)
GRIDS = ("320971100201001", "320971100201002")


def _dsn(env: dict[str, str], service: str) -> str:
    return env[f"{service.upper()}_DATABASE_URL"].replace("+asyncpg", "")


async def _template(dsn: str, table: str, columns: list[str]) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(f"SELECT * FROM {table} ORDER BY created_at DESC LIMIT 1")
        count = await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()
    assert row is not None, f"no {table} to copy"
    return {"row": dict(row), "count": count}


def _other(column: str, template: dict[str, Any]) -> str:
    """A value of ``column`` no template row has: the other grid for areas, else a marker."""
    if column in ("area_code", "grid_code"):
        return next(g for g in GRIDS if g != template[column])
    return "bench_other"


async def _bulk(dsn: str, table: str, filtered: dict[str, str], template: dict[str, Any], rows: int) -> float:
    """Insert ``rows`` copies of the template, newer than all, matching none of the filters."""
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        cols = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
                table,
            )
        ]
        exprs = []
        for c in cols:
            if c == "id":
                exprs.append("md5(random()::text || g::text)::varchar(36)")
            elif c == "number":
                exprs.append(f"'B{uuid.uuid4().hex[:6]}-' || g")
            elif c == "created_at":
                exprs.append("now() + g * interval '1 millisecond'")
            elif c == "correlation_id":
                exprs.append("md5(g::text)")
            elif c in filtered.values():
                exprs.append(f"'{_other(c, template)}'")
            else:
                exprs.append(c)
        await conn.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "
            f"FROM {table} t, generate_series(1, {rows}) g WHERE t.id = $1",
            template["id"],
        )
        await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    return time.perf_counter() - started


_LOG_DIR: list[str] = []


def _log_tail(base: str) -> str:
    logs = [os.path.join(_LOG_DIR[0], n) for n in os.listdir(_LOG_DIR[0])] if _LOG_DIR else []
    errors = []
    for name in logs:
        with open(name, errors="replace") as f:
            errors += [line for line in f if '"ERROR"' in line][-3:]
    return "".join(errors)[-6000:]


def _p95s(base: str, path: str, headers: dict[str, str], params: dict[str, str]) -> dict[str, float]:
    out = {}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for name, value in params.items():
            times = []
            for i in range(REQUESTS + 3):
                started = time.perf_counter()
                response = client.get(path, params={name: value, "limit": 50})
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise AssertionError(f"{path}?{name}={value}: {response.text}\n{_log_tail(base)}")
                assert response.json()["items"], f"{path}?{name}={value} matched nothing"
                if i >= 3:  # warm-up
                    times.append(elapsed)
            out[name] = round(percentile(times, 0.95), 2)
    return out


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    _LOG_DIR[:] = [os.path.join(ctx["env"]["JICENG_DATA_DIR"], "logs")]
    _token, principal = login(ctx["gateway"], "dispatcher.bufeng", ctx["password"])
    headers = {INTERNAL_HEADER: InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY).token_for(principal)}
    detail: dict[str, Any] = {"rows_added": ROWS, "requests_per_filter": REQUESTS}
    ratios = []
    for service, table, path, filtered in LISTS:
        dsn = _dsn(ctx["env"], service)
        template = asyncio.run(_template(dsn, table, list(filtered.values())))
        params = {q: str(template["row"][c]) for q, c in filtered.items() if template["row"][c] is not None}
        if "unit" in params:  # the API's unit parameter is the unit code as stored
            params["unit"] = str(template["row"]["unit_code"])
        small = _p95s(ctx["services"][service], path, headers, params)
        seconds = asyncio.run(_bulk(dsn, table, filtered, template["row"], ROWS))
        large = _p95s(ctx["services"][service], path, headers, params)
        per_filter = {q: round(large[q] / small[q], 2) for q in params}
        ratios += per_filter.values()
        detail[f"{service}_{table}"] = {
            "rows_before": template["count"],
            "rows_after": template["count"] + ROWS,
            "load_seconds": round(seconds, 1),
            "p95_ms_before": small,
            "p95_ms_after": large,
            "ratio": per_filter,
        }
    scale = f"{ROWS // 1_000_000}m" if ROWS >= 1_000_000 else f"{ROWS // 1000}k"
    return {f"list_p95_ratio_{scale}_vs_1k": max(ratios), "list_detail": detail}
