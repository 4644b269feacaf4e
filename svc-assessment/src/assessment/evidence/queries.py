"""The facts behind a subject's figures for a period: which tickets, visits, ratings... each with the
counts it feeds and the correlation id of the events it came from (the journey in the logs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment.evidence.schemas import Evidence, EvidenceSubject, FactKind, FactOut
from assessment.gridworkers import service as gridworkers
from assessment.gridworkers.models import WorkerFact
from assessment.hotline import rules as hotline_rules
from assessment.hotline import service as hotline
from assessment.hotline.models import HotlineCallback, HotlineResponse
from assessment.units import service as units
from assessment.units.models import (
    CaseClosure,
    CaseOverdue,
    Summons,
    TicketAssignment,
    TicketClosure,
    TicketEscalation,
    TicketExtension,
    TicketHandoff,
    TicketRework,
)
from assessment.window import service as window
from assessment.window.models import WindowFact
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal

#: the counts each kind of fact feeds
FEEDS = {
    "assignment": ["received", "assigned"],
    "closure": ["closed", "closed_on_time"],
    "rework": ["reworked"],
    "escalation": ["escalated"],
    "extension": ["extended"],
    "return": ["returned", "returned_in_window", "handed_off"],
    "transfer": ["transferred", "handed_off"],
    "reassignment": ["reassigned_away", "handed_off"],
    "summons": ["summons_issued", "summons_answered", "summons_answered_on_time", "summons_missed"],
    "case_closed": ["cases_closed", "cases_closed_in_time"],
    "case_overdue": ["cases_overdue"],
    "accepted": ["accepted"],
    "completed": ["completed", "completed_on_time"],
    "overdue": ["overdue"],
    "notice": ["notices_issued", "notices_in_time"],
    "rating": ["ratings", "bad_ratings", "rating_average"],
    "rectification": ["rectified", "rectified_on_time"],
    "visit": ["visits"],
    "visit_overdue": ["visits_overdue"],
    "diary": ["diaries"],
    "report": ["reports"],
    "task": ["tasks", "tasks_on_time"],
    "verification": ["verifications", "verifications_on_time"],
    "signed_for": ["signed", "responded_in_time"],
    "callback": ["called_back", "resolved", "satisfied"],
}


@dataclass
class Fact:
    kind: str
    ref: str
    at: dt.datetime | None
    period: str
    on_time: bool | None = None
    detail: dict[str, object] = field(default_factory=dict)
    correlation_id: str | None = None


async def unit_facts(session: AsyncSession, principal: Principal, unit_code: str, months: Sequence[str]) -> list[Fact]:
    await units.get_unit_row(session, principal, unit_code)
    m = list(months)
    out: list[Fact] = []
    for a in await session.scalars(
        select(TicketAssignment).where(TicketAssignment.unit_code == unit_code, TicketAssignment.period.in_(m))
    ):
        out.append(
            Fact(
                "assignment",
                a.ticket_id,
                a.assigned_at,
                a.period,
                None,
                {"deadline": a.deadline, "return_by": a.return_by},
                a.correlation_id,
            )
        )
    for c in await session.scalars(
        select(TicketClosure).where(TicketClosure.unit_code == unit_code, TicketClosure.period.in_(m))
    ):
        out.append(Fact("closure", c.ticket_id, c.closed_at, c.period, c.on_time, {}, c.correlation_id))
    for r in await session.scalars(
        select(TicketRework).where(TicketRework.unit_code == unit_code, TicketRework.period.in_(m))
    ):
        out.append(
            Fact(
                "rework", r.ticket_id, r.reopened_at, r.period, None, {"rework_count": r.rework_count}, r.correlation_id
            )
        )
    for e in await session.scalars(
        select(TicketEscalation).where(TicketEscalation.unit_code == unit_code, TicketEscalation.period.in_(m))
    ):
        out.append(
            Fact("escalation", e.ticket_id, e.escalated_at, e.period, None, {"level": e.level}, e.correlation_id)
        )
    for x in await session.scalars(
        select(TicketExtension).where(TicketExtension.unit_code == unit_code, TicketExtension.period.in_(m))
    ):
        out.append(
            Fact("extension", x.ticket_id, x.approved_at, x.period, None, {"deadline": x.deadline}, x.correlation_id)
        )
    for h in await session.scalars(
        select(TicketHandoff).where(TicketHandoff.unit_code == unit_code, TicketHandoff.period.in_(m))
    ):
        out.append(Fact(h.kind, h.ticket_id, h.at, h.period, None, {"to_unit": h.to_unit_code}, h.correlation_id))
    for s in await session.scalars(select(Summons).where(Summons.unit_code == unit_code, Summons.period.in_(m))):
        out.append(
            Fact(
                "summons",
                s.summons_id,
                s.issued_at,
                s.period,
                s.answered_on_time,
                {"ticket_id": s.ticket_id, "respond_by": s.respond_by, "answered_at": s.answered_at},
                s.correlation_id,
            )
        )
    for k in await session.scalars(
        select(CaseClosure).where(CaseClosure.unit_code == unit_code, CaseClosure.period.in_(m))
    ):
        out.append(
            Fact(
                "case_closed",
                k.case_id,
                k.closed_at,
                k.period,
                None,
                {"duration_days": k.duration_days},
                k.correlation_id,
            )
        )
    for o in await session.scalars(
        select(CaseOverdue).where(CaseOverdue.unit_code == unit_code, CaseOverdue.period.in_(m))
    ):
        out.append(
            Fact("case_overdue", o.case_id, o.detected_at, o.period, None, {"deadline": o.deadline}, o.correlation_id)
        )
    return sorted(out, key=lambda f: (f.at or dt.datetime.min.replace(tzinfo=dt.UTC), f.kind, f.ref))


async def clerk_facts(session: AsyncSession, principal: Principal, clerk_id: str, months: Sequence[str]) -> list[Fact]:
    await window.get_clerk_row(session, principal, clerk_id)
    rows = await session.scalars(
        select(WindowFact).where(WindowFact.clerk_id == clerk_id, WindowFact.period.in_(list(months)))
    )
    return sorted(
        (
            Fact(
                f.kind,
                f.key,
                f.occurred_at,
                f.period,
                f.on_time,
                {
                    k: v
                    for k, v in (("application_id", f.application_id), ("rating_id", f.rating_id), ("level", f.level))
                    if v is not None
                },
                f.correlation_id,
            )
            for f in rows
        ),
        key=lambda f: (f.at, f.kind, f.ref),
    )


async def worker_facts(
    session: AsyncSession, principal: Principal, worker_id: str, months: Sequence[str]
) -> list[Fact]:
    await gridworkers.get_worker(session, principal, worker_id, gridworkers.READ)
    rows = list(
        (
            await session.scalars(
                select(WorkerFact).where(WorkerFact.worker_id == worker_id, WorkerFact.period.in_(list(months)))
            )
        ).all()
    )
    voided = set(
        (
            await session.scalars(
                select(WorkerFact.key).where(
                    WorkerFact.kind == "report_voided", WorkerFact.key.in_([f.key for f in rows if f.kind == "report"])
                )
            )
        ).all()
    )
    return sorted(
        (
            Fact(
                f.kind,
                f.key,
                f.at,
                f.period,
                f.on_time,
                {"voided": f.key in voided} if f.kind == "report" else {},
                f.correlation_id,
            )
            for f in rows
        ),
        key=lambda f: (f.at, f.kind, f.ref),
    )


async def hotline_facts(
    session: AsyncSession,
    principal: Principal,
    level: str,
    subject: str,
    months: Sequence[str],
    sources: Sequence[str],
) -> list[Fact]:
    """The citizen tickets behind a township's or a unit's three rates: each signing-for (响应率)
    and each callback (解决率, 满意率; an earlier attempt superseded by a later one feeds nothing)."""
    if level == "township":
        if not principal.covers(hotline.READ, subject, None):
            raise not_found("township", subject)
    else:
        await units.get_unit_row(session, principal, subject, permission=hotline.READ)
    r, c = HotlineResponse, HotlineCallback
    m, src = list(months), list(sources)
    r_key = r.township_code if level == "township" else r.unit_code
    c_key = c.township_code if level == "township" else c.unit_code
    out: list[Fact] = []
    for row in await session.scalars(select(r).where(r_key == subject, r.period.in_(m), r.source.in_(src))):
        out.append(
            Fact(
                "signed_for",
                row.ticket_id,
                row.signed_at,
                row.period,
                row.within_limit,
                {"unit_code": row.unit_code, "category": row.category, "area_code": row.area_code},
                row.correlation_id,
            )
        )
    callbacks = list(
        (await session.scalars(select(c).where(c_key == subject, c.period.in_(m), c.source.in_(src)))).all()
    )
    latest: dict[tuple[str, str], int] = {}
    for cb in callbacks:
        key = (cb.ticket_id, cb.unit_code)
        latest[key] = max(latest.get(key, 0), cb.attempt)
    for cb in callbacks:
        counted = latest[(cb.ticket_id, cb.unit_code)] == cb.attempt
        out.append(
            Fact(
                "callback",
                cb.ticket_id,
                cb.recorded_at,
                cb.period,
                None,
                {
                    "unit_code": cb.unit_code,
                    "attempt": cb.attempt,
                    "result": cb.result,
                    "resolved": cb.resolved,
                    "satisfied": cb.result in hotline_rules.SATISFIED_RESULTS,
                    "counted": counted,
                },
                cb.correlation_id,
            )
        )
    return sorted(out, key=lambda f: (f.at or dt.datetime.min.replace(tzinfo=dt.UTC), f.kind, f.ref))


def evidence_out(subject_kind: EvidenceSubject, subject_id: str, period: str, facts: list[Fact]) -> Evidence:
    return Evidence(
        subject_kind=subject_kind,
        subject_id=subject_id,
        period=period,
        items=[
            FactOut(
                kind=FactKind(f.kind),
                kind_zh=FactKind(f.kind).label_zh,
                ref=f.ref,
                at=f.at,
                period=f.period,
                on_time=f.on_time,
                feeds=FEEDS.get(f.kind, []),
                detail=f.detail,
                correlation_id=f.correlation_id,
            )
            for f in facts
        ],
    )
