"""Fixtures of svc-enforcement's tests: the running service with its demo data, a movable clock, and
helpers that drive it the way dispatch and the officers do (real NATS, real PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from enforcement.main import spec
from enforcement.testing import API, OFFICER, PAIR, assignment, lead_of_ticket
from jiceng_shared.testing.plugin import ServiceClock, eventually, headers_for


@pytest.fixture(scope="module")
async def enforcement(service_runner):
    async with service_runner(spec) as running:
        await running.seed()
        yield running


@pytest.fixture
def clock(enforcement) -> Iterator[ServiceClock]:
    """The service's clock: tests stand it on a day (a holiday eve, past a deadline) instead of waiting."""
    c = ServiceClock(enforcement.ctx)
    yield c
    c.reset()


@pytest.fixture
def new_lead(enforcement) -> Callable[..., Awaitable[dict]]:
    """Publish a ticket assignment to the township's enforcement office and wait for its lead."""

    async def make(category: str = "street_occupation", **kwargs: Any) -> dict:
        payload = assignment(category, **kwargs)
        await enforcement.publish(
            payload, subject=payload.ticket_id, township=payload.township_code, correlation_id=str(uuid.uuid4())
        )

        async def found() -> dict | None:
            return await lead_of_ticket(enforcement, payload.ticket_id)

        return await eventually(found)

    return make


@pytest.fixture
def new_case(enforcement, new_lead) -> Callable[..., Awaitable[dict]]:
    """A case opened by the demo officer pair of Bufeng on a fresh street-occupation lead."""

    async def make(category: str = "street_occupation") -> dict:
        lead = await new_lead(category)
        response = await enforcement.client.post(
            f"{API}/cases", json={"lead_id": lead["id"], "officers": PAIR}, headers=headers_for(OFFICER)
        )
        assert response.status_code == 201, response.text
        return response.json()

    return make
