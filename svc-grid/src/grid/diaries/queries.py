"""Reads of work diaries: its scope filter (the grids in scope, and the caller's own diaries), and
the shapes of diaries in answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement

from grid.diaries.models import Diary
from grid.diaries.schemas import DiaryOut, DiaryStatus, MissingDiary
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.diary.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(principal, permission, Diary.grid_code, inline=True) | (Diary.worker_id == principal.subject)


def to_out(d: Diary) -> DiaryOut:
    status = DiaryStatus(d.status)
    return DiaryOut(
        id=d.id,
        worker_id=d.worker_id,
        worker_name=d.worker_name,
        grid_code=d.grid_code,
        township_code=d.township_code,
        day=d.day,
        summary=d.summary,
        content=d.content,
        status=status,
        status_zh=status.label_zh,
        signed_by=d.signed_by,
        signed_by_name=d.signed_by_name,
        signed_at=d.signed_at,
        version=d.version,
    )


def diary_key(d: Diary) -> tuple[dt.date, str]:
    return d.day, d.id


def missing_key(m: MissingDiary) -> tuple[str, dt.date, str]:
    """The order of the missing-diary list: by grid, then day, then worker."""
    return m.grid_code, m.day, m.worker_id
