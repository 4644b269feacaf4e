"""The situational picture (一张图) and early warning (研判预警).

GeoJSON FeatureCollections, scoped like every list (the tickets the caller may read): open tickets
as points with status, category, unit and overdue state; grids as polygons with counts of open and
overdue tickets; counts by category, unit and overdue state for a period. The early-warning pass
compares each township's reports of a category today with the trailing mean of the same weekday
and raises a warning once per category, township and day.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import (
    Select,
    case,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.map.models import EarlyWarning
from dispatch.map.schemas import WarningOut
from dispatch.tickets import rules
from dispatch.tickets.enums import TicketStatus
from dispatch.tickets.models import Ticket, TicketReport
from dispatch.tickets.queries import READ, readable
from dispatch.tickets.service import Env
from jiceng_shared import county
from jiceng_shared.contracts.dispatch import SpikeDetected
from jiceng_shared.db import new_id, plan_for_these_values
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.pagination import Page, page_of, paginate
from jiceng_shared.scope import scope_filter
from jiceng_shared.workdays import COUNTY_ZONE

#: at most this many points in one FeatureCollection (a township's open tickets fit)
MAX_FEATURES = 20_000
STATUS_LABELS = TicketStatus.labels()
SUPERVISED = frozenset(rules.SUPERVISED_STATUSES)


def _overdue(now: dt.datetime) -> Any:
    return Ticket.status.in_(rules.SUPERVISED_STATUSES) & (Ticket.deadline < now)


def _open_points(
    principal: Principal, now: dt.datetime, *, township_code: str | None, category: str | None
) -> Select[Any]:
    """The open tickets the caller may read that have a place, newest first, as plain columns (no
    ORM objects, no JSON decoded: the point's coordinates are columns of their own). The label and
    the overdue flag are worked out while shaping: per row they cost the database more than Python."""
    stmt = select(
        Ticket.id,
        Ticket.number,
        Ticket.status,
        Ticket.category,
        Ticket.unit_code,
        Ticket.unit_name,
        Ticket.area_code,
        Ticket.lng,
        Ticket.lat,
        Ticket.warning,
        Ticket.escalation_level,
        Ticket.deadline,
    ).where(
        readable(principal),
        Ticket.status.in_(rules.OPEN_STATUSES),
        # a call without an address has no place on the map
        Ticket.lng.is_not(None),
        Ticket.lat.is_not(None),
    )
    if township_code:
        stmt = stmt.where(Ticket.township_code == township_code)
    if category:
        stmt = stmt.where(Ticket.category == category)
    return stmt.order_by(Ticket.created_at.desc()).limit(MAX_FEATURES)


async def ticket_features(
    session: AsyncSession,
    principal: Principal,
    now: dt.datetime,
    *,
    township_code: str | None,
    category: str | None,
) -> bytes:
    """The FeatureCollection of the open tickets, encoded (a township's 10,000 points: performance.md).

    ``session`` is a transaction (the plan option below is ``SET LOCAL``). Plain rows, shaped into
    dicts and encoded with orjson. Measured on a township's 10,000 points, against PostgreSQL
    writing the document itself (row_to_json, json_agg): that cost the database 130-170 ms of CPU
    per request. Reading the coordinates out of the JSON column and labelling in SQL cost it about
    half its time here: both are gone (lng/lat columns, labels and overdue worked out while shaping)."""
    points = _open_points(principal, now, township_code=township_code, category=category)
    # how many points a township has decides the plan (a bitmap scan of the open tickets, or the
    # area index for a handful): the generic plan scanned every ticket of the township
    await plan_for_these_values(session)
    return _encode_features(await _driver_rows(session, points), now)


async def _driver_rows(session: AsyncSession, stmt: Select[Any]) -> Sequence[Sequence[Any]]:
    """The rows as asyncpg returns them, skipping SQLAlchemy's row objects and result processing
    (a quarter of the service's time on 10,000 points). The map's columns need no conversion:
    strings, numbers, and ``timestamptz``, which asyncpg gives as aware UTC datetimes. SQLite
    (no such path) returns Core rows."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return (await connection.execute(stmt)).all()
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    raw = await connection.get_raw_connection()
    # the session's transaction has begun (the SET LOCAL above): the driver's fetch runs inside it
    return await raw.driver_connection.fetch(str(compiled), *(params[name] for name in compiled.positiontup or ()))


def _encode_features(rows: Sequence[Sequence[Any]], now: dt.datetime) -> bytes:
    # 10,000 features are 30,000 dicts and lists: built with the cyclic collector on, they set off
    # collections that walk the service's whole heap (most of the 113 ms a township's map cost
    # before); none of them can be part of a cycle, so it pauses for this stretch without awaits
    paused = gc.isenabled()
    gc.disable()
    try:
        features = [
            {
                "type": "Feature",
                "id": tid,
                "geometry": {"type": "Point", "coordinates": [lng, lat]},
                "properties": {
                    "number": number,
                    "status": status,
                    "status_zh": STATUS_LABELS[status],
                    "category": cat,
                    "unit_code": unit_code,
                    "unit_name": unit_name,
                    "area_code": area,
                    "overdue": status in SUPERVISED and deadline is not None and deadline < now,
                    "warning": warning,
                    "escalation_level": level,
                    "deadline": deadline,
                },
            }
            for tid, number, status, cat, unit_code, unit_name, area, lng, lat, warning, level, deadline in rows
        ]
        return orjson.dumps({"type": "FeatureCollection", "features": features}, option=orjson.OPT_UTC_Z)
    finally:
        if paused:
            gc.enable()


def _visible_grids(principal: Principal) -> list[county.Grid]:
    """The grids of the county in force (the registry follows grid's area changes) in the caller's scope."""
    prefixes = [b.prefix for b in principal.bindings_for(READ)]
    return [
        g
        for g in county.current().grids
        if not g.retired and any(g.code.startswith(p) or p.startswith(g.code) for p in prefixes)
    ]


async def grid_features(session: AsyncSession, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    """Grids as polygons with the counts of the open and overdue tickets in them the caller may read."""
    stmt = (
        select(
            Ticket.area_code,
            func.count().label("open"),
            func.sum(case((_overdue(now), 1), else_=0)).label("overdue"),
        )
        .where(readable(principal), Ticket.status.in_(rules.OPEN_STATUSES))
        .group_by(Ticket.area_code)
    )
    counts = {r.area_code: (r.open, int(r.overdue or 0)) for r in (await session.execute(stmt)).all()}
    features = []
    for g in _visible_grids(principal):
        open_count, overdue = counts.get(g.code, (0, 0))
        features.append(
            {
                "type": "Feature",
                "id": g.code,
                "geometry": g.polygon,
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "area_code": g.code,
                    "open": open_count,
                    "overdue": overdue,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


async def stats(
    session: AsyncSession, principal: Principal, now: dt.datetime, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Tickets received in [start, end): counts by category, by unit and by overdue state."""
    base = [readable(principal), Ticket.created_at >= start, Ticket.created_at < end]
    by_category = dict(
        (await session.execute(select(Ticket.category, func.count()).where(*base).group_by(Ticket.category))).all()
    )
    by_unit = {
        (code or "unassigned"): n
        for code, n in (
            await session.execute(select(Ticket.unit_code, func.count()).where(*base).group_by(Ticket.unit_code))
        ).all()
    }
    late = func.sum(case((_overdue(now), 1), else_=0))
    closed_late = func.sum(case(((Ticket.status == TicketStatus.CLOSED) & Ticket.on_time.is_(False), 1), else_=0))
    total, overdue_open, overdue_closed = (
        await session.execute(select(func.count(), late, closed_late).where(*base))
    ).one()
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": total,
        "by_category": by_category,
        "by_unit": by_unit,
        "by_overdue": {"open_overdue": int(overdue_open or 0), "closed_late": int(overdue_closed or 0)},
    }


# --- early warning --------------------------------------------------------------------------------


def _day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=COUNTY_ZONE)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


async def _counts(session: AsyncSession, day: dt.date) -> dict[tuple[str, str], int]:
    """Reports (merged ones too) of each township and category on a local day."""
    start, end = _day_window(day)
    stmt = (
        select(Ticket.township_code, Ticket.category, func.count())
        .select_from(TicketReport)
        .join(Ticket, Ticket.id == TicketReport.ticket_id)
        .where(TicketReport.reported_at >= start, TicketReport.reported_at < end)
        .group_by(Ticket.township_code, Ticket.category)
    )
    return {(t, c): n for t, c, n in (await session.execute(stmt)).all()}


async def spike_pass(session: AsyncSession, env: Env) -> list[EarlyWarning]:
    """Raise a warning for each township and category whose reports today spike (once per day)."""
    r = env.rules
    today = env.now.astimezone(COUNTY_ZONE).date()
    current = {k: n for k, n in (await _counts(session, today)).items() if n >= r.spike_min_count}
    if not current:
        return []
    history: dict[tuple[str, str], list[int]] = defaultdict(list)
    for week in range(1, r.spike_weeks + 1):
        past = await _counts(session, today - dt.timedelta(weeks=week))
        for key in current:
            history[key].append(past.get(key, 0))
    raised = []
    for (township, category), count in sorted(current.items()):
        baseline = rules.spike_baseline(history[(township, category)])
        if not rules.is_spike(count, baseline, ratio=r.spike_ratio, min_count=r.spike_min_count):
            continue
        warning = EarlyWarning(
            id=new_id(),
            category=category,
            area_code=township,
            day=today.isoformat(),
            count=count,
            baseline=baseline,
            threshold=rules.spike_threshold(baseline, ratio=r.spike_ratio, min_count=r.spike_min_count),
            raised_at=env.now,
        )
        try:
            async with session.begin_nested():
                session.add(warning)
        except IntegrityError:
            continue  # raised already today (another pass or replica)
        await emit(
            session,
            SpikeDetected(
                warning_id=warning.id,
                category=category,
                township_code=township,
                day=today,
                count=count,
                baseline=baseline,
                threshold=warning.threshold,
                raised_at=env.now,
            ),
            subject=warning.id,
            township=township,
        )
        raised.append(warning)
    return raised


async def list_warnings(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[WarningOut]:
    """Early warnings in the caller's scope, newest first, one page."""
    stmt = select(EarlyWarning).where(scope_filter(principal, READ, EarlyWarning.area_code))
    rows = list(
        (
            await session.scalars(paginate(stmt, EarlyWarning.raised_at, EarlyWarning.id, limit=limit, cursor=cursor))
        ).all()
    )
    items, next_cursor = page_of(rows, limit, created="raised_at")
    return Page[WarningOut](
        items=[WarningOut.model_validate(w, from_attributes=True) for w in items], next_cursor=next_cursor
    )
