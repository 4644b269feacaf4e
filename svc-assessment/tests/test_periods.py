"""Closing a month: results frozen and published once per area, late events kept apart, never lost."""

import nats
from nats.errors import TimeoutError as NatsTimeout

from assessment.periods.models import FrozenResult, PeriodClosure
from jiceng_shared import units
from jiceng_shared.events import CloudEvent, nats_subject
from jiceng_shared.testing.plugin import ServiceClock, eventually, headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")
CLE_X = units.township_office(XINCHENG, "cle")

assessor_b = principal(("assessor", BUFENG), name="步凤镇考核人员", username="assessor.bufeng")
assessor_x = principal(("assessor", XINCHENG), name="新城街道考核人员")
assessor_county = principal(("assessor", COUNTY), name="县考核人员")
leader_b = principal(("township_leader", BUFENG))
admin = principal(("county_admin", COUNTY))


async def close(feed, period, who, body=None):
    return await feed.running.client.post(
        f"/api/assessment/v1/periods/{period}/close", json=body, headers=headers_for(who)
    )


async def published(feed, period):
    """The assessment.period.closed events of ``period`` on the service's stream."""
    nc = await nats.connect(feed.running.ctx.settings.nats_url)
    events = []
    try:
        sub = await nc.jetstream().subscribe(
            nats_subject(feed.running.prefix, "assessment.period.closed"), ordered_consumer=True
        )
        while True:
            try:
                msg = await sub.next_msg(timeout=0.3)  # what is stored arrives at once
            except NatsTimeout:
                break
            event = CloudEvent.model_validate_json(msg.data)
            if event.data["period"] == period:
                events.append(event)
    finally:
        await nc.close()
    return events


async def test_closing_a_month_freezes_and_publishes_the_township_results_and_a_second_close_is_409(feed):
    ticket, clerk = feed.uid("t-"), feed.uid("clerk-")
    await feed.assigned(ticket, CLE_B, feed.local("2026-10-10 09:00"))
    await feed.closed(ticket, CLE_B, feed.local("2026-10-12 09:00"), on_time=True)
    await feed.assigned(feed.uid("t-"), CLE_X, feed.local("2026-10-10 09:00"))
    await feed.accepted(feed.uid("app-"), clerk, feed.local("2026-10-10 09:00"))
    await feed.rating(feed.uid("rt-"), clerk, 5, feed.local("2026-10-11 09:00"))
    await feed.settle()

    response = await close(feed, "2026-10", assessor_b)
    assert response.status_code == 201, response.text
    [closure] = response.json()["closures"]
    assert closure["area_code"] == BUFENG and closure["area_level"] == "township" and closure["area_level_zh"]
    assert closure["closed_by"] == "assessor.bufeng"
    assert closure["frozen"]["clerk"] == 1 and closure["frozen"]["centre"] == 1 and closure["frozen"]["unit"] >= 1

    async def three_events():
        events = await published(feed, "2026-10")
        return events if len(events) == 3 else None

    events = {e.data["subject_kind"]: e for e in await eventually(three_events)}
    assert set(events) == {"unit", "clerk", "centre"}
    for event in events.values():
        assert event.type == "gov.jiceng.assessment.period.closed" and event.source == "/svc-assessment"
        assert event.township == BUFENG and event.data["period_id"] == closure["id"]
        assert event.data["area_level"] == "township" and event.data["closed_by"] == "assessor.bufeng"
    unit_results = {r["unit"]["code"]: r for r in events["unit"].data["results"]}
    assert CLE_X.code not in unit_results and all(code.startswith(BUFENG) for code in unit_results)
    frozen_cle = unit_results[CLE_B.code]
    assert (frozen_cle["counts"]["assigned"], frozen_cle["counts"]["closed"]) == (1, 1)
    assert frozen_cle["rates"]["on_time_closure_rate"] == 1.0
    [clerk_result] = events["clerk"].data["results"]
    assert clerk_result["clerk"]["clerk_id"] == clerk and clerk_result["public_rating_points"] == 20.0

    before = await feed.rows(PeriodClosure, FrozenResult)
    again = await close(feed, "2026-10", assessor_b)
    assert again.status_code == 409 and again.json()["code"] == "period_closed"
    assert again.headers["content-type"] == "application/problem+json"
    assert await feed.rows(PeriodClosure, FrozenResult) == before

    shown = await feed.get(f"/units/{CLE_B.code}/indicators", admin, period="2026-10")
    assert shown["status"] == "closed" and shown["status_zh"] == "已关账" and shown["closed_months"] == ["2026-10"]
    assert (await feed.get(f"/units/{CLE_X.code}/indicators", admin, period="2026-10"))["status"] == "open"
    listed = await feed.get("/periods", assessor_b, period="2026-10")
    assert [c["id"] for c in listed["items"]] == [closure["id"]]
    assert (await feed.get("/periods", assessor_x, period="2026-10"))["items"] == []


async def test_events_arriving_for_a_closed_month_are_kept_as_late_adjustments(feed):
    first, late, clerk = feed.uid("t-"), feed.uid("t-"), feed.uid("clerk-")
    await feed.assigned(first, CLE_B, feed.local("2026-09-10 09:00"))
    await feed.closed(first, CLE_B, feed.local("2026-09-11 09:00"), on_time=True)
    await feed.rating(feed.uid("rt-"), clerk, 4, feed.local("2026-09-11 09:00"))
    await feed.settle()
    assert (await close(feed, "2026-09", assessor_b)).status_code == 201

    await feed.assigned(late, CLE_B, feed.local("2026-09-20 09:00"))
    await feed.closed(late, CLE_B, feed.local("2026-09-21 09:00"), on_time=False)
    await feed.reopened(first, CLE_B, feed.local("2026-09-25 09:00"))
    await feed.rating(feed.uid("rt-"), clerk, 1, feed.local("2026-09-29 09:00"))
    await feed.settle()

    september = await feed.get(f"/units/{CLE_B.code}/indicators", admin, period="2026-09")
    c = september["counts"]
    assert (c["assigned"], c["closed"], c["closed_on_time"], c["reworked"]) == (1, 1, 1, 0)  # as published
    assert september["rates"]["closure_rate"] == 1.0
    # now: two assigned, the first closure undone by its reopen, the late one closed late
    assert september["late_adjustments"] == {"received": 1, "assigned": 1, "closed_on_time": -1, "reworked": 1}

    quarter = await feed.get(f"/units/{CLE_B.code}/indicators", admin, period="2026-Q3")
    assert quarter["status"] == "partly_closed" and quarter["closed_months"] == ["2026-09"]
    assert quarter["late_adjustments"] == september["late_adjustments"]

    shown = await feed.get(f"/window/clerks/{clerk}", admin, period="2026-09")
    assert shown["ratings"]["ratings_by_level"]["1"] == 0 and shown["late_adjustments"] == {"ratings_1": 1}


async def test_a_running_month_or_a_quarter_cannot_be_closed_and_nothing_is_written(feed):
    clock = ServiceClock(feed.running.ctx)
    clock.set(feed.local("2026-11-30 23:59"))  # the service's clock, not the wall clock, says November runs
    before = await feed.rows(PeriodClosure, FrozenResult)
    running = await close(feed, "2026-11", assessor_b)
    assert running.status_code == 409 and running.json()["code"] == "period_not_ended"
    clock.set(feed.local("2024-03-31 12:00"))
    assert (await close(feed, "2024-04", assessor_b)).json()["code"] == "period_not_ended"
    # without ?period= the indicators are the service clock's month
    assert (await feed.get(f"/units/{CLE_B.code}/indicators", admin))["period"] == "2024-03"
    clock.reset()
    for bad in ("2026-Q3", "2026-13", "last-month"):
        response = await close(feed, bad, assessor_b)
        assert response.status_code == 422 and response.json()["code"] == "invalid_period", bad
    extra = await close(feed, "2026-06", assessor_b, body={"township_code": BUFENG, "force": True})
    assert extra.status_code == 422 and extra.json()["code"] == "validation_failed"
    village = await close(feed, "2026-06", assessor_b, body={"township_code": "320971100201"})
    assert village.status_code == 422 and village.json()["code"] == "not_a_township"
    assert await feed.rows(PeriodClosure, FrozenResult) == before


async def test_a_county_closure_covers_what_no_township_closed_and_blocks_later_township_closures(feed):
    await feed.assigned(feed.uid("t-"), CLE_X, feed.local("2026-08-10 09:00"))
    await feed.settle()
    assert (await close(feed, "2026-08", assessor_b)).status_code == 201
    county = await close(feed, "2026-08", assessor_county)
    assert county.status_code == 201
    [closure] = county.json()["closures"]
    assert closure["area_code"] == COUNTY and closure["area_level"] == "county"

    async def unit_event():
        events = [e for e in await published(feed, "2026-08") if e.data["subject_kind"] == "unit"]
        return events if len(events) == 2 else None

    by_area = {e.data["township_code"]: e for e in await eventually(unit_event)}
    county_codes = {r["unit"]["code"] for r in by_area[COUNTY].data["results"]}
    assert CLE_X.code in county_codes and f"{COUNTY}:nrp" in county_codes
    assert not any(code.startswith(BUFENG) for code in county_codes)  # Bufeng froze its own first

    later = await close(feed, "2026-08", assessor_x)
    assert later.status_code == 409 and later.json()["code"] == "period_closed"
    assert (await close(feed, "2026-08", assessor_county)).status_code == 409
    # the county's assessor may also close a single township
    one = await close(feed, "2026-07", assessor_county, body={"township_code": XINCHENG})
    assert one.status_code == 201 and [c["area_code"] for c in one.json()["closures"]] == [XINCHENG]
    # Bufeng's assessor sees its own closure and the county's that covers the county's units
    seen = await feed.get("/periods", assessor_b, period="2026-08")
    assert {c["area_code"] for c in seen["items"]} == {BUFENG, COUNTY}
    assert {c["area_code"] for c in (await feed.get("/periods", assessor_x, period="2026-08"))["items"]} == {COUNTY}


async def test_only_assessors_close_and_only_inside_their_scope(feed):
    before = await feed.rows(PeriodClosure, FrozenResult)
    other = await close(feed, "2026-05", assessor_b, body={"township_code": XINCHENG})
    assert other.status_code == 403 and other.json()["code"] == "scope_denied"
    leader = await close(feed, "2026-05", leader_b)
    assert leader.status_code == 403 and leader.json()["code"] == "permission_denied"
    assert await feed.rows(PeriodClosure, FrozenResult) == before
