"""Supervision (督办): a warning after 80 % of the handling period, escalation once per level after
the deadline (level 2 five working days later), nothing for tickets whose clock does not run."""

import datetime as dt

from dispatch.supervision.jobs import scan
from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG = demo.BUFENG.code


async def hazard_ticket(desk, clock, start: dt.datetime) -> dict:
    clock.set(start)
    incident = desk.incident(category="public_security_hazard")  # 24 hours
    await desk.report(incident)
    return await desk.ticket_for(incident)


async def test_the_warning_comes_after_80_percent_of_the_period(dispatch, desk, clock):
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    ticket = await hazard_ticket(desk, clock, start)
    clock.set(start + dt.timedelta(hours=19, minutes=11))  # 0.8 × 24 h = 19 h 12 min
    await scan(dispatch.ctx)
    assert (await desk.get(ticket["id"]))["warning"] is False
    clock.set(start + dt.timedelta(hours=19, minutes=12))
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    assert body["warning"] is True and body["escalation_level"] == 0 and body["overdue"] is False
    assert body["timeline"][-1]["kind"] == "warning"
    assert body["time_left_seconds"] == 4 * 3600 + 48 * 60


async def test_past_the_deadline_the_ticket_is_escalated_once_per_level(dispatch, desk, clock):
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)  # a Monday
    ticket = await hazard_ticket(desk, clock, start)
    deadline = dt.datetime.fromisoformat(ticket["deadline"])
    clock.set(deadline)
    await scan(dispatch.ctx)
    assert (await desk.get(ticket["id"]))["escalation_level"] == 0
    clock.set(deadline + dt.timedelta(seconds=1))
    await scan(dispatch.ctx)
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    assert body["escalation_level"] == 1 and body["overdue"] is True and body["time_left_seconds"] == -1
    escalations = [e for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.ticket.escalated"]
    assert [e["data"]["level"] for e in escalations] == [1]
    assert escalations[0]["data"]["unit"]["code"] == f"{BUFENG}:psb"
    assert sum(s["kind"] == "escalated" and "办理时限" in s["note"] for s in body["timeline"]) == 1
    assert any(s["note"].startswith("督办") for s in body["timeline"])
    # level 2: five working days after the deadline day (Tue 3 Nov → Tue 10 Nov, end of day)
    clock.set(dt.datetime(2026, 11, 10, 23, 59, 59, tzinfo=SHANGHAI))
    await scan(dispatch.ctx)
    assert (await desk.get(ticket["id"]))["escalation_level"] == 1
    clock.set(dt.datetime(2026, 11, 11, 0, 0, 0, tzinfo=SHANGHAI))
    await scan(dispatch.ctx)
    await scan(dispatch.ctx)
    escalations = [e for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.ticket.escalated"]
    assert [e["data"]["level"] for e in escalations] == [1, 2]
    overdue = await desk.listed(demo_principal("dispatcher.bufeng"), overdue="true")
    assert ticket["id"] in {t["id"] for t in overdue}


async def test_a_handled_ticket_is_not_escalated(dispatch, desk, clock):
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    ticket = await hazard_ticket(desk, clock, start)
    await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已处置"}, demo_principal("dept_staff.psb.bufeng"))
    clock.set(start + dt.timedelta(days=3))
    await scan(dispatch.ctx)
    body = await desk.get(ticket["id"])
    assert body["status"] == "handled" and body["escalation_level"] == 0 and body["warning"] is False
