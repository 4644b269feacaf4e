"""Fixtures of svc-dispatch's tests: the running service (real PostgreSQL + NATS), a desk of helpers
to report incidents and read tickets, and a settable clock."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from dispatch.main import spec
from dispatch.tickets.models import Ticket, TicketReport, TicketStep
from jiceng_shared import demo
from jiceng_shared.contracts.common import GeoPoint
from jiceng_shared.contracts.grid import IncidentReported
from jiceng_shared.events import build_event, nats_subject
from jiceng_shared.testing.plugin import RunningService, ServiceClock, demo_principal, eventually, headers_for

BUFENG = demo.BUFENG.code
XINCHENG = demo.XINCHENG.code
#: the grid of each township the tests report from (grid_worker.<township> holds it)
GRID_OF = {BUFENG: "320971100201001", XINCHENG: "320971001001001"}


@pytest.fixture(scope="module")
async def dispatch(service_runner):
    # the supervision job makes one pass at start; tests call supervision.scan themselves
    async with service_runner(spec, supervision_scan_seconds=3600) as running:
        await running.seed()
        yield running


@pytest.fixture
def clock(dispatch) -> Iterator[ServiceClock]:
    c = ServiceClock(dispatch.ctx)
    yield c
    c.reset()


_places = itertools.count(1)


class Desk:
    """What the tests do again and again: report incidents, wait for tickets, call the API as someone."""

    def __init__(self, running: RunningService, clock: ServiceClock) -> None:
        self.running = running
        self.clock = clock
        self.admin = demo_principal("county_admin")

    grid_of = GRID_OF

    @staticmethod
    def fresh_point() -> tuple[float, float]:
        """A point ~190 m away from every other test's, so unrelated reports never count as duplicates."""
        n = next(_places)
        return (120.300 + 0.002 * (n % 400), 33.300 + 0.002 * (n // 400))

    @staticmethod
    def east_of(point: tuple[float, float], meters: float) -> tuple[float, float]:
        return (point[0] + meters / (111_320 * math.cos(math.radians(point[1]))), point[1])

    def incident(
        self,
        township: str = BUFENG,
        category: str = "street_occupation",
        *,
        point: tuple[float, float] | None = None,
        reported_at: dt.datetime | None = None,
        incident_id: str | None = None,
    ) -> IncidentReported:
        incident_id = incident_id or str(uuid.uuid4())
        return IncidentReported(
            incident_id=incident_id,
            number=f"SJ-{township[:9]}-2026-{incident_id[:6]}",
            category=category,
            description="商贩占用人行道经营",
            location=GeoPoint(coordinates=point or self.fresh_point()),
            grid_code=GRID_OF[township],
            township_code=township,
            reporter_id="demo-grid_worker",
            reported_at=reported_at or self.clock.now(),
        )

    async def report(self, incident: IncidentReported, *, times: int = 1) -> str:
        """Publish the incident as svc-grid does; ``times`` > 1 sends the same CloudEvent again under
        another Nats-Msg-Id (a redelivery JetStream cannot recognise)."""
        event = build_event(
            incident,
            source="/svc-grid",
            subject=incident.incident_id,
            township=incident.township_code,
            correlation_id=incident.incident_id,
        )
        js = await self.running.ctx.bus.wait_ready()
        for _ in range(times):
            await js.publish(
                nats_subject(self.running.prefix, incident.event_type),
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(uuid.uuid4())},
            )
        return event.id

    async def ticket_for(self, incident: IncidentReported) -> dict[str, Any]:
        """The ticket the incident ended linked to (waits until the event is handled)."""

        async def linked() -> str | None:
            async with self.running.ctx.db.session() as session:
                return await session.scalar(
                    select(TicketReport.ticket_id).where(TicketReport.source_ref == incident.incident_id)
                )

        ticket_id = await eventually(linked)
        return await self.get(ticket_id)

    async def get(self, ticket_id: str, who: Any = None, *, status: int = 200) -> dict[str, Any]:
        response = await self.running.client.get(
            f"/api/dispatch/v1/tickets/{ticket_id}", headers=headers_for(who or self.admin)
        )
        assert response.status_code == status, response.text
        return response.json()

    async def listed(self, who: Any, **params: Any) -> list[dict[str, Any]]:
        response = await self.running.client.get(
            "/api/dispatch/v1/tickets", params=params | {"limit": 200}, headers=headers_for(who)
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def post(self, path: str, body: Any, who: Any) -> Any:
        return await self.running.client.post(f"/api/dispatch/v1{path}", json=body, headers=headers_for(who))

    async def wait_status(self, ticket_id: str, status: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            body = await self.get(ticket_id)
            return body if body["status"] == status else None

        return await eventually(reached)

    async def events_of(self, ticket_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The events written for a ticket, in the order the relay publishes them."""
        import json

        outbox = self.running.ctx.db.infra.outbox
        async with self.running.ctx.db.session() as session:
            rows = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.created_at))).all()
        envelopes = [json.loads(r.envelope) for r in rows]
        return [(e["type"].removeprefix("gov.jiceng."), e) for e in envelopes if e["subject"] == ticket_id]

    async def counts(self) -> tuple[int, int, int, int]:
        """Rows of tickets, reports, steps and outbox events: what a refused request must not change."""
        outbox = self.running.ctx.db.infra.outbox
        async with self.running.ctx.db.session() as session:
            return tuple(
                [
                    await session.scalar(select(func.count()).select_from(t))
                    for t in (Ticket, TicketReport, TicketStep, outbox)
                ]
            )  # type: ignore[return-value]


@pytest.fixture
def desk(dispatch, clock) -> Desk:
    return Desk(dispatch, clock)
