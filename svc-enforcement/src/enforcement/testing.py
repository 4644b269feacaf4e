"""Test support for svc-enforcement (used by its tests and by end-to-end tests): demo principals,
ticket assignments as dispatch publishes them, and readers of the event stream."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import nats
from sqlalchemy import func, select

from jiceng_shared import demo, units
from jiceng_shared.contracts.common import GeoPoint, UnitRef
from jiceng_shared.contracts.dispatch import TicketAssigned
from jiceng_shared.events import CloudEvent, nats_subject
from jiceng_shared.testing.plugin import demo_principal, eventually, headers_for

API = "/api/enforcement/v1"
BUFENG = demo.BUFENG.code
XINCHENG = demo.XINCHENG.code
GRID_A = "320971100201001"
GRID_B = "320971001001001"

OFFICER = demo_principal("enforcement_officer.bufeng")
OFFICER2 = demo_principal("enforcement_officer2.bufeng")
OFFICER_B = demo_principal("enforcement_officer.xincheng")
REVIEWER = demo_principal("legal_reviewer.bufeng")
LEADER = demo_principal("township_leader.bufeng")
ADMIN = demo_principal("county_admin")
AUDITOR = demo_principal("auditor")
NRP_STAFF = demo_principal("dept_staff.nrp")
PAIR = ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]


def assignment(
    category: str = "street_occupation",
    *,
    township: str = BUFENG,
    area: str = GRID_A,
    unit: UnitRef | None = None,
    ticket_id: str | None = None,
    assigned_at: dt.datetime | None = None,
) -> TicketAssigned:
    ticket_id = ticket_id or str(uuid.uuid4())
    return TicketAssigned(
        ticket_id=ticket_id,
        number=f"GD-{township[:9]}-2026-{ticket_id[:6]}",
        category=category,
        description="商贩占用人行道经营" if category == "street_occupation" else "群众反映的问题",
        location=GeoPoint(coordinates=(120.305, 33.305)),
        township_code=township,
        area_code=area,
        unit=unit or units.township_office(township, "cle"),
        assigned_at=assigned_at or dt.datetime.now(dt.UTC),
        source="grid",
        source_ref=str(uuid.uuid4()),
    )


async def lead_of_ticket(svc: Any, ticket_id: str) -> dict | None:
    response = await svc.client.get(f"{API}/leads", params={"ticket_id": ticket_id}, headers=headers_for(ADMIN))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return items[0] if items else None


async def count_rows(svc: Any, *tables: Any) -> tuple[int, ...]:
    """Row counts of ORM classes or tables (e.g. the outbox), to prove a refusal wrote nothing."""
    async with svc.ctx.db.session() as session:
        return tuple([await session.scalar(select(func.count()).select_from(t)) for t in tables])


async def published(svc: Any, short_type: str) -> list[CloudEvent]:
    """Every event of this type on the service's stream, read with a throw-away consumer."""
    nc = await nats.connect(svc.ctx.settings.nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(nats_subject(svc.prefix, short_type), stream=svc.ctx.bus.stream)
        pending = (await sub.consumer_info()).num_pending
        events: list[CloudEvent] = []
        while len(events) < pending:
            for msg in await sub.fetch(pending - len(events), timeout=5):
                events.append(CloudEvent.model_validate_json(msg.data))
        await sub.unsubscribe()
        return events
    finally:
        await nc.close()


async def wait_for_event(svc: Any, short_type: str, predicate: Callable[[CloudEvent], bool]) -> CloudEvent:
    async def check() -> CloudEvent | None:
        return next((e for e in await published(svc, short_type) if predicate(e)), None)

    return await eventually(check)


async def drained(svc: Any) -> bool:
    """Every event on the stream has been delivered to the service's consumers and acknowledged."""
    js = svc.ctx.bus.js
    for sub in svc.ctx.consumers.subscriptions:
        info = await js.consumer_info(svc.ctx.bus.stream, svc.ctx.consumers.durable(sub))
        if info.num_pending or info.num_ack_pending:
            return False
    return True
