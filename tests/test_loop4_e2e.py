"""Loop 4 of flows.md through the gateway (吹哨报到), over real NATS and PostgreSQL, all six processes.

A grid worker of Bufeng reports illegal construction; the centre summons the county's
natural-resources department and Bufeng's police station to the ticket with one minute to report;
the police station answers at once; the natural-resources department does not: the miss shows on
the ticket, the supervision job escalates it to the township leader, and assessment counts one
summons answered on time for the police station and one missed for the department.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from jiceng_shared import demo
from jiceng_shared.testing.journey import BUFENG, Journey, current_period

pytestmark = pytest.mark.e2e

NRP = f"{demo.COUNTY_CODE}:nrp"
PSB = f"{BUFENG}:psb"


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


async def test_two_departments_are_summoned_one_answers_one_misses(journey, stack):
    incident = await journey.report_incident("illegal_construction")
    ticket = await journey.one(
        "dispatcher.bufeng", "/api/dispatch/v1/tickets", correlation_id=incident["correlation_id"]
    )
    path = f"/api/dispatch/v1/tickets/{ticket['id']}"
    # every process stands on one clock, so the minute to report passes without waiting for it
    stack.clock.set(dt.datetime.now(dt.UTC))
    try:
        await _summon_and_miss(journey, stack, ticket, path)
    finally:
        stack.clock.reset()


async def _summon_and_miss(journey, stack, ticket, path):
    summons = await journey.ok(
        "dispatcher.bufeng",
        f"{path}/summons",
        {"unit_codes": [NRP, PSB], "purpose": "违法建设现场联合处置", "respond_within_minutes": 1},
        status=201,
    )
    by_unit = {s["unit_code"]: s for s in summons["items"]}
    # the summoned department sees the ticket and its summons
    seen = await journey.get("dept_staff.nrp", path)
    assert seen.status_code == 200 and {s["unit_code"] for s in seen.json()["summons"]} == {NRP, PSB}

    answered = await journey.ok(
        "dept_staff.psb.bufeng",
        f"/api/dispatch/v1/summons/{by_unit[PSB]['id']}/answer",
        {"arrived": True, "action": "已到场维持秩序"},
    )
    assert answered["on_time"] is True

    # a minute later the department's miss is visible, then escalated by the supervision job
    stack.clock.advance(minutes=1, seconds=30)
    missed = await journey.until(
        "dispatcher.bufeng",
        path,
        lambda t: any(s["kind"] == "summons_missed" for s in t["timeline"]),
        timeout=60,
    )
    summons_now = {s["unit_code"]: s for s in missed["summons"]}
    assert summons_now[NRP]["missed"] is True and summons_now[PSB]["missed"] is False
    [order] = [o for o in missed["supervision_orders"] if o["limit"] == "summons"]
    assert order["addressee"] == "township_leader" and order["unit_code"] == NRP
    leader_sees = await journey.get(
        "township_leader.bufeng", "/api/dispatch/v1/supervision-orders", ticket_id=ticket["id"]
    )
    assert [o["id"] for o in leader_sees.json()["items"]] == [order["id"]]

    # assessment: the police station reported on time, the department missed
    period = current_period()
    psb = await journey.until(
        "county_admin",
        f"/api/assessment/v1/units/{quote(PSB, safe='')}/indicators?period={period}",
        lambda body: body["counts"]["summons_answered_on_time"] >= 1,
    )
    assert psb["counts"]["summons_issued"] >= 1
    nrp = await journey.until(
        "county_admin",
        f"/api/assessment/v1/units/{quote(NRP, safe='')}/indicators?period={period}",
        lambda body: body["counts"]["summons_missed"] >= 1,
    )
    assert nrp["counts"]["summons_issued"] >= 1

    # Xincheng sees none of it
    assert (await journey.get("dispatcher.xincheng", path)).status_code == 404
    other = await journey.get("dispatcher.xincheng", "/api/dispatch/v1/summons", ticket_id=ticket["id"])
    assert other.json()["items"] == []
