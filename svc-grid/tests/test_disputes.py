"""Disputes (矛盾纠纷): recorded with masked parties, mediated in steps, resolved in the grid or handed
to the command centre as an incident; closed disputes take no further steps."""

import json

from sqlalchemy import select

from grid.residents.rules import check_character
from jiceng_shared.testing.plugin import headers_for, principal

GRID = "320971100201001"
worker = principal(("grid_worker", GRID), name="网格员甲")
chief = principal(("grid_chief", "320971100201"), name="网格长")
dispatcher = principal(("dispatcher", "320971100000"), name="调度员")
POINT = {"type": "Point", "coordinates": [120.305, 33.305]}


async def api(grid, method, path, who=worker, **kw):
    return await grid.client.request(method, f"/api/grid/v1{path}", headers=headers_for(who), **kw)


def dispute(**extra) -> dict:
    first17 = "32097119700101071"
    return {
        "grid_code": GRID,
        "kind": "neighbour",
        "description": "两户因宅基地边界争执",
        "location": POINT,
        "parties": [
            {
                "name": "张大山",
                "id_number": first17 + check_character(first17),
                "phone": "13900007777",
                "role": "applicant",
            },
            {"name": "李小河", "role": "respondent"},
        ],
    } | extra


async def test_a_dispute_mediated_and_resolved_in_the_grid(grid):
    created = await api(grid, "POST", "/disputes", json=dispute())
    assert created.status_code == 201, created.text
    d = created.json()
    assert [p["name_masked"] for p in d["parties"]] == ["张**", "李**"] and d["status"] == "recorded"
    listed = await api(grid, "GET", "/disputes", dispatcher)
    line = next(x for x in listed.json()["items"] if x["id"] == d["id"])
    assert "parties_full" not in line and line["parties"][0]["name_masked"] == "张**"
    assert (await api(grid, "GET", f"/disputes/{d['id']}", dispatcher)).status_code == 403

    step = await api(grid, "POST", f"/disputes/{d['id']}/mediation", json={"note": "约双方到村委会面谈", "version": 1})
    assert step.status_code == 200 and step.json()["status"] == "mediating"
    done = await api(grid, "POST", f"/disputes/{d['id']}/resolve", json={"outcome": "重新测量，立界桩", "version": 2})
    assert done.status_code == 200 and done.json()["status"] == "resolved" and done.json()["status_zh"] == "网格内化解"
    closed = await api(grid, "POST", f"/disputes/{d['id']}/mediation", json={"note": "再谈", "version": 3})
    assert closed.status_code == 409 and closed.json()["code"] == "dispute_closed"
    full = (await api(grid, "GET", f"/disputes/{d['id']}", chief)).json()
    assert full["parties_full"][0]["name"] == "张大山"
    assert [s["kind"] for s in full["steps"]] == ["recorded", "mediation", "resolved"]


async def test_a_dispute_not_resolved_goes_to_the_command_centre_as_an_incident(grid):
    d = (await api(grid, "POST", "/disputes", json=dispute(kind="labour", description="拖欠工资"))).json()
    bad = await api(
        grid, "POST", f"/disputes/{d['id']}/hand-over", json={"category": "no_such", "reason": "x", "version": 1}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_category"
    handed = await api(
        grid,
        "POST",
        f"/disputes/{d['id']}/hand-over",
        json={"category": "environment_pollution", "reason": "调解不成", "version": 1},
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["status"] == "handed_over" and handed.json()["incident_id"]
    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as s:
        rows = (await s.execute(select(outbox.c.envelope).where(outbox.c.type == "grid.incident.reported"))).all()
    reported = [json.loads(r.envelope)["data"] for r in rows]
    assert [i["incident_id"] for i in reported if i["incident_id"] == handed.json()["incident_id"]]


async def test_bad_parties_are_named_and_nothing_is_written(grid):
    before = len((await api(grid, "GET", "/disputes")).json()["items"])
    bad = await api(
        grid,
        "POST",
        "/disputes",
        json=dispute(parties=[{"name": "甲", "id_number": "320971197001010710", "phone": "123"}]),
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {
        "parties.0.id_number",
        "parties.0.phone",
    }
    not_a_point = await api(
        grid, "POST", "/disputes", json=dispute(location={"type": "LineString", "coordinates": [1, 2]})
    )
    assert not_a_point.status_code == 422
    assert len((await api(grid, "GET", "/disputes")).json()["items"]) == before
