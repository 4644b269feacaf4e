"""The demo history `make run` seeds once (jiceng_shared.journeys): every journey runs through the
gateway and leaves what a newcomer should find in the lists.

On a stack of its own (the demo county's files): the journeys' records must not become the first
items other end-to-end tests find in the shared stack's lists."""

from __future__ import annotations

import asyncio

import pytest

from jiceng_shared.county import DEMO_DIR
from jiceng_shared.journeys import seed_journeys
from jiceng_shared.testing.journey import Journey

pytestmark = pytest.mark.e2e


async def test_the_demo_journeys_leave_history_in_every_loops_lists(stack_for):
    stack = await stack_for(DEMO_DIR)
    done = await asyncio.to_thread(seed_journeys, stack.url("gateway"), "demo")
    assert len(done) == 4
    journey = Journey(stack.url("gateway"))
    try:
        incidents = (await journey.get("grid_worker.bufeng", "/api/grid/v1/incidents", limit=200)).json()["items"]
        statuses = {i["status"] for i in incidents if "演示" in i["description"]}
        assert "closed" in statuses and statuses & {"dispatched", "registered"}, statuses
        cases = (await journey.get("enforcement_officer.bufeng", "/api/enforcement/v1/cases")).json()["items"]
        assert any(c["status"] == "investigating" for c in cases)
        apps = (await journey.get("window_clerk.bufeng", "/api/approval/v1/applications")).json()["items"]
        assert any(a["status"] == "awaiting_materials" for a in apps)
        fixes = (await journey.get("township_leader.bufeng", "/api/approval/v1/rectifications")).json()["items"]
        assert any(r["status"] == "open" for r in fixes)
    finally:
        await journey.close()
