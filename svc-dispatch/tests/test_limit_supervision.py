"""Supervision of every limit: the dispatch limit (urgent 10 / normal 30 minutes) while nobody holds
the ticket, the response limit until the unit signs for it, the handling limit — each a warning,
then supervision orders (督办单) with an addressee, a demanded answer and its own deadline, level by
level; the job never issues an order twice."""

import datetime as dt

from dispatch.supervision.jobs import scan
from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
hotline = principal(("dept_system", XINCHENG, "h12345"), kind="client", name="12345热线平台")
market = demo_principal("dept_staff.samr.xincheng")
police = demo_principal("dept_staff.psb.bufeng")
dispatcher = demo_principal("dispatcher.bufeng")
leader = demo_principal("township_leader.bufeng")
MONDAY = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


async def orders(desk, ticket_id: str, limit: str | None = None) -> list[dict]:
    body = await desk.get(ticket_id)
    return [o for o in body["supervision_orders"] if limit is None or o["limit"] == limit]


async def issued(desk, ticket_id: str) -> list[dict]:
    return [e["data"] for t, e in await desk.events_of(ticket_id) if t == "dispatch.supervision.issued"]


async def returned_ticket(desk, clock, category: str) -> tuple[dict, dt.datetime]:
    """A ticket its unit returned at MONDAY + 1 h: the centre's dispatch clock runs from then."""
    clock.set(MONDAY)
    incident = desk.incident(category=category)
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    returned_at = MONDAY + dt.timedelta(hours=1)
    clock.set(returned_at)
    unit_staff = (
        police if ticket["unit"]["dept"] == "psb" else principal(("dept_staff", BUFENG, ticket["unit"]["dept"]))
    )
    response = await desk.post(f"/tickets/{ticket['id']}/return", {"reason": "不属本单位职责"}, unit_staff)
    assert response.status_code == 200, response.text
    return response.json(), returned_at


async def test_a_returned_ticket_is_warned_then_supervised_at_the_normal_dispatch_limit(dispatch, desk, clock):
    ticket, start = await returned_ticket(desk, clock, "street_occupation")  # normal: 30 minutes
    due = start + dt.timedelta(minutes=30)
    assert dt.datetime.fromisoformat(ticket["dispatch_due_at"]) == due
    clock.set(start + dt.timedelta(minutes=23, seconds=59))  # warning after 0.8 × 30 min = 24 min
    await scan(dispatch.ctx)
    assert not any(s["kind"] == "warning" for s in (await desk.get(ticket["id"]))["timeline"])
    clock.set(start + dt.timedelta(minutes=24))
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    assert [s["note"] for s in body["timeline"] if s["kind"] == "warning"] == ["临期预警：派遣时限 2026-11-02 10:30"]
    clock.set(due)
    await scan(dispatch.ctx)
    assert await orders(desk, ticket["id"]) == []
    clock.set(due + dt.timedelta(seconds=1))
    await scan(dispatch.ctx)
    await scan(dispatch.ctx)
    [order] = await orders(desk, ticket["id"])
    assert order["limit"] == "dispatch" and order["level"] == 1 and order["addressee"] == "centre_head"
    assert order["unit_code"] is None and "书面答复" in order["demand"] and order["answered_at"] is None
    # answered by the end of the next working day (Tuesday)
    assert dt.datetime.fromisoformat(order["answer_by"]) == dt.datetime(2026, 11, 3, 23, 59, 59, tzinfo=SHANGHAI)
    [event] = await issued(desk, ticket["id"])
    assert event["limit"] == "dispatch" and event["level"] == 1 and event["order_id"] == order["id"]
    # level 2 an hour after the limit: the township leader
    clock.set(due + dt.timedelta(minutes=60))
    await scan(dispatch.ctx)
    assert len(await orders(desk, ticket["id"])) == 1
    clock.set(due + dt.timedelta(minutes=60, seconds=1))
    await scan(dispatch.ctx)
    await scan(dispatch.ctx)
    levels = [(o["level"], o["addressee"]) for o in await orders(desk, ticket["id"])]
    assert levels == [(1, "centre_head"), (2, "township_leader")]
    assert [e["level"] for e in await issued(desk, ticket["id"])] == [1, 2]
    # dispatched again: the dispatch clock stops
    response = await desk.post(
        f"/tickets/{ticket['id']}/reassign", {"unit_code": f"{BUFENG}:hud", "reason": "由建设办处理"}, dispatcher
    )
    assert response.status_code == 200 and response.json()["dispatch_due_at"] is None


async def test_an_urgent_ticket_must_be_dispatched_again_within_10_minutes(dispatch, desk, clock):
    ticket, start = await returned_ticket(desk, clock, "public_security_hazard")  # urgent
    due = start + dt.timedelta(minutes=10)
    assert dt.datetime.fromisoformat(ticket["dispatch_due_at"]) == due
    clock.set(due)
    await scan(dispatch.ctx)
    assert await orders(desk, ticket["id"], "dispatch") == []
    clock.set(due + dt.timedelta(seconds=1))
    await scan(dispatch.ctx)
    assert len(await orders(desk, ticket["id"], "dispatch")) == 1


async def test_the_dispatch_limit_follows_the_category(dispatch, desk, clock, monkeypatch):
    from dispatch.seed import default_categories

    # the seeded limits come from the settings: urgent 10, normal 30
    limits = {c.code: c.dispatch_limit_minutes for c in default_categories()}
    assert limits["public_security_hazard"] == 10 and limits["street_occupation"] == 30
    limits = {c.code: c.dispatch_limit_minutes for c in default_categories(urgent_dispatch_minutes=5)}
    assert limits["public_security_hazard"] == 5


async def hotline_ticket(desk) -> dict:
    body = {"category": "consumer_complaint", "description": "超市销售过期食品", "township_code": XINCHENG}
    response = await desk.post("/tickets", body, hotline)
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_unsigned_ticket_is_supervised_at_its_response_limit_and_the_unit_answers(dispatch, desk, clock):
    clock.set(MONDAY)
    ticket = await hotline_ticket(desk)
    due = MONDAY + dt.timedelta(minutes=240)
    clock.set(MONDAY + dt.timedelta(minutes=191, seconds=59))  # warning after 0.8 × 240 = 192 min
    await scan(dispatch.ctx)
    assert not any(s["kind"] == "warning" for s in (await desk.get(ticket["id"]))["timeline"])
    clock.set(MONDAY + dt.timedelta(minutes=192))
    await scan(dispatch.ctx)
    assert any("签收时限" in s["note"] for s in (await desk.get(ticket["id"]))["timeline"] if s["kind"] == "warning")
    clock.set(due)
    await scan(dispatch.ctx)
    assert await orders(desk, ticket["id"]) == []
    clock.set(due + dt.timedelta(seconds=1))
    await scan(dispatch.ctx)
    [order] = await orders(desk, ticket["id"])
    assert order["limit"] == "response" and order["addressee"] == "unit_head"
    assert order["addressee_name"].endswith("负责人") and order["unit_code"] == f"{XINCHENG}:samr"
    # the addressee answers, once; nobody else
    other = await desk.post(
        f"/supervision-orders/{order['id']}/answer", {"answer": "x"}, demo_principal("dispatcher.xincheng")
    )
    assert other.status_code == 403 and other.json()["code"] == "not_addressee"
    answered = await desk.post(f"/supervision-orders/{order['id']}/answer", {"answer": "人手不足，已安排签收"}, market)
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"] == "人手不足，已安排签收" and answered.json()["overdue"] is False
    again = await desk.post(f"/supervision-orders/{order['id']}/answer", {"answer": "再答"}, market)
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    body = await desk.get(ticket["id"])
    assert body["timeline"][-1]["kind"] == "supervision_answered"
    # signing for stops the response clock: no level 2
    await desk.post(f"/tickets/{ticket['id']}/sign-for", None, market)
    clock.set(due + dt.timedelta(hours=5))
    await scan(dispatch.ctx)
    assert len(await orders(desk, ticket["id"], "response")) == 1


async def test_an_unanswered_order_is_overdue_after_its_answer_deadline(dispatch, desk, clock):
    clock.set(MONDAY)
    ticket = await hotline_ticket(desk)
    clock.set(MONDAY + dt.timedelta(minutes=241))
    await scan(dispatch.ctx)
    [order] = await orders(desk, ticket["id"])
    clock.set(dt.datetime.fromisoformat(order["answer_by"]))
    assert (await orders(desk, ticket["id"]))[0]["overdue"] is False
    clock.set(dt.datetime.fromisoformat(order["answer_by"]) + dt.timedelta(seconds=1))
    assert (await orders(desk, ticket["id"]))[0]["overdue"] is True
    response = await desk.running.client.get(
        "/api/dispatch/v1/supervision-orders",
        params={"ticket_id": ticket["id"], "answered": "false"},
        headers=headers_for(market),
    )
    assert [o["id"] for o in response.json()["items"]] == [order["id"]]


async def test_the_handling_limit_issues_orders_to_the_unit_head_then_the_township_leader(dispatch, desk, clock):
    clock.set(MONDAY)
    incident = desk.incident(category="public_security_hazard")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    await desk.post(f"/tickets/{ticket['id']}/sign-for", None, police)
    deadline = dt.datetime.fromisoformat(ticket["deadline"])
    clock.set(deadline + dt.timedelta(seconds=1))
    await scan(dispatch.ctx)
    clock.set(dt.datetime(2026, 11, 11, 0, 0, tzinfo=SHANGHAI))  # level 2: five working days later
    await scan(dispatch.ctx)
    await scan(dispatch.ctx)
    handling = await orders(desk, ticket["id"], "handling")
    assert [(o["level"], o["addressee"]) for o in handling] == [(1, "unit_head"), (2, "township_leader")]
    answered = await desk.post(f"/supervision-orders/{handling[1]['id']}/answer", {"answer": "已约谈派出所"}, leader)
    assert answered.status_code == 200
    # another township's dispatcher sees none of it
    response = await desk.running.client.get(
        "/api/dispatch/v1/supervision-orders",
        params={"ticket_id": ticket["id"]},
        headers=headers_for(demo_principal("dispatcher.xincheng")),
    )
    assert response.json()["items"] == []


async def test_the_centre_supervises_by_hand_and_the_addressee_answers(desk):
    ticket = await hotline_ticket(desk)
    centre = demo_principal("dispatcher.xincheng")
    response = await desk.post(
        f"/tickets/{ticket['id']}/supervision-orders", {"addressee": "unit_head", "demand": "群众反复来电"}, centre
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["limit"] == "manual" and order["level"] == 1 and "群众反复来电" in order["demand"]
    assert [e["limit"] for e in await issued(desk, ticket["id"])] == ["manual"]
    answered = await desk.post(f"/supervision-orders/{order['id']}/answer", {"answer": "今日办结"}, market)
    assert answered.status_code == 200
    # a closed set of addressees, and nobody supervises what another township holds
    bad = await desk.post(f"/tickets/{ticket['id']}/supervision-orders", {"addressee": "mayor", "demand": ""}, centre)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"addressee", "demand"}
    other = await desk.post(
        f"/tickets/{ticket['id']}/supervision-orders", {"addressee": "unit_head", "demand": "x"}, dispatcher
    )
    assert other.status_code == 404
