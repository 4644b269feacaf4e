"""Summons (街乡吹哨、部门报到, loop 4): the centre summons departments to a ticket; each answers within
its time (30 minutes by default); a miss is marked on the ticket once and escalated to the township
leader; the summoned department sees the ticket; issues and answers are published for assessment."""

import datetime as dt

from dispatch.supervision.jobs import scan
from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG = demo.BUFENG.code
COUNTY = demo.COUNTY_CODE
dispatcher = demo_principal("dispatcher.bufeng")
leader = demo_principal("township_leader.bufeng")
nrp = demo_principal("dept_staff.nrp")
police = demo_principal("dept_staff.psb.bufeng")
MONDAY = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


async def construction_ticket(desk) -> dict:
    incident = desk.incident(category="street_occupation")
    await desk.report(incident)
    return await desk.ticket_for(incident)


async def summon(desk, ticket: dict, **overrides) -> list[dict]:
    body = {"unit_codes": [f"{COUNTY}:nrp", f"{BUFENG}:psb"], "purpose": "违法建设现场联合处置"} | overrides
    response = await desk.post(f"/tickets/{ticket['id']}/summons", body, dispatcher)
    assert response.status_code == 201, response.text
    return response.json()["items"]


async def test_two_departments_are_summoned_one_answers_one_misses(dispatch, desk, clock):
    clock.set(MONDAY)
    ticket = await construction_ticket(desk)
    await desk.get(ticket["id"], nrp, status=404)
    made = await summon(desk, ticket)
    assert [s["unit_code"] for s in made] == [f"{COUNTY}:nrp", f"{BUFENG}:psb"]
    due = MONDAY + dt.timedelta(minutes=30)
    assert all(dt.datetime.fromisoformat(s["respond_by"]) == due for s in made)
    issued = [e["data"] for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.summons.issued"]
    assert [e["unit"]["code"] for e in issued] == [f"{COUNTY}:nrp", f"{BUFENG}:psb"]
    # the summoned county department sees the ticket now
    assert (await desk.get(ticket["id"], nrp))["id"] == ticket["id"]
    by_code = {s["unit_code"]: s for s in made}
    # the police station answers at the last minute: on time
    clock.set(due)
    answered = await desk.post(
        f"/summons/{by_code[f'{BUFENG}:psb']['id']}/answer", {"arrived": True, "action": "已到场维持秩序"}, police
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["on_time"] is True and answered.json()["missed"] is False
    [answer] = [e["data"] for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.summons.answered"]
    assert answer["on_time"] is True and answer["unit"]["code"] == f"{BUFENG}:psb"
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    assert not any(s["kind"] == "summons_missed" for s in body["timeline"])
    # a second later the natural-resources department has missed it: marked once, escalated once
    clock.set(due + dt.timedelta(seconds=1))
    await scan(dispatch.ctx)
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    summons = {s["unit_code"]: s for s in body["summons"]}
    assert summons[f"{COUNTY}:nrp"]["missed"] is True and summons[f"{COUNTY}:nrp"]["missed_at"] is not None
    assert summons[f"{BUFENG}:psb"]["missed"] is False
    assert sum(s["kind"] == "summons_missed" for s in body["timeline"]) == 1
    [order] = [o for o in body["supervision_orders"] if o["limit"] == "summons"]
    assert order["addressee"] == "township_leader" and order["unit_code"] == f"{COUNTY}:nrp"
    response = await desk.post(f"/supervision-orders/{order['id']}/answer", {"answer": "已约谈自然资源局"}, leader)
    assert response.status_code == 200
    # a late answer is still recorded, not on time
    late = await desk.post(
        f"/summons/{summons[f'{COUNTY}:nrp']['id']}/answer", {"arrived": False, "action": "明日到场"}, nrp
    )
    assert late.status_code == 200 and late.json()["on_time"] is False


async def test_the_time_to_report_follows_the_setting_and_the_summons(dispatch, desk, clock, monkeypatch):
    clock.set(MONDAY)
    ticket = await construction_ticket(desk)
    [own] = await summon(desk, ticket, unit_codes=[f"{BUFENG}:psb"], respond_within_minutes=90)
    assert dt.datetime.fromisoformat(own["respond_by"]) == MONDAY + dt.timedelta(minutes=90)
    monkeypatch.setattr(dispatch.ctx.settings, "summons_respond_minutes", 45)
    [default] = await summon(desk, ticket, unit_codes=[f"{COUNTY}:nrp"])
    assert dt.datetime.fromisoformat(default["respond_by"]) == MONDAY + dt.timedelta(minutes=45)


async def test_bad_summons_name_every_bad_unit_and_write_nothing(desk):
    ticket = await construction_ticket(desk)
    before = await desk.counts()
    response = await desk.post(
        f"/tickets/{ticket['id']}/summons",
        {"unit_codes": ["320971000000:nobody", f"{demo.XINCHENG.code}:psb"], "purpose": "x"},
        dispatcher,
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert {e["field"] for e in response.json()["errors"]} == {"unit_codes[0]", "unit_codes[1]"}
    assert await desk.counts() == before
    [s] = await summon(desk, ticket, unit_codes=[f"{BUFENG}:psb"])
    again = await desk.post(
        f"/tickets/{ticket['id']}/summons", {"unit_codes": [f"{BUFENG}:psb"], "purpose": "再次"}, dispatcher
    )
    assert again.status_code == 409 and again.json()["code"] == "already_summoned"
    first = await desk.post(f"/summons/{s['id']}/answer", {"arrived": True, "action": "到"}, police)
    assert first.status_code == 200
    twice = await desk.post(f"/summons/{s['id']}/answer", {"arrived": True, "action": "到"}, police)
    assert twice.status_code == 409 and twice.json()["code"] == "already_answered"


async def test_only_the_centre_or_the_leader_summons_and_only_the_summoned_unit_answers(desk):
    ticket = await construction_ticket(desk)
    body = {"unit_codes": [f"{BUFENG}:psb"], "purpose": "x"}
    refused = await desk.post(f"/tickets/{ticket['id']}/summons", body, police)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    other = await desk.post(f"/tickets/{ticket['id']}/summons", body, demo_principal("dispatcher.xincheng"))
    assert other.status_code == 404
    response = await desk.post(f"/tickets/{ticket['id']}/summons", body, leader)
    assert response.status_code == 201
    [s] = response.json()["items"]
    # the county's natural-resources staff do not see a summons of the police station
    wrong = await desk.post(f"/summons/{s['id']}/answer", {"arrived": True, "action": "x"}, nrp)
    assert wrong.status_code == 404
