"""Events svc-approval consumes: 12345 matters the command centre dispatches to a service centre."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from approval.frontdesk.service import inquiry_from_ticket
from jiceng_shared.consumers import OnlyIf, Subscription
from jiceng_shared.contracts.dispatch import TicketAssigned
from jiceng_shared.events import CloudEvent
from jiceng_shared.service import ServiceContext

#: the department of service centres (行政审批局 / 为民服务中心)
SERVICE_CENTRE_DEPT = "apv"


async def on_ticket_assigned(session: AsyncSession, event: CloudEvent) -> None:
    p = event.payload(TicketAssigned)
    await inquiry_from_ticket(session, p, correlation_id=event.correlationid, at=p.assigned_at)


def for_a_service_centre(event: CloudEvent) -> bool:
    return event.data["unit"]["dept"] == SERVICE_CENTRE_DEPT


def subscriptions(_ctx: ServiceContext) -> list[Subscription]:
    handler = OnlyIf(for_a_service_centre, on_ticket_assigned)
    return [Subscription("tickets", TicketAssigned.event_type, {TicketAssigned.event_type: handler})]
