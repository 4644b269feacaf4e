"""Lists at scale: the p95 of every filter of the tickets, incidents and applications lists at
1,000 rows and with ``ROWS`` (1,000,000) newer rows more that match none of the filters (the worst
case of a newest-first list: every match is old).

For each list a template row is taken (the newest: loop 1's, or one made here through the gateway
when the run has none) and copied straight into the service's database until the table holds 1,000
rows (older than the template, same filtered values, so each filter matches them); each filter is
asked with the template's value (tickets also by the incident behind them and by overdue, both
ways: every other base copy is past its deadline). A twin table of the same shape and indexes gets
those rows and ``ROWS`` copies more (the three databases load side by side), newer than all and
with another value in every filtered column (a real one where the API shows the row: statuses,
channels). The twins then trade names with the tables, round after round, so the two sizes are
measured turn about under the same load of this shared machine; the ratio of the two p95s per
filter shows whether a list stays flat as its table grows (composite indexes
``(filter, created_at, id)``), and the largest ratio is the figure. Requests go straight to the
service with the gateway's internal token for the same caller (the gateway's cost is measured
elsewhere) and take turns between the filters. The key names the scale actually loaded.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from cpu import load_average
from load import percentile

from approval import BODY as APPLICATION_BODY
from approval import PATH as APPLICATIONS_PATH
from gateway import login
from jiceng_shared import devkeys
from jiceng_shared.identity import INTERNAL_HEADER, InternalTokenSigner

ROWS = int(os.environ.get("BENCH_LIST_ROWS", "1000000"))
#: the figure's name at the scale this part loaded before (run.py drops it from the results)
REPLACES = ("list_p95_ratio_200k_vs_1k",)
BASE_ROWS = 1000
#: copies of the template made whatever the run left (half of the tickets past their deadline): a
#: full run's loop 1 leaves thousands of tickets, none overdue, and overdue=true matched nothing
BASE_COPIES = 100
REQUESTS = 40
#: rounds per size: the 1,000-row and the 1,000,000-row tables take turns this many times
ROUNDS = 8


@dataclass(frozen=True)
class ListSpec:
    service: str
    table: str
    path: str
    reader: str
    #: query parameter → column; the value asked is the template's
    filters: dict[str, str]
    #: real values the bulk rows take instead of the template's, for columns the API shows as labels
    others: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: column → SQL expression for the 1,000 base copies (what a filter not on a column needs)
    base: dict[str, str] = field(default_factory=dict)


LISTS = [
    ListSpec(
        "dispatch",
        "tickets",
        "/api/dispatch/v1/tickets",
        "dispatcher.bufeng",
        {
            "status": "status",
            "unit": "unit_code",
            "category": "category",
            "source": "source",
            "correlation_id": "correlation_id",
            "area_code": "area_code",
        },
        # closed tickets are never overdue: the bulk rows match overdue=false and never overdue=true
        others={"status": ("closed", "handled"), "source": ("hotline", "centre")},
        # every other base copy is past its deadline: overdue=true and overdue=false both match
        # a full page at 1,000 rows (at 1,000,000 overdue=false matches the newer closed ones)
        base={"deadline": "CASE WHEN g % 2 = 0 THEN now() - interval '1 day' ELSE t.deadline END"},
    ),
    ListSpec(
        "grid",
        "incidents",
        "/api/grid/v1/incidents",
        "dispatcher.bufeng",
        {"status": "status", "grid_code": "grid_code", "category": "category", "correlation_id": "correlation_id"},
        others={"status": ("closed", "handled")},
    ),
    ListSpec(
        "approval",
        "applications",
        APPLICATIONS_PATH,
        "window_clerk.bufeng",
        {
            "status": "status",
            "item_code": "item_code",
            "township_code": "township_code",
            "competent_area_code": "competent_area_code",
            "channel": "channel",
            "overdue": "overdue",
            "priority": "priority",
            "cross_township": "cross_township",
            "clerk_id": "clerk_id",
            "receipt_number": "receipt_number",
            "correlation_id": "correlation_id",
        },
        others={"status": ("completed", "decided"), "channel": ("proxy", "window")},
    ),
]
#: bulk values of area columns: one of the two grids loop 1 reports into, never the template's
#: (and in the caller's scope, so the bulk rows are read past, not filtered out by the scope)
GRIDS = ("320971100201001", "320971100201002")
#: bulk values of township columns that are not the scope key (any other township)
TOWNSHIPS = ("320971999000", "320971998000")
#: columns every copy needs its own value in (unique, or one business case each)
UNIQUE = ("id", "number", "receipt_number", "correlation_id")
#: the incident made when the run has none (loop 1's kind; its ticket follows through loop 1)
INCIDENT = {
    "category": "street_occupation",
    "description": "bench lists",
    "grid_code": GRIDS[0],
    "location": {"type": "Point", "coordinates": [120.305, 33.305]},
}


def _dsn(env: dict[str, str], service: str) -> str:
    return env[f"{service.upper()}_DATABASE_URL"].replace("+asyncpg", "")


async def _fetchrow(dsn: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchrow(sql, *args)
    finally:
        await conn.close()


async def _template(dsn: str, table: str) -> tuple[dict[str, Any] | None, int]:
    row = await _fetchrow(
        dsn, f"SELECT *, (SELECT count(*) FROM {table}) AS _count FROM {table} ORDER BY created_at DESC LIMIT 1"
    )
    if row is None:
        return None, 0
    row = dict(row)
    return row, row.pop("_count")


def _seed(ctx: dict[str, Any]) -> None:
    """One incident (its ticket follows through loop 1) and one application, through the gateway,
    when the run has made none (``make bench ONLY=lists``)."""
    gateway, password = ctx["gateway"], ctx["password"]
    for username, path, body, table, service in (
        ("grid_worker.bufeng", "/api/grid/v1/incidents", INCIDENT, "tickets", "dispatch"),
        ("window_clerk.bufeng", APPLICATIONS_PATH, APPLICATION_BODY, "applications", "approval"),
    ):
        dsn = _dsn(ctx["env"], service)
        if asyncio.run(_template(dsn, table))[1]:
            continue
        token, _principal = login(gateway, username, password)
        response = httpx.post(gateway + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert response.status_code == 201, response.text
        deadline = time.monotonic() + 60
        while not asyncio.run(_template(dsn, table))[1]:
            assert time.monotonic() < deadline, f"no {table} row 60 s after {path}"
            time.sleep(0.5)


def _other(column: str, kind: str, spec: ListSpec, template: dict[str, Any]) -> str:
    """SQL for a value of ``column`` the template does not have."""
    value = template[column]
    if kind == "boolean":
        return f"NOT {column}"
    if column in spec.others:
        return "'" + next(v for v in spec.others[column] if v != value) + "'"
    if column in ("area_code", "grid_code"):
        return "'" + next(g for g in GRIDS if g != value) + "'"
    if column.endswith("township_code") or column == "competent_area_code":
        return "'" + next(t for t in TOWNSHIPS if t != value) + "'"
    return "'bench_other'"


def _expressions(columns: list[Any], spec: ListSpec, template: dict[str, Any], *, bulk: bool) -> list[str]:
    """SQL for each column of a copy of the template: older than it with its filtered values (the
    base), or newer than all with other values in every filtered column (the bulk)."""
    tag = f"{'n' if bulk else 'o'}{uuid.uuid4().hex[:4]}-"
    exprs = []
    for c in columns:
        name, kind = c["column_name"], c["data_type"]
        if name in UNIQUE:
            exprs.append(f"'{tag}' || lpad(g::text, 7, '0')")
        elif name == "created_at":
            exprs.append("now() + g * interval '1 millisecond'" if bulk else "t.created_at - g * interval '1 second'")
        elif bulk and name in spec.filters.values():
            exprs.append(_other(name, kind, spec, template))
        elif not bulk and name in spec.base:
            exprs.append(spec.base[name])
        else:
            exprs.append(name)
    return exprs


async def _copy(dsn: str, spec: ListSpec, template: dict[str, Any], rows: int, *, bulk: bool) -> float:
    """The base: ``rows`` copies of the template into its table. The bulk: a second table of the
    same shape and indexes (``<table>_large``) holding every row of the first and ``rows`` copies
    more, which :func:`_swap` trades places with the first."""
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    table, large = spec.table, f"{spec.table}_large"
    try:
        columns = await conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 "
            "ORDER BY ordinal_position",
            table,
        )
        names = ", ".join(c["column_name"] for c in columns)
        copies = (
            f"SELECT {', '.join(_expressions(columns, spec, template, bulk=bulk))} "
            f"FROM {table} t, generate_series(1, {rows}) g WHERE t.id = $1"
        )
        if not bulk:
            await conn.execute(f"INSERT INTO {table} ({names}) {copies}", template["id"])
            return time.perf_counter() - started
        # a bench's scratch database: the commit need not wait for the disk, and a million rows go
        # in faster with the indexes built afterwards than kept up row by row
        await conn.execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")
        await conn.execute(f"CREATE TABLE {large} (LIKE {table} INCLUDING DEFAULTS)")
        await conn.execute(f"INSERT INTO {large} ({names}) SELECT {names} FROM {table}")
        await conn.execute(f"INSERT INTO {large} ({names}) {copies}", template["id"])
        for index in await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", table):
            name = index["indexname"]
            definition = index["indexdef"].replace(
                f"INDEX {name} ON public.{table} ", f"INDEX {name}_l ON public.{large} "
            )
            assert f"ON public.{large} " in definition, definition
            await conn.execute(definition)
        await conn.execute(f"VACUUM ANALYZE {large}")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _swap(dsns: dict[str, str]) -> None:
    """Each list's table trades names with its ``_large`` twin (the services' prepared statements
    are re-analysed by name on their next run, so they read the other one)."""
    for table, dsn in dsns.items():
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                f"BEGIN; ALTER TABLE {table} RENAME TO {table}_swap; ALTER TABLE {table}_large RENAME TO {table}; "
                f"ALTER TABLE {table}_swap RENAME TO {table}_large; COMMIT"
            )
        finally:
            await conn.close()


async def _computed_params(dsn: str, spec: ListSpec, template: dict[str, Any]) -> dict[str, str]:
    """Filters not on a column of their own: the ticket an incident ended in, and overdue."""
    if spec.table != "tickets":
        return {}
    incident = await _fetchrow(
        dsn, "SELECT source_ref FROM ticket_reports WHERE ticket_id = $1 AND source = 'grid'", template["id"]
    )
    params = {"overdue=true": "true", "overdue=false": "false"}
    if incident is not None:
        params["incident_id"] = incident["source_ref"]
    return params


_LOG_DIR: list[str] = []


def _log_tail() -> str:
    logs = [os.path.join(_LOG_DIR[0], n) for n in os.listdir(_LOG_DIR[0])] if _LOG_DIR else []
    errors = []
    for name in logs:
        with open(name, errors="replace") as f:
            errors += [line for line in f if '"ERROR"' in line][-3:]
    return "".join(errors)[-6000:]


def _times(
    base: str, path: str, headers: Callable[[], dict[str, str]], params: dict[str, str], count: int
) -> dict[str, list[float]]:
    """``count`` timed requests per filter (``name``, or ``name=value`` when one filter is asked
    with two values) after one untimed, the filters taking turns request by request."""
    times: dict[str, list[float]] = {name: [] for name in params}
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(count + 1):
            for name, value in params.items():
                query: dict[str, str | int] = {name.split("=")[0]: value, "limit": 50}
                started = time.perf_counter()
                response = client.get(path, params=query, headers=headers())
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise AssertionError(f"{path}?{name}={value}: {response.text}\n{_log_tail()}")
                assert response.json()["items"], f"{path}?{name}={value} matched nothing"
                if i:  # the first is a warm-up (and replans after a swap)
                    times[name].append(elapsed)
    return times


def _headers(ctx: dict[str, Any], username: str) -> Callable[[], dict[str, str]]:
    """The gateway's internal token for the caller, renewed before it expires (a slow phase outlasts one)."""
    _token, principal = login(ctx["gateway"], username, ctx["password"])
    signer = InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY)
    return lambda: {INTERNAL_HEADER: signer.token_for(principal)}


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def measure(ctx: dict[str, Any]) -> dict[str, Any]:
    _LOG_DIR[:] = [os.path.join(ctx["env"]["JICENG_DATA_DIR"], "logs")]
    _seed(ctx)
    detail: dict[str, Any] = {"rows_added": ROWS, "requests_per_filter": REQUESTS, "rounds": ROUNDS}
    dsns = {spec.table: _dsn(ctx["env"], spec.service) for spec in LISTS}
    templates, params = {}, {}
    for spec in LISTS:
        dsn = dsns[spec.table]
        template, count = asyncio.run(_template(dsn, spec.table))
        assert template is not None, f"no {spec.table} to copy"
        base_copies = max(BASE_COPIES, BASE_ROWS - count)
        asyncio.run(_copy(dsn, spec, template, base_copies, bulk=False))
        templates[spec.table] = template
        params[spec.table] = {q: _value(template[c]) for q, c in spec.filters.items() if template[c] is not None}
        params[spec.table] |= asyncio.run(_computed_params(dsn, spec, template))
        detail[f"{spec.service}_{spec.table}"] = {
            "rows_before": count + base_copies,
            "rows_after": count + base_copies + ROWS,
            "not_measured": sorted(q for q, c in spec.filters.items() if template[c] is None),
        }

    async def load_all() -> list[float]:  # the three databases load side by side
        return await asyncio.gather(*(_copy(dsns[s.table], s, templates[s.table], ROWS, bulk=True) for s in LISTS))

    started = time.perf_counter()
    seconds = asyncio.run(load_all())
    print(
        f"[bench] lists: {ROWS} rows into each list's twin table in {time.perf_counter() - started:.0f} s", flush=True
    )
    detail["load_average_before"] = load_average()
    # the two sizes take turns (a round at 1,000 rows, a round at 1,000,000, ...), so the
    # machine's load, which on this shared box changes by the minute, weighs on both alike
    times: dict[str, dict[str, dict[str, list[float]]]] = {s.table: {"small": {}, "large": {}} for s in LISTS}
    headers = {spec.table: _headers(ctx, spec.reader) for spec in LISTS}
    current = "small"
    for round_ in range(ROUNDS):
        # small first in even rounds, large first in odd ones: a load that drifts one way during
        # the run is not counted against one size
        for size in ("small", "large") if round_ % 2 == 0 else ("large", "small"):
            if size != current:
                asyncio.run(_swap(dsns))
                current = size
            for spec in LISTS:
                got = _times(
                    ctx["services"][spec.service],
                    spec.path,
                    headers[spec.table],
                    params[spec.table],
                    REQUESTS // ROUNDS,
                )
                for name, values in got.items():
                    times[spec.table][size].setdefault(name, []).extend(values)
    detail["load_average_after"] = load_average()
    ratios: list[float] = []
    for spec, load_seconds in zip(LISTS, seconds, strict=True):
        p95 = {
            size: {name: round(percentile(values, 0.95), 2) for name, values in by_name.items()}
            for size, by_name in times[spec.table].items()
        }
        per_filter = {q: round(p95["large"][q] / p95["small"][q], 2) for q in params[spec.table]}
        ratios += per_filter.values()
        detail[f"{spec.service}_{spec.table}"] |= {
            "load_seconds": round(load_seconds, 1),
            "p95_ms_before": p95["small"],
            "p95_ms_after": p95["large"],
            "ratio": per_filter,
        }
    scale = f"{ROWS // 1_000_000}m" if ROWS >= 1_000_000 else f"{ROWS // 1000}k"
    return {f"list_p95_ratio_{scale}_vs_1k": max(ratios), "list_detail": detail}
