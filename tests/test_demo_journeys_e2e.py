"""The demo history `make run` seeds once (jiceng_shared.journeys): every journey runs through the
gateway and leaves what a newcomer should find in the lists, each in the list of the role that
works with it.

On a stack of its own (the demo county's files): the journeys' records must not become the first
items other end-to-end tests find in the shared stack's lists."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from jiceng_shared.county import DEMO_DIR
from jiceng_shared.journeys import HOTLINE, JOURNEYS, seed_journeys
from jiceng_shared.testing import web
from jiceng_shared.testing.journey import Journey

pytestmark = pytest.mark.e2e


async def test_the_demo_journeys_leave_history_in_every_loops_lists(stack_for):
    stack = await stack_for(DEMO_DIR)
    done = await asyncio.to_thread(seed_journeys, stack.url("gateway"), "demo")
    assert len(done) == len(JOURNEYS) == 6
    journey = Journey(stack.url("gateway"))
    try:
        # loop 1: one incident closed, one in progress
        incidents = (await journey.get("grid_worker.bufeng", "/api/grid/v1/incidents", limit=200)).json()["items"]
        statuses = {i["status"] for i in incidents if "演示" in i["description"]}
        assert "closed" in statuses and statuses & {"dispatched", "registered"}, statuses
        cases = (await journey.get("enforcement_officer.bufeng", "/api/enforcement/v1/cases")).json()["items"]
        assert any(c["status"] == "investigating" for c in cases)

        # ... and that one overdue once its minute has passed: in the dispatcher's list and on the map
        def demo_overdue(body: dict) -> list[dict]:
            return [t for t in body["items"] if "已超期" in t["description"]]

        # every process stands on one clock moved past that minute, instead of waiting for it
        stack.clock.set(dt.datetime.now(dt.UTC))
        stack.clock.advance(minutes=2)
        try:
            listed = await journey.until(
                "dispatcher.bufeng", "/api/dispatch/v1/tickets?overdue=true", demo_overdue, timeout=60
            )
            [late] = demo_overdue(listed)
            assert late["status"] in ("dispatched", "accepted", "in_progress") and late["overdue"] is True
            points = (await journey.get("dispatcher.bufeng", "/api/dispatch/v1/map/tickets")).json()["features"]
            assert next(p for p in points if p["id"] == late["id"])["properties"]["overdue"] is True
        finally:
            stack.clock.reset()
        # the category got its county limit back: new tickets are not overdue after a minute
        category = (await journey.get("county_admin", "/api/dispatch/v1/categories/street_occupation")).json()
        assert category["limits"]["handle"] == {"value": 2, "unit": "working_days", "unit_zh": "工作日"}

        # loop 2: the hotline's complaint closed after its callback, as the hotline platform reads it
        async with web.client(stack.url("gateway")) as client:
            form = {"grant_type": "client_credentials", "client_id": HOTLINE, "client_secret": f"{HOTLINE}-secret-demo"}
            token = (await client.post("/auth/token", data=form)).json()["access_token"]
            mine = await client.get(
                "/api/dispatch/v1/tickets",
                params={"source": "hotline", "status": "closed"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert any(t["callback_result"] == "satisfied" for t in mine.json()["items"]), mine.text
        closed = (await journey.get("dispatcher.bufeng", "/api/dispatch/v1/tickets", source="hotline")).json()
        assert any(t["status"] == "closed" for t in closed["items"])

        # loop 3: an application awaiting materials, a bad rating under rectification
        apps = (await journey.get("window_clerk.bufeng", "/api/approval/v1/applications")).json()["items"]
        assert any(a["status"] == "awaiting_materials" for a in apps)
        fixes = (await journey.get("township_leader.bufeng", "/api/approval/v1/rectifications")).json()["items"]
        assert any(r["status"] == "open" for r in fixes)

        # loop 4: the summons, seen by the centre and by the police station that reported
        for user in ("dispatcher.bufeng", "dept_staff.psb.bufeng"):
            summons = (await journey.get(user, "/api/dispatch/v1/summons")).json()["items"]
            assert any(s["unit_code"] == "320971100000:psb" and s["answered_at"] for s in summons), (user, summons)
        nrp = (await journey.get("dept_staff.nrp", "/api/dispatch/v1/summons")).json()["items"]
        assert any(s["unit_code"] == "320971000000:nrp" and not s["answered_at"] for s in nrp), nrp
    finally:
        await journey.close()
