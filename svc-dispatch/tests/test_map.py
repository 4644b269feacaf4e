"""The situational picture (一张图): GeoJSON of open tickets and grids, scoped like every list;
counts for a period; early warning (研判预警) once per category, township and day, on both sides of
the configured baseline."""

import datetime as dt
import json

from dispatch.map.models import EarlyWarning
from dispatch.map.service import _encode_features, _open_points, spike_pass
from dispatch.tickets import rules
from dispatch.tickets.service import env_of
from jiceng_shared import demo
from jiceng_shared.db import new_id
from jiceng_shared.testing.plugin import demo_principal, headers_for
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
dispatcher = demo_principal("dispatcher.bufeng")
other = demo_principal("dispatcher.xincheng")


async def get(desk, path: str, who, **params):
    response = await desk.running.client.get(f"/api/dispatch/v1{path}", params=params, headers=headers_for(who))
    assert response.status_code == 200, response.text
    return response.json()


async def test_open_tickets_and_grids_as_geojson_in_scope(desk):
    incident = desk.incident(category="public_security_hazard")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    points = await get(desk, "/map/tickets", dispatcher)
    assert points["type"] == "FeatureCollection"
    mine = next(f for f in points["features"] if f["id"] == ticket["id"])
    assert mine["geometry"]["type"] == "Point" and mine["properties"]["status"] == "dispatched"
    assert mine["properties"]["unit_code"] == f"{BUFENG}:psb" and mine["properties"]["overdue"] is False
    assert all(f["properties"]["area_code"].startswith(BUFENG[:9]) for f in points["features"])
    assert ticket["id"] not in {f["id"] for f in (await get(desk, "/map/tickets", other))["features"]}
    grids = await get(desk, "/map/grids", dispatcher)
    grid = next(f for f in grids["features"] if f["id"] == desk.grid_of[BUFENG])
    assert grid["geometry"]["type"] == "Polygon" and grid["properties"]["open"] >= 1
    assert {f["id"][:9] for f in grids["features"]} == {BUFENG[:9]}
    today = dt.datetime.now(SHANGHAI).date()
    counted = await get(
        desk,
        "/map/stats",
        dispatcher,
        **{"from": str(today - dt.timedelta(days=1)), "to": str(today + dt.timedelta(days=2))},
    )
    assert counted["by_category"]["public_security_hazard"] >= 1 and counted["total"] >= 1


async def test_the_township_document_carries_each_point_its_deadline_and_overdue_state(dispatch, desk, clock):
    """The township map's document, shaped from plain rows and encoded with orjson: a deadline as
    pydantic writes a UTC datetime (Z), overdue once the handling limit has passed."""
    for category in ("public_security_hazard", "street_occupation"):
        incident = desk.incident(category=category)
        await desk.report(incident)
        await desk.ticket_for(incident)
    later = clock.now() + dt.timedelta(days=60)  # past the handling limit
    for at, overdue in ((clock.now(), False), (later, True)):
        points = _open_points(dispatcher, at, township_code=BUFENG, category=None)
        async with dispatch.ctx.db.transaction() as session:
            connection = await session.connection()
            document = json.loads(_encode_features((await connection.execute(points)).all(), at))
        assert document["type"] == "FeatureCollection" and len(document["features"]) >= 2
        newest = document["features"][0]
        assert newest["geometry"]["type"] == "Point" and len(newest["geometry"]["coordinates"]) == 2
        assert newest["properties"]["deadline"].endswith("Z")
        assert {f["properties"]["status_zh"] for f in document["features"]} == {"已派遣待签收"}
        assert any(f["properties"]["overdue"] for f in document["features"]) is overdue


def test_a_spike_is_three_times_the_same_weekday_mean_and_at_least_the_minimum():
    assert rules.spike_baseline([2, 2, 2, 2]) == 2.0
    assert rules.is_spike(6, 2.0) and not rules.is_spike(5, 2.0)
    assert rules.is_spike(5, 0.0) and not rules.is_spike(4, 0.0)  # the minimum count
    assert rules.is_spike(4, 2.0, ratio=2.0, min_count=3)
    r = rules.TicketRules()
    assert (r.spike_ratio, r.spike_min_count, r.spike_weeks) == (3.0, 5, 4)


async def test_a_spike_is_raised_once_and_published(dispatch, desk, clock):
    day = dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)  # a Tuesday of its own for this test
    # one report on each of the four Tuesdays before: baseline 1, threshold max(5, 3) = 5
    for week in range(1, 5):
        clock.set(day - dt.timedelta(weeks=week))
        incident = desk.incident(category="environment_pollution")
        await desk.report(incident)
        await desk.ticket_for(incident)
    clock.set(day)
    for _ in range(4):
        incident = desk.incident(category="environment_pollution")
        await desk.report(incident)
        await desk.ticket_for(incident)
    async with dispatch.ctx.db.transaction() as session:
        assert await spike_pass(session, env_of(dispatch.ctx)) == []
    incident = desk.incident(category="environment_pollution")
    await desk.report(incident)
    await desk.ticket_for(incident)
    async with dispatch.ctx.db.transaction() as session:
        [warning] = await spike_pass(session, env_of(dispatch.ctx))
    assert (warning.count, warning.baseline, warning.threshold) == (5, 1.0, 5.0)
    # published once, for assessment and the centre's screens
    [event] = [e["data"] for t, e in await desk.events_of(warning.id) if t == "dispatch.warning.spike"]
    assert (event["category"], event["township_code"], event["day"], event["count"]) == (
        "environment_pollution",
        BUFENG,
        "2026-10-20",
        5,
    )
    async with dispatch.ctx.db.transaction() as session:
        assert await spike_pass(session, env_of(dispatch.ctx)) == []
    assert len([t for t, _ in await desk.events_of(warning.id) if t == "dispatch.warning.spike"]) == 1
    listed = await get(desk, "/map/warnings", dispatcher)
    assert [(w["category"], w["area_code"], w["day"]) for w in listed["items"]][:1] == [
        ("environment_pollution", BUFENG, "2026-10-20")
    ]
    assert await get(desk, "/map/warnings", other) == {"items": [], "next_cursor": None}


async def test_early_warnings_are_listed_a_page_at_a_time(dispatch, desk):
    async with dispatch.ctx.db.transaction() as session:
        for hour, category in enumerate(("street_occupation", "consumer_complaint", "environment_pollution")):
            raised = dt.datetime(2031, 10, 21, hour, tzinfo=SHANGHAI)  # newer than any other test's
            session.add(
                EarlyWarning(
                    id=new_id(),
                    category=category,
                    area_code=BUFENG,
                    day="2031-10-21",
                    count=9,
                    baseline=1.0,
                    threshold=5.0,
                    raised_at=raised,
                )
            )
    first = await get(desk, "/map/warnings", dispatcher, limit=2)
    assert [w["category"] for w in first["items"]] == ["environment_pollution", "consumer_complaint"]
    rest = await get(desk, "/map/warnings", dispatcher, limit=2, cursor=first["next_cursor"])
    # the warnings other tests raised come after these
    assert [w["category"] for w in rest["items"]][:1] == ["street_occupation"]
    bad = await desk.running.client.get(
        "/api/dispatch/v1/map/warnings", params={"cursor": "x", "limit": 0}, headers=headers_for(dispatcher)
    )
    assert bad.status_code in (400, 422), bad.text
