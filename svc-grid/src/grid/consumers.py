"""Events svc-grid consumes: the ticket handling an incident reports back to the reporter."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grid.categories.handlers import SUBSCRIPTION as CATEGORIES
from grid.incidents.service import apply_ticket_event
from jiceng_shared.areafeed import state_subscription
from jiceng_shared.consumers import GATHER_SECONDS, OnlyIf, Subscription
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.events import CloudEvent
from jiceng_shared.service import ServiceContext


def _ticket(p: Any) -> dict[str, Any]:
    return {"ticket_id": p.ticket_id, "ticket_number": p.number, "source_ref": p.source_ref}


async def on_ticket_created(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.TicketCreated)
    await apply_ticket_event(
        session,
        **_ticket(p),
        at=event.time,
        status="registered",
        note=f"指挥中心登记为工单 {p.number}",
    )


async def on_ticket_assigned(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.TicketAssigned)
    await apply_ticket_event(
        session,
        **_ticket(p),
        at=event.time,
        status="dispatched",
        note=f"派遣至 {p.unit.name}",
        handling_unit=p.unit.name,
    )


async def on_ticket_handled(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.TicketHandled)
    await apply_ticket_event(
        session,
        **_ticket(p),
        at=event.time,
        status="handled",
        note=f"{p.unit.name} 处置反馈：{p.outcome}，待核查",
        outcome=p.outcome,
    )


async def on_ticket_closed(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.TicketClosed)
    await apply_ticket_event(
        session,
        **_ticket(p),
        at=event.time,
        status="closed",
        note=f"核查通过，工单办结：{p.outcome}",
        outcome=p.outcome,
        closed_at=p.closed_at,
    )


async def on_ticket_merged(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.TicketMerged)
    if p.source_ref:
        # the merged incident joins the ticket; later ticket events reach it through ticket_id
        await apply_ticket_event(
            session,
            ticket_id=p.ticket_id,
            ticket_number=p.number,
            source_ref=p.source_ref,
            at=event.time,
            status="merged",
            note=f"与工单 {p.number} 为同一事项，已并单处理",
            handling_unit=p.unit.name if p.unit else None,
        )


async def on_ticket_reopened(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(contracts.TicketReopened)
    await apply_ticket_event(
        session,
        **_ticket(p),
        at=event.time,
        status="reopened",
        note=f"核查未通过，返工：{p.reason}",
        closed_at=None,
    )


def from_the_grid(event: CloudEvent) -> bool:
    """Tickets born from an incident; hotline and department tickets concern no reporter here."""
    return event.data.get("source") == "grid"


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    handlers = {
        contracts.TicketCreated.event_type: on_ticket_created,
        contracts.TicketAssigned.event_type: on_ticket_assigned,
        contracts.TicketHandled.event_type: on_ticket_handled,
        contracts.TicketClosed.event_type: on_ticket_closed,
        contracts.TicketReopened.event_type: on_ticket_reopened,
        contracts.TicketMerged.event_type: on_ticket_merged,
    }
    return [
        # the incidents' view of their tickets: nobody waits on it event by event
        Subscription(
            "tickets",
            "dispatch.ticket.*",
            {t: OnlyIf(from_the_grid, h) for t, h in handlers.items()},
            gather_seconds=GATHER_SECONDS,
        ),
        # the latest version of every changed area, for every process's copy (jiceng_shared.areafeed)
        state_subscription(ctx),
        CATEGORIES,
    ]
