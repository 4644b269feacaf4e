"""Reads of Open311: the services (categories), their definitions and the public view of requests.

The public reads show the requests of citizens' channels (Open311 itself and the 12345 hotline)
and nothing personal: no caller, no reporter, numbers in the text masked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.categories.models import Category
from dispatch.open311 import rules
from dispatch.open311.schemas import (
    AttributeOut,
    AttributeValue,
    RequestOut,
    RequestStatus,
    ServiceDefinitionOut,
    ServiceOut,
)
from dispatch.open311.service import TOWNSHIP_ATTRIBUTE
from dispatch.tickets.enums import TicketStatus
from dispatch.tickets.models import Ticket
from dispatch.tickets.rules import CITIZEN_SOURCES
from jiceng_shared.county import Organisation
from jiceng_shared.errors import not_found

#: a ticket that no longer moves is "closed" to Open311
_CLOSED = (TicketStatus.CLOSED, TicketStatus.VOIDED)


async def services(session: AsyncSession) -> list[ServiceOut]:
    rows = await session.scalars(select(Category).where(Category.retired_at.is_(None)).order_by(Category.code))
    return [
        ServiceOut(
            service_code=c.code,
            service_name=c.label_zh,
            description=c.label_zh,
            metadata=True,
            keywords="urgent" if c.urgent else "",
            group=c.major,
        )
        for c in rows
    ]


async def definition(session: AsyncSession, org: Organisation, service_code: str) -> ServiceDefinitionOut:
    category = await session.get(Category, service_code)
    if category is None or category.retired_at is not None:
        raise not_found("service", service_code)
    township = AttributeOut(
        code=TOWNSHIP_ATTRIBUTE,
        datatype="singlevaluelist",
        required=False,
        datatype_description="the township (镇街) the matter lies in; required without lat/long",
        order=1,
        description="所在镇街",
        values=[AttributeValue(key=t.code, name=t.name) for t in org.townships],
    )
    return ServiceDefinitionOut(service_code=category.code, attributes=[township])


def _status(ticket: Ticket) -> RequestStatus:
    return RequestStatus.CLOSED if ticket.status in _CLOSED else RequestStatus.OPEN


def request_out(ticket: Ticket, names: dict[str, str]) -> RequestOut:
    point = (ticket.location or {}).get("coordinates") or (None, None)
    return RequestOut(
        service_request_id=ticket.id,
        status=_status(ticket),
        status_notes=TicketStatus(ticket.status).label_zh,
        service_name=names.get(ticket.category, ticket.category),
        service_code=ticket.category,
        description=rules.public_text(ticket.description),
        agency_responsible=ticket.unit_name or "",
        requested_datetime=ticket.reported_at,
        updated_datetime=ticket.updated_at,
        expected_datetime=ticket.deadline,
        long=point[0],
        lat=point[1],
    )


async def _names(session: AsyncSession) -> dict[str, str]:
    return dict((await session.execute(select(Category.code, Category.label_zh))).all())


async def list_requests(
    session: AsyncSession,
    *,
    ids: list[str] | None,
    service_codes: list[str] | None,
    statuses: list[RequestStatus] | None,
    window: tuple[dt.datetime, dt.datetime],
    limit: int,
) -> list[RequestOut]:
    """Requests of the citizens' channels, newest first; ``ids`` overrides every other filter (spec)."""
    stmt = select(Ticket).where(Ticket.source.in_(CITIZEN_SOURCES))
    if ids:
        stmt = stmt.where(Ticket.id.in_(ids))
    else:
        stmt = stmt.where(Ticket.reported_at >= window[0], Ticket.reported_at <= window[1])
        if service_codes:
            stmt = stmt.where(Ticket.category.in_(service_codes))
        if statuses and len(set(statuses)) == 1:
            closed = Ticket.status.in_(_CLOSED)
            stmt = stmt.where(closed if statuses[0] == RequestStatus.CLOSED else ~closed)
    rows = (await session.scalars(stmt.order_by(Ticket.reported_at.desc()).limit(limit))).all()
    names = await _names(session)
    return [request_out(t, names) for t in rows]


async def get_request(session: AsyncSession, request_id: str) -> RequestOut:
    ticket = await session.get(Ticket, request_id)
    if ticket is None or ticket.source not in CITIZEN_SOURCES:
        raise not_found("service request", request_id)
    return request_out(ticket, await _names(session))
