"""Splitting a grid through the gateway, with all six processes: a new grid drawn by the county
administrator is flagged for splitting by its counts, a grid worker is bound to it, one incident
is reported before the split; after the split new incidents land in the new grids (also when the
worker's app still names the old one), the old incident keeps its grid, the flag follows the
counts, and the township's scope checks and dispatch's routing see the new grids at once (no
restart): the tickets go to Bufeng's office, Xincheng sees none of it."""

from __future__ import annotations

import uuid

import pytest

from jiceng_shared.testing.journey import BUFENG, Journey
from jiceng_shared.testing.plugin import eventually

pytestmark = pytest.mark.e2e

VILLAGE = "320971100201"
OFFICE = f"{BUFENG}:cle"
#: east of the demo grids of Bufeng village (they end at 120.32), far from every other test's points
WEST, MID, EAST, SOUTH, NORTH = 120.330, 120.335, 120.340, 33.300, 33.310
PASSWORD = "split e2e passphrase"


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


async def login(journey: Journey, username: str) -> dict[str, str]:
    response = await journey.client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_split_a_grid_through_the_gateway(journey):
    admin = "county_admin"
    created = await journey.ok(
        admin,
        "/api/grid/v1/areas",
        {
            "level": "grid",
            "parent_code": VILLAGE,
            "name": "步凤村东片网格",
            "polygon": box(WEST, SOUTH, EAST, NORTH),
            "households": 340,
            "people": 1100,
        },
        status=201,
    )
    old = created["changed"][0]
    assert old["needs_split"] is True and old["split_reasons"] == ["340 households > 300", "1100 people > 1000"]

    # a grid worker for the new grid (the roster of issue 13 will do this; here the IAM API)
    username = f"grid_worker.split{uuid.uuid4().hex[:6]}"
    user = await journey.ok(
        admin,
        "/api/iam/v1/users",
        {
            "username": username,
            "display_name": "东片网格员",
            "password": PASSWORD,
            "area": BUFENG,
            "bindings": [{"role": "grid_worker", "area": old["code"]}],
        },
        status=201,
    )
    assert user["bindings"][0]["area"] == old["code"]
    worker = await login(journey, username)

    async def report(point: tuple[float, float], grid_code: str) -> dict:
        body = {
            "category": "street_occupation",
            "description": "东片 占道经营",
            "grid_code": grid_code,
            "location": {"type": "Point", "coordinates": list(point)},
        }
        response = await journey.client.post("/api/grid/v1/incidents", json=body, headers=worker)
        assert response.status_code == 201, response.text
        return response.json()

    before = await report((EAST - 0.001, NORTH - 0.001), old["code"])
    assert before["grid_code"] == old["code"]

    split = await journey.ok(
        admin,
        f"/api/grid/v1/areas/{old['code']}/split",
        {
            "parts": [
                {"name": "东片西网格", "polygon": box(WEST, SOUTH, MID, NORTH), "households": 160, "people": 520},
                {"name": "东片东网格", "polygon": box(MID, SOUTH, EAST, NORTH), "households": 180, "people": 580},
            ]
        },
        status=201,
    )
    changed = {a["code"]: a for a in split["changed"]}
    west, east = sorted(c for c in changed if c != old["code"])
    assert changed[old["code"]]["status"] == "retired"
    assert not changed[west]["needs_split"] and not changed[east]["needs_split"]

    # new incidents land in the new grids: the app still naming the old grid, or the new one
    in_east = await report((EAST - 0.003, SOUTH + 0.003), old["code"])
    in_west = await report((WEST + 0.002, SOUTH + 0.005), west)
    assert (in_east["grid_code"], in_west["grid_code"]) == (east, west)
    assert in_east["township_code"] == BUFENG
    # the old incident keeps its grid
    kept = await journey.get("grid_chief.bufeng", f"/api/grid/v1/incidents/{before['id']}")
    assert kept.status_code == 200 and kept.json()["grid_code"] == old["code"]

    # the size flag follows the counts
    await journey.client.put(
        f"/api/grid/v1/areas/{east}/counts",
        json={"households": 301, "people": 900},
        headers=await journey.headers(admin),
    )
    flagged = (await journey.get(admin, f"/api/grid/v1/areas/{east}")).json()
    assert flagged["needs_split"] is True and flagged["split_reasons"] == ["301 households > 300"]
    grids = (await journey.get(admin, "/api/grid/v1/areas", parent_code=VILLAGE, level="grid")).json()["items"]
    assert {g["code"] for g in grids} >= {west, east} and old["code"] not in {g["code"] for g in grids}

    # scope checks: Bufeng's village and township roles see the new grids' incidents, Xincheng's do not
    listed = (await journey.get("grid_chief.bufeng", "/api/grid/v1/incidents", grid_code=east)).json()["items"]
    assert [i["id"] for i in listed] == [in_east["id"]]
    assert (await journey.get("dispatcher.xincheng", f"/api/grid/v1/incidents/{in_east['id']}")).status_code == 404
    assert (await journey.get("dispatcher.xincheng", "/api/grid/v1/areas/" + east)).status_code == 404

    # the gateway learnt of the split too: the retired grid takes no new binding, its parts do
    async def old_grid_refused() -> bool:
        body = {"subject_id": user["id"], "role": "grid_worker", "area": old["code"]}
        response = await journey.post(admin, "/api/iam/v1/bindings", body)
        return response.status_code == 422 and response.json()["code"] == "area_retired"

    await eventually(old_grid_refused, timeout=15)
    await journey.ok(admin, "/api/iam/v1/bindings", {"subject_id": user["id"], "role": "grid_worker", "area": east})

    # dispatch routes the new grids' incidents like any of the township's, without a restart
    for incident, grid in ((in_east, east), (in_west, west)):
        ticket = await journey.one("dispatcher.bufeng", "/api/dispatch/v1/tickets", correlation_id=incident["id"])
        assert ticket["area_code"] == grid and ticket["township_code"] == BUFENG
        assert ticket["unit"]["code"] == OFFICE
        hidden = await journey.get("dispatcher.xincheng", f"/api/dispatch/v1/tickets/{ticket['id']}")
        assert hidden.status_code == 404

    # and the ticket reports back to the incident in the new grid
    async def dispatched() -> bool:
        response = await journey.get("grid_chief.bufeng", f"/api/grid/v1/incidents/{in_east['id']}")
        return response.json()["status"] in ("registered", "dispatched")

    await eventually(dispatched, timeout=30)
