"""The whole state machine: sign-for (签收) within the response limit, void (作废), park (挂账) with
the leader's approval and the clock paused, and every transition on the timeline and published;
out-of-order transitions answer 409 with a stable code and write nothing."""

import datetime as dt

from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
hotline = principal(("dept_system", XINCHENG, "h12345"), kind="client", name="12345热线平台")
market = demo_principal("dept_staff.samr.xincheng")
police = demo_principal("dept_staff.psb.bufeng")
dispatcher = demo_principal("dispatcher.xincheng")
leader = demo_principal("township_leader.xincheng")
other_leader = demo_principal("township_leader.bufeng")
MONDAY = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def complaint(**overrides) -> dict:
    return {
        "category": "consumer_complaint",
        "description": "市民反映超市销售过期食品",
        "township_code": XINCHENG,
        "caller": {"name": "王小明", "phone": "13800001234"},
    } | overrides


async def hotline_ticket(desk) -> dict:
    response = await desk.post("/tickets", complaint(), hotline)
    assert response.status_code == 201, response.text
    return response.json()


async def events(desk, ticket_id: str, kind: str) -> list[dict]:
    return [e["data"] for t, e in await desk.events_of(ticket_id) if t == kind]


# --- sign-for -----------------------------------------------------------------------------------


async def test_the_unit_signs_for_at_the_last_minute_of_the_response_limit_within_it(desk, clock):
    clock.set(MONDAY)
    ticket = await hotline_ticket(desk)
    # consumer complaints have no response limit of their own: the normal default, 240 minutes
    assert dt.datetime.fromisoformat(ticket["response_due_at"]) == MONDAY + dt.timedelta(minutes=240)
    clock.set(MONDAY + dt.timedelta(minutes=240))
    response = await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["status_zh"] == "已签收" and body["response_due_at"] is None
    assert body["timeline"][-1]["kind"] == "signed_for"
    [signed] = await events(desk, ticket["id"], "dispatch.ticket.signed_for")
    assert signed["within_limit"] is True and signed["unit"]["code"] == f"{XINCHENG}:samr"


async def test_a_sign_for_a_second_after_the_response_limit_is_late(desk, clock):
    clock.set(MONDAY)
    ticket = await hotline_ticket(desk)
    clock.set(MONDAY + dt.timedelta(minutes=240, seconds=1))
    response = await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)
    assert response.status_code == 200
    assert "超过签收时限" in response.json()["timeline"][-1]["note"]
    [signed] = await events(desk, ticket["id"], "dispatch.ticket.signed_for")
    assert signed["within_limit"] is False


async def test_the_response_limit_follows_the_setting(dispatch, desk, clock, monkeypatch):
    monkeypatch.setattr(dispatch.ctx.settings, "normal_response_minutes", 60)
    clock.set(MONDAY)
    ticket = await hotline_ticket(desk)
    assert dt.datetime.fromisoformat(ticket["response_due_at"]) == MONDAY + dt.timedelta(minutes=60)


async def test_signing_for_twice_or_a_closed_ticket_is_409_and_writes_nothing(desk):
    ticket = await hotline_ticket(desk)
    assert (await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)).status_code == 200
    before = await desk.counts()
    again = await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert again.json()["current_status"] == "accepted"
    assert await desk.counts() == before


async def test_only_the_handling_unit_signs_for(desk):
    ticket = await hotline_ticket(desk)
    assert (await desk.post(f"/tickets/{ticket['id']}/sign-for", None, police)).status_code == 404
    response = await desk.post(f"/tickets/{ticket['id']}/sign-for", None, dispatcher)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_feedback_without_a_sign_for_signs_for_on_the_way(desk):
    ticket = await hotline_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已责令下架"}, market)
    assert response.status_code == 200
    assert [s["kind"] for s in response.json()["timeline"]][-2:] == ["signed_for", "feedback"]
    assert len(await events(desk, ticket["id"], "dispatch.ticket.signed_for")) == 1


# --- void ---------------------------------------------------------------------------------------


async def test_the_centre_voids_a_report_with_its_reason(desk):
    ticket = await hotline_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/void", {"reason": "duplicate", "note": "同一来电"}, dispatcher)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "voided" and body["void_reason"] == "duplicate"
    assert body["timeline"][-1]["kind"] == "voided" and "重复上报" in body["timeline"][-1]["note"]
    [voided] = await events(desk, ticket["id"], "dispatch.ticket.voided")
    assert voided["reason"] == "duplicate: 同一来电" and voided["source"] == "hotline"
    open_ones = await desk.listed(dispatcher, status="voided")
    assert ticket["id"] in {t["id"] for t in open_ones}


async def test_voiding_needs_a_known_reason_and_a_ticket_nobody_signed_for(desk):
    ticket = await hotline_ticket(desk)
    bad = await desk.post(f"/tickets/{ticket['id']}/void", {"reason": "boring"}, dispatcher)
    assert bad.status_code == 422
    await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)
    before = await desk.counts()
    late = await desk.post(f"/tickets/{ticket['id']}/void", {"reason": "invalid"}, dispatcher)
    assert late.status_code == 409 and late.json()["code"] == "invalid_state"
    assert await desk.counts() == before
    assert (await desk.post(f"/tickets/{ticket['id']}/void", {"reason": "invalid"}, market)).status_code == 403


# --- park ---------------------------------------------------------------------------------------


async def signed_ticket(desk) -> dict:
    ticket = await hotline_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)
    assert response.status_code == 200
    return response.json()


async def test_a_parked_ticket_pauses_its_clock_and_resumes_with_the_deadline_moved(dispatch, desk, clock):
    from dispatch.supervision.jobs import scan

    clock.set(MONDAY)
    ticket = await signed_ticket(desk)
    deadline = dt.datetime.fromisoformat(ticket["deadline"])
    clock.set(MONDAY + dt.timedelta(hours=1))
    asked = await desk.post(f"/tickets/{ticket['id']}/park", {"reason": "涉及区级资金，年内无法解决"}, market)
    assert asked.status_code == 200 and asked.json()["park_requested_reason"] == "涉及区级资金，年内无法解决"
    assert asked.json()["status"] == "accepted"
    # only the township leader approves
    refused = await desk.post(f"/tickets/{ticket['id']}/park/decision", {"approved": True}, dispatcher)
    assert refused.status_code == 403
    approved = await desk.post(f"/tickets/{ticket['id']}/park/decision", {"approved": True, "note": "同意"}, leader)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "parked" and body["parked_at"] is not None and body["timeline"][-1]["kind"] == "parked"
    [parked] = await events(desk, ticket["id"], "dispatch.ticket.parked")
    assert parked["reason"] == "涉及区级资金，年内无法解决"
    # parked past its deadline: no warning, no 督办
    clock.set(deadline + dt.timedelta(days=10))
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    assert body["escalation_level"] == 0 and body["warning"] is False and body["supervision_orders"] == []
    resumed = await desk.post(f"/tickets/{ticket['id']}/resume", {"note": "资金已落实"}, dispatcher)
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    paused = deadline + dt.timedelta(days=10) - (MONDAY + dt.timedelta(hours=1))
    assert body["status"] == "accepted" and dt.datetime.fromisoformat(body["deadline"]) == deadline + paused
    [resumed_event] = await events(desk, ticket["id"], "dispatch.ticket.resumed")
    assert resumed_event["paused_seconds"] == int(paused.total_seconds())


async def test_park_out_of_order_is_409_and_writes_nothing(desk):
    ticket = await hotline_ticket(desk)
    before = await desk.counts()
    # a leader's decision without a request with written reasons
    no_request = await desk.post(f"/tickets/{ticket['id']}/park/decision", {"approved": True}, leader)
    assert no_request.status_code == 409 and no_request.json()["code"] == "no_park_request"
    # parking before signing for; resuming what is not parked
    unsigned = await desk.post(f"/tickets/{ticket['id']}/park", {"reason": "x"}, market)
    assert unsigned.status_code == 409 and unsigned.json()["code"] == "invalid_state"
    not_parked = await desk.post(f"/tickets/{ticket['id']}/resume", {}, leader)
    assert not_parked.status_code == 409
    assert await desk.counts() == before
    blank = await desk.post(f"/tickets/{ticket['id']}/park", {"reason": ""}, market)
    assert blank.status_code == 422


async def test_a_refused_park_leaves_the_ticket_running(desk):
    ticket = await signed_ticket(desk)
    await desk.post(f"/tickets/{ticket['id']}/park", {"reason": "需协调"}, market)
    refused = await desk.post(
        f"/tickets/{ticket['id']}/park/decision", {"approved": False, "note": "应按期办结"}, leader
    )
    assert refused.status_code == 200
    body = refused.json()
    assert body["status"] == "accepted" and body["park_requested_reason"] is None
    assert body["timeline"][-1]["kind"] == "park_refused"
    # another township's leader does not even see it
    other = await desk.post(f"/tickets/{ticket['id']}/park/decision", {"approved": True}, other_leader)
    assert other.status_code == 404


async def test_the_ticket_list_filters_by_the_source_incident(desk):
    incident = desk.incident()
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    duplicate = desk.incident(point=tuple(incident.location.coordinates))
    await desk.report(duplicate)
    await desk.ticket_for(duplicate)
    who = demo_principal("dispatcher.bufeng")
    assert [t["id"] for t in await desk.listed(who, incident_id=incident.incident_id)] == [ticket["id"]]
    assert [t["id"] for t in await desk.listed(who, incident_id=duplicate.incident_id)] == [ticket["id"]]
    assert await desk.listed(who, incident_id="no-such-incident") == []
