"""Events svc-enforcement consumes: tickets dispatch assigns to a township's enforcement office, and
the changes of dispatch's category dictionary."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.categories import service as categories
from enforcement.leads import rules
from enforcement.leads import service as leads
from jiceng_shared.consumers import OnlyIf, Subscription
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.dispatch import TicketAssigned
from jiceng_shared.events import CloudEvent
from jiceng_shared.service import ServiceContext


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    async def on_ticket_assigned(session: AsyncSession, event: CloudEvent) -> None:
        await leads.receive(
            session,
            event,
            event.payload(TicketAssigned),
            calendar=ctx.calendar,
            filing_workdays=ctx.settings.filing_workdays,
            now=ctx.now(),
        )

    def for_an_enforcement_office(event: CloudEvent) -> bool:
        return rules.is_enforcement_office(UnitRef.model_validate(event.data["unit"]))

    handler = OnlyIf(for_an_enforcement_office, on_ticket_assigned)
    return [
        Subscription("ticket-assigned", TicketAssigned.event_type, {TicketAssigned.event_type: handler}),
        # the live category dictionary items and leads are checked against (jiceng_shared.categorycopy)
        categories.SUBSCRIPTION,
    ]
