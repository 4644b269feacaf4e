"""Who sees what: a township sees its own units, clerks and centres; the county sees the county; a
stationed department's staff its own unit; the other township nothing. And the route table."""

import pytest

from assessment.main import create_app
from jiceng_shared import units
from jiceng_shared.policy import load_policy
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

BUFENG, XINCHENG, COUNTY = "320971100000", "320971001000", "320971000000"
CLE_B = units.township_office(BUFENG, "cle")
PSB_B = units.stationed_office(BUFENG, "psb")
PERIOD = "2024-11"


@pytest.fixture(scope="module")
async def seeded(feed):
    """One ticket each for Bufeng's enforcement office and police station, one Bufeng clerk."""
    clerk = "clerk-bufeng-scope"
    await feed.assigned(feed.uid("t-"), CLE_B, feed.local("2024-11-05 09:00"))
    await feed.assigned(feed.uid("t-"), PSB_B, feed.local("2024-11-05 09:00"))
    await feed.accepted(feed.uid("app-"), clerk, feed.local("2024-11-05 09:00"))
    await feed.settle()
    return clerk


async def status(feed, path, who, **params):
    response = await feed.running.client.get(f"/api/assessment/v1{path}", params=params, headers=headers_for(who))
    return response.status_code, response.json()


async def test_the_xincheng_assessor_sees_nothing_of_bufeng(feed, seeded):
    clerk = seeded
    xincheng = demo_principal("assessor.xincheng")
    listed = await feed.get("/units", xincheng, period=PERIOD, limit=200)
    assert listed["items"] and all(u["unit"]["area_code"] == XINCHENG for u in listed["items"])
    assert (await feed.get("/units", xincheng, period=PERIOD, township_code=BUFENG))["items"] == []
    code, body = await status(feed, f"/units/{CLE_B.code}/indicators", xincheng, period=PERIOD)
    assert code == 404 and body["code"] == "not_found"
    assert all(c["clerk"]["township_code"] != BUFENG for c in (await feed.get("/window/clerks", xincheng))["items"])
    assert (await status(feed, f"/window/clerks/{clerk}", xincheng))[0] == 404
    assert all(
        c["township_code"] != BUFENG for c in (await feed.get("/window/centres", xincheng, period=PERIOD))["items"]
    )

    bufeng = demo_principal("assessor.bufeng")
    mine = await feed.get("/units", bufeng, period=PERIOD, limit=200)
    codes = {u["unit"]["code"] for u in mine["items"]}
    assert {CLE_B.code, PSB_B.code} <= codes and all(c.startswith(BUFENG) for c in codes)
    assert (await feed.get(f"/window/clerks/{clerk}", bufeng, period=PERIOD))["counts"]["accepted"] == 1
    leader = await feed.get(f"/units/{CLE_B.code}/indicators", demo_principal("township_leader.bufeng"), period=PERIOD)
    assert leader["counts"]["assigned"] == 1


async def test_stationed_police_staff_see_only_the_police_unit_and_no_window_staff(feed, seeded):
    police = demo_principal("dept_staff.psb.bufeng")
    listed = await feed.get("/units", police, period=PERIOD, limit=200)
    assert [u["unit"]["code"] for u in listed["items"]] == [PSB_B.code]
    assert listed["items"][0]["counts"]["assigned"] == 1
    assert (await status(feed, f"/units/{PSB_B.code}/indicators", police, period=PERIOD))[0] == 200
    assert (await status(feed, f"/units/{CLE_B.code}/indicators", police, period=PERIOD))[0] == 404
    assert (await status(feed, f"/units/{XINCHENG}:psb/indicators", police, period=PERIOD))[0] == 404
    code, body = await status(feed, "/window/clerks", police)
    assert code == 403 and body["code"] == "permission_denied"


async def test_the_county_sees_every_unit_and_a_county_department_its_own_everywhere(feed, seeded):
    for who in (demo_principal("county_admin"), demo_principal("auditor"), principal(("assessor", COUNTY))):
        codes = {u["unit"]["code"] for u in (await feed.get("/units", who, period=PERIOD, limit=200))["items"]}
        assert {CLE_B.code, f"{XINCHENG}:cle", f"{COUNTY}:nrp"} <= codes
    county_cle = demo_principal("dept_staff.cle")
    codes = {u["unit"]["code"] for u in (await feed.get("/units", county_cle, period=PERIOD, limit=200))["items"]}
    assert codes == {CLE_B.code, f"{XINCHENG}:cle", f"{COUNTY}:cle"}


async def test_roles_without_an_assessment_permission_are_refused_and_no_token_is_401(feed):
    code, body = await status(feed, "/units", demo_principal("grid_worker.bufeng"))
    assert code == 403 and body["code"] == "permission_denied"
    response = await feed.running.client.get("/api/assessment/v1/units")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_route_table_matches_the_router_exactly():
    served = {
        (method.upper(), path) for path, operations in create_app().openapi()["paths"].items() for method in operations
    }
    declared = {(r.method, r.path) for r in load_policy().routes if r.service == "assessment"}
    assert served == declared
