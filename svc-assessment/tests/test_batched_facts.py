"""The facts of one consumer batch are written together at commit (assessment.deferred): the rows
are those the events written one by one leave, duplicates and repeated assignments included."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assessment.gridworkers.models import WorkerFact
from assessment.hotline.models import HotlineResponse, TicketOpened
from assessment.units.models import TicketAssignment, TicketClosure, Unit
from jiceng_shared.contracts import dispatch
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.events import build_event

from .conftest import BUFENG, incident_reported, local, uid

GRID = "320971100001001"


def _event(payload, subject):
    return build_event(payload, source="/svc-test", subject=subject, township=BUFENG)


def _unit() -> UnitRef:
    return UnitRef(
        code=f"{BUFENG}:{uid()}", area_code=BUFENG, dept="cle", name="步凤镇综合执法局", kind="township_office"
    )


def _of_ticket(ticket: str, incident: str) -> dict[str, str]:
    """What every ticket event says of the ticket ``ticket``, opened on the grid's incident ``incident``."""
    return {
        "ticket_id": ticket,
        "number": f"GD-{ticket}",
        "category": "street_occupation",
        "township_code": BUFENG,
        "area_code": GRID,
        "source": "grid",
        "source_ref": incident,
    }


async def _apply(assessment, name, payloads):
    consumers = assessment.ctx.consumers
    sub = consumers.by_name[name]
    events = [_event(p, p.model_dump().get("ticket_id") or "x") for p in payloads]
    return events, await consumers.apply_batch(sub, [(e, sub.handlers[e.short_type]) for e in events])


async def test_one_batch_writes_each_fact_as_the_events_one_by_one_would(assessment):
    ticket, incident, worker = uid("t-"), uid("i-"), uid("w-")
    unit = _unit()
    at = local("2026-11-30 09:00")
    common = _of_ticket(ticket, incident)
    later, earlier = at + dt.timedelta(hours=1), at + dt.timedelta(minutes=30)
    _events, applied = await _apply(
        assessment,
        "tickets",
        [
            dispatch.TicketCreated(**common, created_at=at),
            dispatch.TicketAssigned(**common, description="", unit=unit, assigned_at=later),
            # the same unit again, earlier: the assignment counts from the earlier one (an upsert
            # of the same row, which one statement could not do twice)
            dispatch.TicketAssigned(**common, description="", unit=unit, assigned_at=earlier),
            dispatch.TicketSignedFor(**common, unit=unit, signed_at=later, within_limit=True),
            # signed for again (another event, the same fact): the first one stays
            dispatch.TicketSignedFor(**common, unit=unit, signed_at=later + dt.timedelta(hours=1), within_limit=False),
        ],
    )
    assert applied == [True] * 5
    reported = incident_reported(incident, worker, GRID, at)
    events, applied = await _apply(assessment, "grid", [reported, reported])
    assert applied == [True, True]

    async with assessment.ctx.db.session() as session:
        opened = (await session.scalars(select(TicketOpened).where(TicketOpened.ticket_id == ticket))).all()
        assigned = (await session.scalars(select(TicketAssignment).where(TicketAssignment.ticket_id == ticket))).all()
        responses = (await session.scalars(select(HotlineResponse).where(HotlineResponse.ticket_id == ticket))).all()
        facts = (await session.scalars(select(WorkerFact).where(WorkerFact.key == incident))).all()
    assert [(o.created_at, o.source) for o in opened] == [(at, "grid")]
    assert [(a.unit_code, a.assigned_at) for a in assigned] == [(unit.code, earlier)]
    assert [(r.unit_code, r.signed_at, r.within_limit) for r in responses] == [(unit.code, later, True)]
    assert [(f.kind, f.worker_id, f.event_id) for f in facts] == [("report", worker, events[0].id)]


async def test_a_batch_mixing_queued_facts_and_others_leaves_them_all(assessment):
    """A handler that does not queue (a voided report, a closure) writes what the batch queued
    before it first, then its own: every fact is there after the commit."""
    ticket, incident = uid("t-"), uid("i-")
    unit = _unit()
    at = local("2026-11-30 10:00")
    common = _of_ticket(ticket, incident)
    _events, applied = await _apply(
        assessment,
        "tickets",
        [
            dispatch.TicketCreated(**common, created_at=at),
            dispatch.TicketVoided(**common, reason="重复上报", voided_at=at),
            dispatch.TicketAssigned(**common, description="", unit=unit, assigned_at=at),
            dispatch.TicketClosed(**common, unit=unit, outcome="已办结", closed_at=at, on_time=True),
        ],
    )
    assert applied == [True] * 4
    async with assessment.ctx.db.session() as session:
        opened = (await session.scalars(select(TicketOpened.ticket_id).where(TicketOpened.ticket_id == ticket))).all()
        assigned = (
            await session.scalars(select(TicketAssignment.unit_code).where(TicketAssignment.ticket_id == ticket))
        ).all()
        closed = (await session.scalars(select(TicketClosure.unit_code).where(TicketClosure.ticket_id == ticket))).all()
        voided = (await session.scalars(select(WorkerFact.kind).where(WorkerFact.key == incident))).all()
    assert (opened, assigned, closed, voided) == ([ticket], [unit.code], [unit.code], ["report_voided"])


async def test_a_batch_rolled_back_writes_none_of_the_facts_it_queued(assessment):
    """The queue belongs to the batch's transaction: a handler failing after the queued facts
    takes them with the rest, and the batch applied again (its redelivery) writes each once."""
    tickets = [uid("t-"), uid("t-")]
    at = local("2026-11-30 11:00")
    events = [_event(dispatch.TicketCreated(**_of_ticket(t, uid("i-")), created_at=at), t) for t in tickets]
    consumers = assessment.ctx.consumers
    sub = consumers.by_name["tickets"]

    async def fails(_session, _event) -> None:
        raise RuntimeError("a handler after the queued facts fails")

    failing = _event(dispatch.TicketVoided(**_of_ticket(tickets[0], "x"), reason="重复上报", voided_at=at), "x")
    with pytest.raises(RuntimeError):
        await consumers.apply_batch(sub, [*((e, sub.handlers[e.short_type]) for e in events), (failing, fails)])

    async def opened() -> list[str]:
        async with assessment.ctx.db.session() as session:
            found = await session.scalars(select(TicketOpened.ticket_id).where(TicketOpened.ticket_id.in_(tickets)))
            return sorted(found.all())

    assert await opened() == []
    assert await consumers.apply_batch(sub, [(e, sub.handlers[e.short_type]) for e in events]) == [True, True]
    assert await opened() == sorted(tickets)


async def test_a_lone_event_writes_the_fact_it_queued(assessment):
    """An event handled on its own (a redelivery after a failed batch, a replayed dead letter) has
    its transaction write its queued fact too."""
    ticket = uid("t-")
    at = local("2026-11-30 12:00")
    created = _event(dispatch.TicketCreated(**_of_ticket(ticket, uid("i-")), created_at=at), ticket)
    sub = assessment.ctx.consumers.by_name["tickets"]
    assert await assessment.ctx.consumers.apply(sub, created, sub.handlers[created.short_type]) is True
    async with assessment.ctx.db.session() as session:
        opened = (await session.scalars(select(TicketOpened).where(TicketOpened.ticket_id == ticket))).all()
    assert [(o.created_at, o.source) for o in opened] == [(at, "grid")]


async def test_a_batch_rolled_back_after_writing_a_units_row_fails_with_its_own_error_and_writes_the_row_again(
    assessment,
):
    """A unit's row is known only once committed (assessment.known): rolled back, the failure is
    the handler's own (not the rollback listener's), and the next event of the unit writes the row."""
    ticket = uid("t-")
    unit = _unit()
    at = local("2026-11-30 13:00")
    common = _of_ticket(ticket, uid("i-"))
    assigned = _event(dispatch.TicketAssigned(**common, description="", unit=unit, assigned_at=at), ticket)
    consumers = assessment.ctx.consumers
    sub = consumers.by_name["tickets"]
    handler = sub.handlers[assigned.short_type]

    async def fails(_session, _event) -> None:
        raise RuntimeError("a handler after the unit's row fails")

    failing = _event(dispatch.TicketVoided(**common, reason="重复上报", voided_at=at), ticket)
    with pytest.raises(RuntimeError, match="after the unit's row fails"):
        await consumers.apply_batch(sub, [(assigned, handler), (failing, fails)])
    assert await consumers.apply_batch(sub, [(assigned, handler)]) == [True]
    async with assessment.ctx.db.session() as session:
        assert await session.scalar(select(Unit.name).where(Unit.code == unit.code)) == unit.name
