"""Who sees which tickets: filtered in SQL by township, department and grid; ids outside every
scope answer 404."""

from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code


async def bufeng_tickets(desk) -> dict[str, dict]:
    """One Bufeng ticket per unit kind: the enforcement office (cle) and the police station (psb)."""
    out = {}
    for category in ("street_occupation", "public_security_hazard"):
        incident = desk.incident(BUFENG, category)
        await desk.report(incident)
        out[category] = await desk.ticket_for(incident)
    return out


async def test_the_dispatcher_of_another_township_sees_nothing_of_bufeng(desk):
    tickets = await bufeng_tickets(desk)
    xincheng = demo_principal("dispatcher.xincheng")
    listed = await desk.listed(xincheng)
    assert all(t["township_code"] == XINCHENG for t in listed)
    for ticket in tickets.values():
        await desk.get(ticket["id"], xincheng, status=404)
        assert await desk.listed(xincheng, correlation_id=ticket["correlation_id"]) == []
        response = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, xincheng)
        assert response.status_code == 404
    bufeng = demo_principal("dispatcher.bufeng")
    assert {t["id"] for t in tickets.values()} <= {t["id"] for t in await desk.listed(bufeng)}


async def test_stationed_police_staff_see_only_police_tickets_of_their_township(desk):
    tickets = await bufeng_tickets(desk)
    police = demo_principal("dept_staff.psb.bufeng")
    listed = await desk.listed(police)
    assert tickets["public_security_hazard"]["id"] in {t["id"] for t in listed}
    assert all(t["unit"]["dept"] == "psb" and t["township_code"] == BUFENG for t in listed)
    await desk.get(tickets["street_occupation"]["id"], police, status=404)
    await desk.get(tickets["public_security_hazard"]["id"], demo_principal("dept_staff.psb.xincheng"), status=404)


async def test_grid_workers_see_the_tickets_of_their_grids_only(desk):
    tickets = await bufeng_tickets(desk)
    mine = {t["id"] for t in await desk.listed(demo_principal("grid_worker.bufeng"))}
    assert {t["id"] for t in tickets.values()} <= mine
    assert not {t["id"] for t in tickets.values()} & {
        t["id"] for t in await desk.listed(demo_principal("grid_worker.xincheng"))
    }
    # a grid worker of the other grid of the same village does not see grid 001's tickets
    neighbour = principal(("grid_worker", "320971100201002"))
    assert not {t["id"] for t in tickets.values()} & {t["id"] for t in await desk.listed(neighbour)}


async def test_county_readers_and_the_township_leader_see_by_their_area(desk):
    tickets = await bufeng_tickets(desk)
    ids = {t["id"] for t in tickets.values()}
    for who in ("auditor", "county_admin", "township_leader.bufeng"):
        assert ids <= {t["id"] for t in await desk.listed(demo_principal(who))}, who
    assert not ids & {t["id"] for t in await desk.listed(demo_principal("township_leader.xincheng"))}


async def test_list_filters_by_unit_status_category_and_source(desk):
    tickets = await bufeng_tickets(desk)
    admin = demo_principal("county_admin")
    police_ticket = tickets["public_security_hazard"]
    by_unit = await desk.listed(admin, unit=f"{BUFENG}:psb")
    assert police_ticket["id"] in {t["id"] for t in by_unit} and all(
        t["unit"]["code"] == f"{BUFENG}:psb" for t in by_unit
    )
    assert all(t["category"] == "street_occupation" for t in await desk.listed(admin, category="street_occupation"))
    assert all(t["status"] == "dispatched" for t in await desk.listed(admin, status="dispatched"))
    assert all(t["source"] == "grid" for t in await desk.listed(admin, source="grid"))
    response = await desk.running.client.get(
        "/api/dispatch/v1/tickets", params={"status": "lost"}, headers=headers_for(admin)
    )
    assert response.status_code == 422


async def test_lists_are_cursor_paginated_newest_first(desk):
    await bufeng_tickets(desk)
    await bufeng_tickets(desk)
    admin = demo_principal("county_admin")
    first = (
        await desk.running.client.get("/api/dispatch/v1/tickets", params={"limit": 2}, headers=headers_for(admin))
    ).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (
        await desk.running.client.get(
            "/api/dispatch/v1/tickets", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers_for(admin)
        )
    ).json()
    items = first["items"] + second["items"]
    assert len({t["id"] for t in items}) == 4
    assert [t["created_at"] for t in items] == sorted((t["created_at"] for t in items), reverse=True)
