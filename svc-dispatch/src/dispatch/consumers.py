"""Events svc-dispatch consumes: grid incidents become tickets; enforcement reports back on them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.tickets import enforcement as feedback
from dispatch.tickets.intake import receive_incident
from dispatch.tickets.service import Env, env_of
from jiceng_shared.consumers import GATHER_SECONDS, Handler, Subscription
from jiceng_shared.contracts import enforcement, grid
from jiceng_shared.events import CloudEvent
from jiceng_shared.service import ServiceContext


def _with_env(ctx: ServiceContext, apply: Callable[[AsyncSession, CloudEvent, Env], Awaitable[object]]) -> Handler:
    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await apply(session, event, env_of(ctx))

    handler.__name__ = getattr(apply, "__name__", "handler")
    return handler


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    return [
        Subscription(
            "incidents",
            grid.IncidentReported.event_type,
            {
                grid.IncidentReported.event_type: _with_env(ctx, receive_incident),
            },
        ),
        # enforcement's feedback on its tickets (signed for, case opened, transferred, closed):
        # nobody waits on it event by event, so a window's events are one transaction
        Subscription(
            "enforcement",
            "enforcement.>",
            {
                enforcement.LeadReceived.event_type: _with_env(ctx, feedback.lead_received),
                enforcement.CaseOpened.event_type: _with_env(ctx, feedback.case_opened),
                enforcement.CaseTransferred.event_type: _with_env(ctx, feedback.case_transferred),
                enforcement.CaseClosed.event_type: _with_env(ctx, feedback.case_closed),
            },
            gather_seconds=GATHER_SECONDS,
        ),
    ]
