"""Reporting incidents from the grid: rules with numbers, bad input, scope, and the ticket's echo."""

import asyncio
import datetime as dt

import nats
from sqlalchemy import func, select

from grid.incidents.models import Incident
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.dispatch import TicketAssigned, TicketClosed, TicketCreated, TicketMerged
from jiceng_shared.events import CloudEvent, nats_subject
from jiceng_shared.testing.plugin import eventually, headers_for, principal

GRID_1 = "320971100201001"
GRID_2 = "320971100201002"
XINCHENG_GRID = "320971001001001"
BUFENG = "320971100000"
INSIDE_GRID_1 = [120.305, 33.305]

worker = principal(("grid_worker", GRID_1), ("grid_worker", GRID_2), name="网格员甲")
other_worker = principal(("grid_worker", XINCHENG_GRID), name="网格员乙")
dispatcher_b = principal(("dispatcher", "320971001000"))
dispatcher_a = principal(("dispatcher", BUFENG))


def report(**overrides):
    body = {
        "category": "street_occupation",
        "description": "商贩占用人行道经营",
        "grid_code": GRID_1,
        "location": {"type": "Point", "coordinates": INSIDE_GRID_1},
        "attachments": [{"name": "p.jpg", "media_type": "image/jpeg", "size": 2048, "sha256": "a" * 64}],
    }
    return body | overrides


async def count(grid) -> tuple[int, int]:
    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as session:
        return (
            await session.scalar(select(func.count()).select_from(Incident)),
            await session.scalar(select(func.count()).select_from(outbox)),
        )


async def test_a_grid_worker_reports_and_the_event_carries_the_journey(grid):
    response = await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"].startswith("SJ-320971100-")
    assert body["status"] == "reported" and body["status_zh"] == "已上报"
    assert body["correlation_id"] == body["id"]
    assert response.headers["location"].endswith(body["id"])

    nc = await nats.connect(grid.ctx.settings.nats_url)
    sub = await nc.jetstream().subscribe(nats_subject(grid.prefix, "grid.incident.reported"), ordered_consumer=True)
    event = CloudEvent.model_validate_json((await sub.next_msg(timeout=5)).data)
    await nc.close()
    assert event.type == "gov.jiceng.grid.incident.reported"
    assert event.correlationid == body["id"] and event.township == BUFENG and event.source == "/svc-grid"
    assert event.data["location"]["coordinates"] == INSIDE_GRID_1
    assert event.data["attachments"][0]["sha256"] == "a" * 64


async def test_a_point_outside_the_grid_is_refused_and_nothing_is_written(grid):
    before = await count(grid)
    # inside grid 2, not grid 1 (the polygons share the edge at 120.310)
    response = await grid.client.post(
        "/api/grid/v1/incidents",
        json=report(location={"type": "Point", "coordinates": [120.315, 33.305]}),
        headers=headers_for(worker),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "point_outside_grid"
    assert await count(grid) == before


async def test_an_unknown_category_and_every_other_bad_field_are_named_at_once(grid):
    before = await count(grid)
    response = await grid.client.post(
        "/api/grid/v1/incidents", json=report(category="flying_saucer"), headers=headers_for(worker)
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_category"
    response = await grid.client.post(
        "/api/grid/v1/incidents",
        json={"category": 7, "grid_code": "12", "location": {"type": "Point", "coordinates": [500, 0]}},
        headers=headers_for(worker),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"category", "description", "grid_code", "location.coordinates.0"} <= fields
    assert await count(grid) == before


async def test_malformed_json_is_a_400_problem(grid):
    response = await grid.client.post(
        "/api/grid/v1/incidents",
        content=b'{"category": ',
        headers=headers_for(worker) | {"content-type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"


async def test_only_a_grid_worker_of_that_grid_may_report_there(grid):
    response = await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(other_worker))
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    response = await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(dispatcher_a))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_the_other_township_sees_nothing(grid):
    created = (await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))).json()
    assert (
        await grid.client.get(f"/api/grid/v1/incidents/{created['id']}", headers=headers_for(dispatcher_b))
    ).status_code == 404
    listed = (await grid.client.get("/api/grid/v1/incidents", headers=headers_for(dispatcher_b))).json()
    assert listed["items"] == []
    mine = await grid.client.get(
        "/api/grid/v1/incidents",
        params={"correlation_id": created["correlation_id"]},
        headers=headers_for(dispatcher_a),
    )
    assert [i["id"] for i in mine.json()["items"]] == [created["id"]]


async def test_lists_are_cursor_paginated_newest_first(grid):
    for _ in range(3):
        await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))
    first = (await grid.client.get("/api/grid/v1/incidents", params={"limit": 2}, headers=headers_for(worker))).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (
        await grid.client.get(
            "/api/grid/v1/incidents", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers_for(worker)
        )
    ).json()
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == len(set(ids))
    created = [i["created_at"] for i in first["items"] + second["items"]]
    assert created == sorted(created, reverse=True)
    bad = await grid.client.get("/api/grid/v1/incidents", params={"cursor": "???"}, headers=headers_for(worker))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


async def test_the_reporter_follows_the_ticket_and_late_events_do_not_go_backwards(grid):
    created = (await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))).json()
    unit = UnitRef(code=f"{BUFENG}:cle", area_code=BUFENG, dept="cle", name="步凤镇综合执法局", kind="township_office")
    now = dt.datetime.now(dt.UTC)
    common = {
        "ticket_id": "t-1",
        "number": "GD-1",
        "township_code": BUFENG,
        "source": "grid",
        "source_ref": created["id"],
    }
    await grid.publish(
        TicketCreated(**common, category="street_occupation", area_code=GRID_1, created_at=now),
        subject="t-1",
        township=BUFENG,
    )
    await grid.publish(
        TicketClosed(
            **common,
            category="street_occupation",
            area_code=GRID_1,
            unit=unit,
            outcome="已劝离",
            closed_at=now,
            on_time=True,
        ),
        subject="t-1",
        township=BUFENG,
        time=now + dt.timedelta(seconds=1),
    )

    async def closed():
        body = (await grid.client.get(f"/api/grid/v1/incidents/{created['id']}", headers=headers_for(worker))).json()
        return body if body["status"] == "closed" else None

    body = await eventually(closed)
    assert body["outcome"] == "已劝离" and body["ticket_number"] == "GD-1"
    # an assignment that arrives after the closure (older event time) must not reopen the incident
    await grid.publish(
        TicketAssigned(
            **common,
            category="street_occupation",
            description="",
            area_code=GRID_1,
            unit=unit,
            assigned_at=now - dt.timedelta(minutes=5),
        ),
        subject="t-1",
        township=BUFENG,
        time=now - dt.timedelta(minutes=5),
    )

    async def four_steps():
        b = (await grid.client.get(f"/api/grid/v1/incidents/{created['id']}", headers=headers_for(worker))).json()
        return b if len(b["timeline"]) >= 4 else None

    body = await eventually(four_steps)
    assert body["status"] == "closed"


async def test_an_incident_merged_into_anothers_ticket_follows_that_ticket_to_closure(grid):
    first = (await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))).json()
    second = (await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))).json()
    unit = UnitRef(code=f"{BUFENG}:cle", area_code=BUFENG, dept="cle", name="步凤镇综合执法局", kind="township_office")
    now = dt.datetime.now(dt.UTC)
    await grid.publish(
        TicketCreated(
            ticket_id="t-9",
            number="GD-9",
            township_code=BUFENG,
            source="grid",
            source_ref=first["id"],
            category="street_occupation",
            area_code=GRID_1,
            created_at=now,
        ),
        subject="t-9",
        township=BUFENG,
        time=now,
    )
    await grid.publish(
        TicketMerged(
            ticket_id="t-9",
            number="GD-9",
            category="street_occupation",
            township_code=BUFENG,
            area_code=GRID_1,
            unit=unit,
            source="grid",
            source_ref=second["id"],
            ticket_source="grid",
            ticket_source_ref=first["id"],
            merged_at=now,
        ),
        subject="t-9",
        township=BUFENG,
        time=now + dt.timedelta(seconds=1),
    )

    async def merged():
        body = (await grid.client.get(f"/api/grid/v1/incidents/{second['id']}", headers=headers_for(worker))).json()
        return body if body["status"] == "merged" else None

    assert (await eventually(merged))["ticket_number"] == "GD-9"
    await grid.publish(
        TicketClosed(
            ticket_id="t-9",
            number="GD-9",
            township_code=BUFENG,
            source="grid",
            source_ref=first["id"],
            category="street_occupation",
            area_code=GRID_1,
            unit=unit,
            outcome="已清理",
            closed_at=now,
            on_time=True,
        ),
        subject="t-9",
        township=BUFENG,
        time=now + dt.timedelta(seconds=2),
    )

    async def both_closed():
        bodies = [
            (await grid.client.get(f"/api/grid/v1/incidents/{i['id']}", headers=headers_for(worker))).json()
            for i in (first, second)
        ]
        return bodies if all(b["status"] == "closed" for b in bodies) else None

    assert all(b["outcome"] == "已清理" for b in await eventually(both_closed))


async def _apply_alone(grid, event: dict) -> None:
    from grid.incidents.service import apply_ticket_event

    async with grid.ctx.db.transaction() as session:
        await apply_ticket_event(session, **event)


async def test_a_tickets_events_applied_at_once_each_leave_their_step_and_the_newest_wins(grid):
    """Created and assigned handled in two concurrent transactions (as two consumer batches do):
    one waits for the other's lock and moves the incident from its committed state, in either order."""
    from grid.incidents.service import apply_ticket_event

    now = dt.datetime.now(dt.UTC)
    for first_commits in ("created", "assigned"):
        created = (await grid.client.post("/api/grid/v1/incidents", json=report(), headers=headers_for(worker))).json()
        ticket = {"ticket_id": created["id"][:30], "ticket_number": "GD-7", "source_ref": created["id"]}
        events = {
            "created": {"at": now, "status": "registered", "note": "登记"},
            "assigned": {
                "at": now + dt.timedelta(seconds=1),
                "status": "dispatched",
                "note": "派遣",
                "handling_unit": "u",
            },
        }
        later = "assigned" if first_commits == "created" else "created"
        async with grid.ctx.db.transaction() as one:
            await apply_ticket_event(one, **ticket, **events[first_commits])

            waiting = asyncio.create_task(_apply_alone(grid, {**ticket, **events[later]}))
            await asyncio.sleep(0.3)  # the other transaction waits on the incident's lock
            assert not waiting.done()
        await waiting
        body = (await grid.client.get(f"/api/grid/v1/incidents/{created['id']}", headers=headers_for(worker))).json()
        assert body["status"] == "dispatched" and body["handling_unit"] == "u" and body["ticket_number"] == "GD-7"
        assert sorted(s["status"] for s in body["timeline"]) == ["dispatched", "registered", "reported"]
        assert body["version"] == 3
