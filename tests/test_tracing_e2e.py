"""One incident's journey as a tracing backend sees it: every process exports its spans over
OTLP/HTTP (the stack points them at a receiver the tests start), all under the caller's trace id."""

from __future__ import annotations

import pytest

from jiceng_shared.testing.journey import GRID_ORIGIN, Journey
from jiceng_shared.testing.plugin import eventually

pytestmark = pytest.mark.e2e

TRACE_ID = "5b8efff798038103d269b633813fc60c"
GRID = "320971100201002"


async def test_the_spans_of_one_incident_reach_the_collector_from_every_process_under_one_trace_id(
    stack, otlp_receiver
):
    journey = Journey(stack.url("gateway"))
    try:
        lng, lat = GRID_ORIGIN[GRID]
        body = {
            "category": "street_occupation",
            "description": "占道经营 (tracing)",
            "grid_code": GRID,
            # off the lattice of the other journeys' points, so it is not merged into their ticket
            "location": {"type": "Point", "coordinates": [lng + 0.0099, lat + 0.0050]},
        }
        headers = await journey.headers("grid_worker.bufeng") | {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
        response = await journey.client.post("/api/grid/v1/incidents", json=body, headers=headers)
        assert response.status_code == 201, response.text
        expected = {"gateway", "svc-grid", "svc-dispatch", "svc-enforcement"}

        async def all_exported() -> bool:
            return expected <= otlp_receiver.services_of_trace(TRACE_ID)

        await eventually(all_exported, timeout=40, interval=0.5)
    finally:
        await journey.close()
