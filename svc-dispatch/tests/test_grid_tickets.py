"""Grid incidents become tickets: routing by the responsibility list, deadlines from the category,
duplicates merged (并单), and exactly one ticket per incident whatever the deliveries."""

import datetime as dt

from sqlalchemy import select

from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, eventually
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code


async def test_street_occupation_goes_to_the_enforcement_office_of_each_township(desk):
    for township in (BUFENG, XINCHENG):
        grid = desk.grid_of[township]
        incident = desk.incident(township)
        await desk.report(incident)
        ticket = await desk.ticket_for(incident)
        assert ticket["status"] == "dispatched"
        assert ticket["unit"]["code"] == f"{township}:cle"
        assert ticket["unit"]["kind"] == "township_office" and ticket["unit"]["dept"] == "cle"
        assert ticket["source"] == "grid" and ticket["source_ref"] == incident.incident_id
        assert ticket["correlation_id"] == incident.incident_id
        assert ticket["area_code"] == grid and ticket["township_code"] == township
        assert ticket["number"].startswith(f"GD-{township[:9]}-")
        assert ticket["responsibility_version"] == 1
        assert [s["kind"] for s in ticket["timeline"]] == ["received", "dispatched"]


async def test_created_then_assigned_are_published_with_the_journey_of_the_incident(desk):
    incident = desk.incident()
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    events = await desk.events_of(ticket["id"])
    assert [t for t, _ in events] == ["dispatch.ticket.created", "dispatch.ticket.assigned"]
    for _, envelope in events:
        assert envelope["correlationid"] == incident.incident_id and envelope["township"] == BUFENG
    assigned = events[1][1]["data"]
    assert assigned["unit"]["code"] == f"{BUFENG}:cle"
    assert assigned["source"] == "grid" and assigned["source_ref"] == incident.incident_id
    assert dt.datetime.fromisoformat(assigned["deadline"]) == dt.datetime.fromisoformat(ticket["deadline"])


async def test_a_two_working_day_limit_skips_the_national_day_holiday(desk, clock):
    clock.set(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    incident = desk.incident(category="street_occupation")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert ticket["handle_limit"] == {"value": 2, "unit": "working_days"}
    # 1-7 October are holidays: the two working days after 30 September are 8 and 9 October
    assert dt.datetime.fromisoformat(ticket["deadline"]) == dt.datetime(2026, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)


async def test_a_limit_in_hours_runs_from_the_instant_of_dispatch(desk, clock):
    start = clock.set(dt.datetime(2026, 9, 30, 22, 15, tzinfo=SHANGHAI))
    incident = desk.incident(category="public_security_hazard")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert ticket["unit"]["code"] == f"{BUFENG}:psb" and ticket["unit"]["kind"] == "stationed_office"
    assert ticket["urgent"] is True and ticket["handle_limit"] == {"value": 24, "unit": "hours"}
    # hours ignore holidays: 24 hours after 22:15 on 30 September is 22:15 on 1 October
    assert dt.datetime.fromisoformat(ticket["deadline"]) == start + dt.timedelta(hours=24)


async def test_a_report_within_50_m_and_24_h_of_an_open_ticket_is_merged_into_it(desk, clock):
    t0 = clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    first = desk.incident()
    await desk.report(first)
    ticket = await desk.ticket_for(first)
    point = tuple(first.location.coordinates)
    second = desk.incident(point=desk.east_of(point, 45), reported_at=t0 + dt.timedelta(hours=23, minutes=50))
    await desk.report(second)
    merged = await desk.ticket_for(second)
    assert merged["id"] == ticket["id"]
    assert [r["source_ref"] for r in merged["reports"]] == [first.incident_id, second.incident_id]
    assert [r["merged"] for r in merged["reports"]] == [False, True]
    assert [s["kind"] for s in merged["timeline"]].count("dispatched") == 1
    kinds = [t for t, _ in await desk.events_of(ticket["id"])]
    assert kinds.count("dispatch.ticket.assigned") == 1 and kinds[-1] == "dispatch.ticket.merged"


async def test_a_report_farther_than_50_m_or_later_than_24_h_opens_its_own_ticket(desk, clock):
    t0 = clock.set(dt.datetime(2026, 11, 3, 9, 0, tzinfo=SHANGHAI))
    first = desk.incident()
    await desk.report(first)
    ticket = await desk.ticket_for(first)
    point = tuple(first.location.coordinates)
    too_far = desk.incident(point=desk.east_of(point, 56), reported_at=t0 + dt.timedelta(hours=1))
    too_late = desk.incident(point=desk.east_of(point, 10), reported_at=t0 + dt.timedelta(hours=24, minutes=10))
    other_kind = desk.incident(category="environment_pollution", point=point, reported_at=t0)
    for incident in (too_far, too_late, other_kind):
        await desk.report(incident)
        assert (await desk.ticket_for(incident))["id"] != ticket["id"]


async def test_merging_can_be_switched_off(dispatch, desk, clock, monkeypatch):
    monkeypatch.setattr(dispatch.ctx.settings, "duplicate_radius_meters", 0.0)
    first = desk.incident()
    await desk.report(first)
    ticket = await desk.ticket_for(first)
    again = desk.incident(point=tuple(first.location.coordinates))
    await desk.report(again)
    assert (await desk.ticket_for(again))["id"] != ticket["id"]


async def test_an_incident_delivered_twice_opens_one_ticket(desk, dispatch):
    incident = desk.incident()
    await desk.report(incident, times=2)
    ticket = await desk.ticket_for(incident)
    # the same incident under a new event id (grid's relay re-sending after JetStream's duplicate window)
    again = await desk.report(incident)
    inbox = dispatch.ctx.db.infra.inbox

    async def applied():
        async with dispatch.ctx.db.session() as session:
            return await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == again))

    await eventually(applied)
    tickets = await desk.listed(demo_principal("county_admin"), correlation_id=incident.incident_id)
    assert [t["id"] for t in tickets] == [ticket["id"]]
    assert len((await desk.get(ticket["id"]))["reports"]) == 1
    assert [t for t, _ in await desk.events_of(ticket["id"])] == ["dispatch.ticket.created", "dispatch.ticket.assigned"]


async def test_a_handler_that_fails_midway_leaves_nothing_and_the_redelivery_opens_one_ticket(desk, monkeypatch):
    from dispatch.responsibilities import service as responsibilities

    real_route = responsibilities.route
    calls = []

    async def route_failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the ticket row and its created event are already written in this transaction
            raise RuntimeError("process killed between registering and dispatching")
        return await real_route(*args, **kwargs)

    monkeypatch.setattr(responsibilities, "route", route_failing_once)
    incident = desk.incident()
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert len(calls) == 2 and ticket["status"] == "dispatched"
    assert [t for t, _ in await desk.events_of(ticket["id"])] == ["dispatch.ticket.created", "dispatch.ticket.assigned"]
    assert len(await desk.listed(demo_principal("county_admin"), correlation_id=incident.incident_id)) == 1


async def test_tickets_without_a_location_are_never_taken_for_duplicates(desk):
    dispatcher = demo_principal("dispatcher.bufeng")
    response = await desk.post(
        "/tickets",
        {"category": "neighbour_dispute", "description": "邻里噪音纠纷", "township_code": BUFENG},
        dispatcher,
    )
    assert response.status_code == 201 and response.json()["location"] is None
    incident = desk.incident(category="neighbour_dispute")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert ticket["id"] != response.json()["id"] and ticket["status"] == "dispatched"


async def test_an_incident_before_the_first_list_takes_effect_waits_for_the_centre(desk, clock):
    clock.set(dt.datetime(2025, 12, 31, 10, 0, tzinfo=SHANGHAI))  # the demo's first list: 1 January 2026
    incident = desk.incident()
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert ticket["status"] == "registered" and ticket["responsibility_version"] is None
    assert [s["kind"] for s in ticket["timeline"]] == ["received", "unroutable"]
    assert "没有生效的属地管理责任清单" in ticket["timeline"][1]["note"]


async def test_a_category_without_limits_of_the_county_gets_the_default_limit(desk, dispatch):
    incident = desk.incident(category="a_category_the_county_has_not_set")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    default = dispatch.ctx.settings.ticket_rules().default_handle_workdays
    assert ticket["handle_limit"] == {"value": default, "unit": "working_days"}
