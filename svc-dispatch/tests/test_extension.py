"""Extensions (延期): the unit asks before the deadline with reasons, within the category's maximum
(consumer complaints: 10 working days in all); the centre or the township leader decides."""

import datetime as dt

from dispatch.supervision.jobs import scan
from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG = demo.BUFENG.code
market = demo_principal("dept_staff.samr.bufeng")
dispatcher = demo_principal("dispatcher.bufeng")


async def complaint(desk, clock) -> dict:
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))  # Monday; 5 working days → Mon 9 Nov
    response = await desk.post(
        "/tickets",
        {"category": "consumer_complaint", "description": "商品质量投诉", "township_code": BUFENG},
        dispatcher,
    )
    ticket = response.json()
    assert dt.datetime.fromisoformat(ticket["deadline"]) == dt.datetime(2026, 11, 9, 23, 59, 59, tzinfo=SHANGHAI)
    return ticket


async def test_an_approved_extension_moves_the_deadline_by_working_days(desk, clock):
    ticket = await complaint(desk, clock)
    asked = await desk.post(f"/tickets/{ticket['id']}/extension", {"value": 3, "reason": "需抽样检测"}, market)
    assert asked.status_code == 200, asked.text
    assert asked.json()["extension"] == {
        "max_value": 10,
        "granted_value": 0,
        "requested_value": 3,
        "reason": "需抽样检测",
    }
    refused = await desk.post(f"/tickets/{ticket['id']}/extension/decision", {"approved": True}, market)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    decided = await desk.post(
        f"/tickets/{ticket['id']}/extension/decision", {"approved": True}, demo_principal("township_leader.bufeng")
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert dt.datetime.fromisoformat(body["deadline"]) == dt.datetime(2026, 11, 12, 23, 59, 59, tzinfo=SHANGHAI)
    assert body["extension"]["granted_value"] == 3 and body["extension"]["requested_value"] is None
    kind, envelope = (await desk.events_of(ticket["id"]))[-1]
    assert kind == "dispatch.ticket.extended" and envelope["data"]["value"] == 3
    # supervision follows the new deadline
    clock.set(dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI))
    await scan(desk.running.ctx)
    assert (await desk.get(ticket["id"]))["escalation_level"] == 0


async def test_extensions_add_up_to_at_most_ten_working_days(desk, clock):
    ticket = await complaint(desk, clock)
    await desk.post(f"/tickets/{ticket['id']}/extension", {"value": 7, "reason": "复杂"}, market)
    await desk.post(f"/tickets/{ticket['id']}/extension/decision", {"approved": True}, dispatcher)
    before = await desk.counts()
    too_much = await desk.post(f"/tickets/{ticket['id']}/extension", {"value": 4, "reason": "仍需时间"}, market)
    assert too_much.status_code == 422 and too_much.json()["code"] == "extension_exceeds_limit"
    assert await desk.counts() == before
    enough = await desk.post(f"/tickets/{ticket['id']}/extension", {"value": 3, "reason": "仍需时间"}, market)
    assert enough.status_code == 200


async def test_a_refused_extension_leaves_the_deadline(desk, clock):
    ticket = await complaint(desk, clock)
    await desk.post(f"/tickets/{ticket['id']}/extension", {"value": 2, "reason": "人手不足"}, market)
    refused = await desk.post(
        f"/tickets/{ticket['id']}/extension/decision", {"approved": False, "note": "应按期办结"}, dispatcher
    )
    assert refused.json()["deadline"] == ticket["deadline"] and refused.json()["extension"]["granted_value"] == 0
    again = await desk.post(f"/tickets/{ticket['id']}/extension/decision", {"approved": True}, dispatcher)
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


async def test_no_extension_after_the_deadline_or_for_categories_without_one(desk, clock):
    ticket = await complaint(desk, clock)
    clock.set(dt.datetime(2026, 11, 10, 0, 0, tzinfo=SHANGHAI))
    late = await desk.post(f"/tickets/{ticket['id']}/extension", {"value": 1, "reason": "x"}, market)
    assert late.status_code == 422 and late.json()["code"] == "deadline_passed"
    incident = desk.incident(category="public_security_hazard")  # 24 hours, no extension
    await desk.report(incident)
    hazard = await desk.ticket_for(incident)
    response = await desk.post(
        f"/tickets/{hazard['id']}/extension", {"value": 2, "reason": "x"}, demo_principal("dept_staff.psb.bufeng")
    )
    assert response.status_code == 422 and response.json()["code"] == "extension_not_allowed"
