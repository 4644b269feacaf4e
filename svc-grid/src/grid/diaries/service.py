"""Use cases of work diaries: open the day's diary prefilled from the records, complete it, have the
community director sign it (then immutable, ``grid.diary.signed``), and list the days without one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.diaries import rules
from grid.diaries.models import Diary
from grid.diaries.queries import READ, readable
from grid.diaries.schemas import DiaryCreate, DiaryUpdate
from grid.incidents.models import Incident
from grid.roster import service as roster
from grid.roster.models import Absence, RosterEntry
from grid.roster.queries import readable as roster_readable
from grid.visits.models import Visit
from jiceng_shared.contracts.grid import DiarySigned
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, DESC, after_key
from jiceng_shared.outbox import emit
from jiceng_shared.workdays import WorkdayCalendar

WRITE = "grid.diary.write"
SIGN = "grid.diary.sign"


async def prefill(session: AsyncSession, worker_id: str, day: dt.date, cal: WorkdayCalendar) -> dict[str, Any]:
    """What the records say the worker did that day: visits, patrols (in any grid, own or covered), incidents."""
    visits = (
        await session.scalars(
            select(Visit).where(Visit.worker_id == worker_id, Visit.visited_on == day).order_by(Visit.visited_at)
        )
    ).all()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=cal.zone)
    incidents = (
        await session.scalars(
            select(Incident)
            .where(
                Incident.reporter_id == worker_id,
                Incident.created_at >= start,
                Incident.created_at < start + dt.timedelta(days=1),
            )
            .order_by(Incident.created_at)
        )
    ).all()
    return {
        "patrols": sum(1 for v in visits if v.kind == "patrol"),
        "home_visits": sum(1 for v in visits if v.kind == "home_visit"),
        "visits": [
            {
                "id": v.id,
                "kind": v.kind,
                "grid_code": v.grid_code,
                "at": v.visited_at.isoformat(),
                "resident_id": v.resident_id,
                "household_no": v.household_no,
                "found": v.found,
                "done": v.done,
                "covering_for": v.covering_for,
            }
            for v in visits
        ],
        "incidents": [
            {"id": i.id, "number": i.number, "category": i.category, "grid_code": i.grid_code} for i in incidents
        ],
    }


async def open_diary(
    session: AsyncSession,
    principal: Principal,
    body: DiaryCreate,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
    workdays_only: bool,
) -> Diary:
    today = cal.local_date(now)
    acting = await roster.acting_on(session, principal, WRITE, body.grid_code, today)
    rules.check_day(body.day, today, cal, workdays_only=workdays_only).raise_if_any()
    taken = await session.scalar(select(Diary.id).where(Diary.worker_id == principal.subject, Diary.day == body.day))
    if taken is not None:
        raise Problem(409, "diary_exists", "Already written", f"diary {taken} records this day", diary_id=taken)
    diary = Diary(
        id=new_id(),
        worker_id=principal.subject,
        worker_name=principal.name,
        grid_code=acting.grid_code,
        township_code=acting.township_code,
        day=body.day,
        summary=await prefill(session, principal.subject, body.day, cal),
        content=body.content,
        status="draft",
        created_at=now,
        updated_at=now,
    )
    session.add(diary)
    await session.flush()
    return diary


async def load_readable(
    session: AsyncSession, principal: Principal, diary_id: str, *, for_update: bool = False
) -> Diary:
    stmt = select(Diary).where(Diary.id == diary_id, readable(principal))
    diary = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if diary is None:
        raise not_found("diary", diary_id)
    return diary


def _mutable(diary: Diary) -> None:
    if diary.status == "signed":
        raise Problem(409, "diary_signed", "Signed", "a signed diary cannot be changed")


async def complete(
    session: AsyncSession,
    principal: Principal,
    diary_id: str,
    body: DiaryUpdate,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
) -> Diary:
    diary = await load_readable(session, principal, diary_id, for_update=True)
    if diary.worker_id != principal.subject:
        raise Problem(403, "not_diary_author", "Not yours", "only the worker who keeps the diary completes it")
    _mutable(diary)
    if body.version != diary.version:
        raise Problem(409, "concurrent_update", "Changed by someone else", "reload the diary and retry")
    diary.content = body.content
    diary.summary = await prefill(session, diary.worker_id, diary.day, cal)
    diary.updated_at = now
    await session.flush()
    return diary


async def sign(session: AsyncSession, principal: Principal, diary_id: str, *, now: dt.datetime) -> Diary:
    """The community director of the diary's grid signs it (002 art. 20); it is immutable from then on."""
    diary = await load_readable(session, principal, diary_id, for_update=True)
    if not principal.covers(SIGN, diary.grid_code):
        raise Problem(
            403,
            "not_community_director",
            "Not the community director",
            "only the director of the grid's village or community signs its diaries (002 art. 20)",
        )
    _mutable(diary)
    diary.status = "signed"
    diary.signed_by, diary.signed_by_name, diary.signed_at = principal.subject, principal.name, now
    diary.updated_at = now
    await emit(
        session,
        DiarySigned(
            diary_id=diary.id,
            grid_code=diary.grid_code,
            township_code=diary.township_code,
            worker_id=diary.worker_id,
            day=diary.day,
            signed_by=principal.subject,
        ),
        subject=diary.id,
        township=diary.township_code,
    )
    await session.flush()
    return diary


async def list_diaries(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    worker_id: str | None,
    status: str | None,
    first: dt.date | None,
    last: dt.date | None,
    limit: int,
    cursor: str | None = None,
) -> list[Diary]:
    """Newest day first, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(Diary).where(readable(principal))
    for column, value in ((Diary.grid_code, grid_code), (Diary.worker_id, worker_id), (Diary.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if first is not None:
        stmt = stmt.where(Diary.day >= first)
    if last is not None:
        stmt = stmt.where(Diary.day <= last)
    stmt = after_key(stmt, [(Diary.day, DESC), (Diary.id, ASC)], limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def missing(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    first: dt.date,
    last: dt.date,
    cal: WorkdayCalendar,
    workdays_only: bool,
) -> list[tuple[str, str, str, dt.date]]:
    """(grid, worker id, worker name, day): working days a grid's full-time worker, on duty and not
    recorded absent, has no diary for."""
    days = rules.diary_days(first, last, cal, workdays_only=workdays_only)
    if not days:
        return []
    entries_stmt = select(RosterEntry).where(
        roster_readable(principal, READ),
        RosterEntry.post == "full_time",
        RosterEntry.since <= last,
        (RosterEntry.until.is_(None)) | (RosterEntry.until >= first),
    )
    if grid_code is not None:
        entries_stmt = entries_stmt.where(RosterEntry.grid_code == grid_code)
    entries = (await session.scalars(entries_stmt)).all()
    if not entries:
        return []
    workers = sorted({e.worker_id for e in entries})
    written = set(
        (
            await session.execute(
                select(Diary.worker_id, Diary.day).where(
                    Diary.worker_id.in_(workers), Diary.day >= first, Diary.day <= last
                )
            )
        ).all()
    )
    absences = (
        await session.scalars(
            select(Absence).where(Absence.worker_id.in_(workers), Absence.first_day <= last, Absence.last_day >= first)
        )
    ).all()
    out = []
    for e in sorted(entries, key=lambda e: (e.grid_code, e.since)):
        for day in days:
            if not (e.since <= day and (e.until is None or day <= e.until)):
                continue
            if (e.worker_id, day) in written:
                continue
            if any(a.worker_id == e.worker_id and a.first_day <= day <= a.last_day for a in absences):
                continue
            out.append((e.grid_code, e.worker_id, e.name, day))
    return out
