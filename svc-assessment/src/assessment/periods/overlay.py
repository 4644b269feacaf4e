"""Read side of closed months: which months are frozen for an area, and each subject's frozen
counts laid over the live ones (see :func:`assessment.periods.rules.combine`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.periods.models import FrozenResult, PeriodClosure
from assessment.periods.rules import Counts, Effective, combine
from jiceng_shared.identity import area_prefix

#: subject → month → counts
ByMonth = dict[str, dict[str, Counts]]


@dataclass
class Overlaid:
    total: Effective
    by_month: list[tuple[str, Effective]]


async def load_closures(session: AsyncSession, months: Iterable[str]) -> list[PeriodClosure]:
    return list((await session.scalars(select(PeriodClosure).where(PeriodClosure.period.in_(list(months))))).all())


def closed_months(closures: Iterable[PeriodClosure], area_code: str) -> set[str]:
    """Months closed for a subject of ``area_code``: by its township's closure or the county's."""
    return {c.period for c in closures if area_code.startswith(area_prefix(c.area_code))}


async def load_frozen(session: AsyncSession, kind: str, subject_ids: Iterable[str], months: Iterable[str]) -> ByMonth:
    ids = list(subject_ids)
    out: ByMonth = defaultdict(dict)
    if not ids:
        return out
    rows = await session.execute(
        select(FrozenResult.subject_id, FrozenResult.period, FrozenResult.counts).where(
            FrozenResult.subject_kind == kind, FrozenResult.subject_id.in_(ids), FrozenResult.period.in_(list(months))
        )
    )
    for subject_id, period, counts in rows:
        out[subject_id][period] = counts
    return out


async def overlay(
    session: AsyncSession,
    kind: str,
    subjects: Mapping[str, str],
    months: tuple[str, ...],
    fields: tuple[str, ...],
    live: ByMonth,
) -> dict[str, Overlaid]:
    """Each subject (id → area code) over the period's months: totals and the month-by-month view."""
    closures = await load_closures(session, months)
    frozen = await load_frozen(session, kind, subjects, months) if closures else {}
    result = {}
    for subject_id, area_code in subjects.items():
        closed = closed_months(closures, area_code)
        mine_live, mine_frozen = live.get(subject_id, {}), frozen.get(subject_id, {})
        result[subject_id] = Overlaid(
            total=combine(months, fields, mine_live, mine_frozen, closed),
            by_month=[(m, combine((m,), fields, mine_live, mine_frozen, closed)) for m in months],
        )
    return result
