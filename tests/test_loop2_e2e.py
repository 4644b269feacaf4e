"""Loop 2 of flows.md through the gateway, over real NATS and PostgreSQL, with all six processes.

The 12345 hotline platform (client credentials) posts a citizen's complaint about a shop in
Xincheng; dispatch routes it to Xincheng's stationed market-regulation office, whose staff sign
for it and give feedback; the centre verifies; the hotline calls the citizen back: dissatisfied,
so the ticket is reopened and reworked; the centre calls back again: satisfied, and the ticket
closes. The hotline reads the outcome back through its own API, the caller is masked for the
office, and assessment counts the closure and the rework for the office. Bufeng sees none of it.

The variant where the handling limit passes first stands every process on one clock
(``stack.clock``) and travels past the deadline: the supervision job escalates the ticket (督办)
with a supervision order to the office's head, the ticket still closes after its callback, late,
and assessment counts the escalation for the office.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import quote

import pytest

from jiceng_shared import demo
from jiceng_shared.testing.journey import Journey, current_period
from jiceng_shared.workdays import COUNTY_ZONE

pytestmark = pytest.mark.e2e

XINCHENG = demo.XINCHENG.code
OFFICE = f"{XINCHENG}:samr"
HOTLINE = "client.hotline12345"
STAFF = "dept_staff.samr.xincheng"
CENTRE = "dispatcher.xincheng"


@pytest.fixture
async def journey(stack, platform):
    j = Journey(stack.url("gateway"))
    # the hotline platform logs in with client credentials (the conftest's platform does that)
    j._tokens[HOTLINE] = (await platform.login(HOTLINE)).token
    yield j
    await j.close()


async def test_a_hotline_complaint_is_handled_called_back_reworked_and_closed(journey):
    call = f"12345-{uuid.uuid4().hex[:10]}"
    ticket = await journey.ok(
        HOTLINE,
        "/api/dispatch/v1/tickets",
        {
            "category": "consumer_complaint",
            "description": "市民来电：超市销售过期食品",
            "township_code": XINCHENG,
            "caller": {"name": "王小明", "phone": "13800001234"},
            "external_ref": call,
        },
        status=201,
    )
    path = f"/api/dispatch/v1/tickets/{ticket['id']}"
    assert ticket["source"] == "hotline" and ticket["unit"]["code"] == OFFICE and ticket["status"] == "dispatched"
    assert ticket["response_due_at"] and ticket["deadline"]

    # the office sees it (callers masked), signs for it and handles it
    seen = await journey.get(STAFF, path)
    assert seen.status_code == 200 and seen.json()["caller"] == {"name": "王**", "phone": "138****1234"}
    signed = await journey.ok(STAFF, f"{path}/sign-for")
    assert signed["status"] == "accepted" and signed["signed_at"]
    await journey.ok(STAFF, f"{path}/feedback", {"outcome": "已责令下架过期食品并立案调查"})
    verified = await journey.ok(CENTRE, f"{path}/verification", {"passed": True, "note": "现场核实已下架"})
    assert verified["status"] == "callback_pending"

    # the hotline calls the citizen back: dissatisfied → reopened, once
    reopened = await journey.ok(HOTLINE, f"{path}/callback", {"result": "dissatisfied", "note": "仍有过期商品"})
    assert reopened["status"] == "reopened" and reopened["rework_count"] == 1
    await journey.ok(STAFF, f"{path}/feedback", {"outcome": "全面清查货架，已全部下架"})
    await journey.ok(CENTRE, f"{path}/verification", {"passed": True})
    closed = await journey.ok(CENTRE, f"{path}/callback", {"result": "satisfied", "note": "问题已解决"})
    assert closed["status"] == "closed" and closed["on_time"] is True and closed["callback_count"] == 2
    assert [c["result"] for c in closed["callbacks"]] == ["dissatisfied", "satisfied"]
    kinds = [s["kind"] for s in closed["timeline"]]
    for kind in ("received", "dispatched", "signed_for", "feedback", "verification_passed", "callback", "reopened"):
        assert kind in kinds, kind
    assert kinds[-1] == "closed"

    # the originating system reads the outcome back through its client-credential API
    back = await journey.get(HOTLINE, "/api/dispatch/v1/tickets", source="hotline", status="closed")
    mine = next(t for t in back.json()["items"] if t["id"] == ticket["id"])
    assert mine["source_ref"] == call and mine["callback_result"] == "satisfied"
    assert (await journey.get(HOTLINE, path)).json()["caller"]["name"] == "王小明"
    assert (await journey.get(CENTRE, path)).json()["caller"]["phone"] == "13800001234"

    # assessment: one closure and one rework for the office
    unit_path = f"/api/assessment/v1/units/{quote(OFFICE, safe='')}/indicators"
    indicators = await journey.until(
        "township_leader.xincheng",
        f"{unit_path}?period={current_period()}",
        lambda body: body["counts"]["closed"] >= 1 and body["counts"]["reworked"] >= 1,
    )
    assert indicators["unit"]["code"] == OFFICE

    # Bufeng sees none of it
    for user in ("dispatcher.bufeng", "dept_staff.samr.bufeng", "township_leader.bufeng"):
        assert (await journey.get(user, path)).status_code == 404, user


async def test_the_handling_limit_passes_first_and_the_ticket_is_escalated_then_closed_late(stack, journey):
    now = dt.datetime.now(COUNTY_ZONE)
    unit_path = f"/api/assessment/v1/units/{quote(OFFICE, safe='')}/indicators?period={current_period()}"
    before = (await journey.get("township_leader.xincheng", unit_path)).json()["counts"]["escalated"]
    # the first working hours of this month: the deadline and its 督办 fall in the same period
    start = dt.datetime(now.year, now.month, 2, 9, tzinfo=COUNTY_ZONE)
    stack.clock.set(start)
    try:
        ticket = await journey.ok(
            HOTLINE,
            "/api/dispatch/v1/tickets",
            {
                "category": "consumer_complaint",
                "description": "市民来电：商场消防通道被占用",
                "township_code": XINCHENG,
                "caller": {"name": "李四", "phone": "13900004321"},
                "external_ref": f"12345-{uuid.uuid4().hex[:10]}",
            },
            status=201,
        )
        path = f"/api/dispatch/v1/tickets/{ticket['id']}"
        await journey.ok(STAFF, f"{path}/sign-for")
        deadline = dt.datetime.fromisoformat(ticket["deadline"])
        assert deadline > start

        stack.clock.set(deadline + dt.timedelta(minutes=5))  # the limit passed: the job escalates
        escalated = await journey.until(CENTRE, path, lambda t: t["escalation_level"] >= 1, timeout=90)
        assert "escalated" in [s["kind"] for s in escalated["timeline"]]
        orders = [o for o in escalated["supervision_orders"] if o["limit"] == "handling"]
        assert orders and orders[0]["addressee"] == "unit_head"

        await journey.ok(STAFF, f"{path}/feedback", {"outcome": "已清理消防通道"})
        await journey.ok(CENTRE, f"{path}/verification", {"passed": True})
        closed = await journey.ok(CENTRE, f"{path}/callback", {"result": "satisfied"})
        assert closed["status"] == "closed" and closed["on_time"] is False
    finally:
        stack.clock.reset()

    indicators = await journey.until(
        "township_leader.xincheng", unit_path, lambda body: body["counts"]["escalated"] > before, timeout=60
    )
    assert indicators["unit"]["code"] == OFFICE
