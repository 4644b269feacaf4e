"""Use cases of window indicators: record the approval service's facts, count them per clerk and
per centre (township) and month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment import known, prebuilt
from assessment.counting import count_where, insert_once
from assessment.paging import decode_key
from assessment.periods.overlay import ByMonth, Overlaid, overlay
from assessment.periods.rules import month_of
from assessment.window import rules
from assessment.window.models import Centre, Clerk, WindowFact
from jiceng_shared.db import new_id
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "assessment.window.read"

FactKind = Literal["accepted", "completed", "overdue", "notice", "rating", "rectification"]
SubjectKind = Literal["clerk", "centre"]


# --- recording facts (event handlers) ---------------------------------------------------------


def _clerk_upsert(insert: prebuilt.Insert) -> Any:
    table = Clerk.__table__
    stmt = insert(table)
    newer = table.c.last_seen_at < stmt.excluded.last_seen_at
    return stmt.on_conflict_do_update(
        index_elements=[table.c.clerk_id],
        set_={
            "clerk_username": func.coalesce(stmt.excluded.clerk_username, table.c.clerk_username),
            # a clerk who moves to another centre is listed where their newest event happened
            "township_code": case((newer, stmt.excluded.township_code), else_=table.c.township_code),
            "last_seen_at": case((newer, stmt.excluded.last_seen_at), else_=table.c.last_seen_at),
        },
    )


async def _remember(
    session: AsyncSession, clerk_id: str | None, clerk_username: str | None, township_code: str, at: dt.datetime
) -> None:
    # a centre's row never changes once there: written by the first event of a centre this
    # process has not seen committed, not by every one
    if not known.holds(session, "centre", township_code, True):
        await insert_once(session, Centre, township_code=township_code, first_seen_at=at)
        known.after_commit(session, "centre", township_code, True)
    if clerk_id is None:
        return
    await session.execute(
        prebuilt.statement(session, "clerk_upsert", _clerk_upsert),
        {
            "clerk_id": clerk_id,
            "clerk_username": clerk_username,
            "township_code": township_code,
            "first_seen_at": at,
            "last_seen_at": at,
        },
    )


async def record_fact(
    session: AsyncSession,
    *,
    kind: FactKind,
    key: str,
    township_code: str,
    occurred_at: dt.datetime,
    correlation_id: str,
    clerk_id: str | None = None,
    clerk_username: str | None = None,
    application_id: str | None = None,
    rating_id: str | None = None,
    on_time: bool | None = None,
    level: int | None = None,
) -> None:
    if level is not None and level not in rules.LEVELS:
        # a contract violation: fail so the event is retried and then dead-lettered, visible to ops
        raise ValueError(f"rating level {level} outside {rules.MIN_LEVEL}..{rules.MAX_LEVEL}")
    await _remember(session, clerk_id, clerk_username, township_code, occurred_at)
    await insert_once(
        session,
        WindowFact,
        id=new_id(),
        kind=kind,
        key=key,
        application_id=application_id,
        rating_id=rating_id,
        clerk_id=clerk_id,
        township_code=township_code,
        period=month_of(occurred_at),
        occurred_at=occurred_at,
        on_time=on_time,
        level=level,
        correlation_id=correlation_id,
    )


# --- counting ---------------------------------------------------------------------------------


def _subject(fact: type[WindowFact], kind: SubjectKind) -> ColumnElement[str]:
    """The column a count is grouped by: the clerk's id (nullable: a centre's fact may name no clerk,
    and the counts filter on the ids asked for, so no null is counted) or the centre's township."""
    column = fact.clerk_id if kind == "clerk" else fact.township_code
    return cast(ColumnElement[str], column)


async def live_counts(
    session: AsyncSession, kind: SubjectKind, ids: Sequence[str], months: Sequence[str], *, bad_max_level: int
) -> ByMonth:
    out: ByMonth = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(rules.COUNT_FIELDS, 0)))
    if not ids:
        return out
    ids, months = list(ids), list(months)
    f = WindowFact
    subject = _subject(f, kind)
    names = {
        "accepted": ("accepted", None),
        "completed": ("completed", "completed_on_time"),
        "overdue": ("overdue", None),
        "notice": ("notices_issued", "notices_in_time"),
    }
    rows = await session.execute(
        select(subject, f.period, f.kind, func.count(), count_where(f.on_time.is_(True)))
        .where(subject.in_(ids), f.period.in_(months), f.kind.in_(list(names)))
        .group_by(subject, f.period, f.kind)
    )
    for subject_id, period, fact_kind, n, n_on_time in rows:
        total_name, on_time_name = names[fact_kind]
        out[subject_id][period][total_name] = int(n)
        if on_time_name:
            out[subject_id][period][on_time_name] = int(n_on_time)

    rows = await session.execute(
        select(subject, f.period, f.level, func.count())
        .where(subject.in_(ids), f.period.in_(months), f.kind == "rating")
        .group_by(subject, f.period, f.level)
    )
    for subject_id, period, level, n in rows:
        out[subject_id][period][f"ratings_{level}"] = int(n)

    # rectifications count for the bad rating they answer: its clerk, centre and month
    rating, fix = aliased(WindowFact), aliased(WindowFact)
    rating_subject = _subject(rating, kind)
    rows = await session.execute(
        select(
            rating_subject,
            rating.period,
            func.count(distinct(rating.key)),
            func.count(distinct(case((fix.on_time.is_(True), rating.key)))),
        )
        .join(fix, (fix.rating_id == rating.key) & (fix.kind == "rectification"))
        .where(
            rating.kind == "rating",
            rating.level <= bad_max_level,  # rules.is_bad, in SQL
            rating_subject.in_(ids),
            rating.period.in_(months),
        )
        .group_by(rating_subject, rating.period)
    )
    for subject_id, period, n, n_on_time in rows:
        out[subject_id][period]["rectified"] = int(n)
        out[subject_id][period]["rectified_on_time"] = int(n_on_time)
    return out


@dataclass
class ClerkResult:
    clerk: Clerk
    indicators: Overlaid


@dataclass
class CentreResult:
    township_code: str
    indicators: Overlaid


async def clerk_indicators(
    session: AsyncSession, clerks: Sequence[Clerk], months: tuple[str, ...], *, bad_max_level: int
) -> list[ClerkResult]:
    ids = [c.clerk_id for c in clerks]
    live = await live_counts(session, "clerk", ids, months, bad_max_level=bad_max_level)
    laid = await overlay(
        session, "clerk", {c.clerk_id: c.township_code for c in clerks}, months, rules.COUNT_FIELDS, live
    )
    return [ClerkResult(c, laid[c.clerk_id]) for c in clerks]


async def centre_indicators(
    session: AsyncSession, townships: Sequence[str], months: tuple[str, ...], *, bad_max_level: int
) -> list[CentreResult]:
    live = await live_counts(session, "centre", townships, months, bad_max_level=bad_max_level)
    laid = await overlay(session, "centre", {t: t for t in townships}, months, rules.COUNT_FIELDS, live)
    return [CentreResult(t, laid[t]) for t in townships]


async def list_clerks(
    session: AsyncSession,
    principal: Principal,
    months: tuple[str, ...],
    *,
    township_code: str | None,
    limit: int,
    cursor: str | None,
    bad_max_level: int,
) -> list[ClerkResult]:
    stmt = select(Clerk).where(scope_filter(principal, READ, Clerk.township_code))
    if township_code is not None:
        stmt = stmt.where(Clerk.township_code == township_code)
    if cursor:
        stmt = stmt.where(Clerk.clerk_id > decode_key(cursor))
    clerks = list((await session.scalars(stmt.order_by(Clerk.clerk_id).limit(limit + 1))).all())
    return await clerk_indicators(session, clerks, months, bad_max_level=bad_max_level)


async def get_clerk_row(session: AsyncSession, principal: Principal, clerk_id: str) -> Clerk:
    clerk = await session.scalar(
        select(Clerk).where(Clerk.clerk_id == clerk_id, scope_filter(principal, READ, Clerk.township_code))
    )
    if clerk is None:
        raise not_found("clerk", clerk_id)
    return clerk


async def get_clerk(
    session: AsyncSession, principal: Principal, clerk_id: str, months: tuple[str, ...], *, bad_max_level: int
) -> ClerkResult:
    clerk = await get_clerk_row(session, principal, clerk_id)
    return (await clerk_indicators(session, [clerk], months, bad_max_level=bad_max_level))[0]


async def list_centres(
    session: AsyncSession,
    principal: Principal,
    months: tuple[str, ...],
    *,
    limit: int,
    cursor: str | None,
    bad_max_level: int,
) -> list[CentreResult]:
    stmt = select(Centre.township_code).where(scope_filter(principal, READ, Centre.township_code))
    if cursor:
        stmt = stmt.where(Centre.township_code > decode_key(cursor))
    townships = list((await session.scalars(stmt.order_by(Centre.township_code).limit(limit + 1))).all())
    return await centre_indicators(session, townships, months, bad_max_level=bad_max_level)
