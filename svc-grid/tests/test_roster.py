"""The roster: posts on a grid (one full-time worker), the two-committees bar in urban communities,
A/B posts and absences; the roster events."""

import json

from sqlalchemy import func, select

from grid.roster.models import RosterEntry
from jiceng_shared.testing.plugin import headers_for, principal

BUFENG_VILLAGE = "320971100201"
GRID_1, GRID_2 = "320971100201001", "320971100201002"
XINCHENG_COMMUNITY = "320971001001"
URBAN_1, URBAN_2 = "320971001001001", "320971001001002"

director = principal(("community_director", BUFENG_VILLAGE), name="步凤村主任")
urban_director = principal(("community_director", XINCHENG_COMMUNITY), name="新城社区主任")
worker = principal(("grid_worker", GRID_1), name="网格员甲")


def person(grid_code: str, post: str = "full_time", **extra) -> dict:
    return {
        "grid_code": grid_code,
        "worker_id": f"user-{post}-{grid_code}-{extra.pop('n', 0)}",
        "name": "张网格",
        "post": post,
        "since": "2026-11-01",
    } | extra


async def counts(grid) -> tuple[int, int]:
    async with grid.ctx.db.session() as s:
        return (
            await s.scalar(select(func.count()).select_from(RosterEntry)),
            await s.scalar(select(func.count()).select_from(grid.ctx.db.infra.outbox)),
        )


async def events(grid, event_type: str) -> list[dict]:
    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as s:
        rows = (await s.execute(select(outbox.c.envelope).where(outbox.c.type == event_type))).all()
    return [json.loads(r.envelope)["data"] for r in rows]


async def post(grid, path, body, who=director):
    return await grid.client.post(f"/api/grid/v1{path}", json=body, headers=headers_for(who))


async def test_a_grid_takes_one_full_time_worker_and_any_auxiliaries(grid):
    first = await post(grid, "/roster", person(GRID_1))
    assert first.status_code == 201, first.text
    assert first.json()["post_zh"] == "专职网格员" and first.json()["community_code"] == BUFENG_VILLAGE
    rostered = [e for e in await events(grid, "grid.worker.rostered") if e["roster_id"] == first.json()["id"]]
    assert rostered and rostered[0]["post"] == "full_time" and rostered[0]["township_code"] == "320971100000"

    before = await counts(grid)
    second = await post(grid, "/roster", person(GRID_1, n=2))
    assert second.status_code == 409 and second.json()["code"] == "full_time_post_taken"
    assert await counts(grid) == before
    for post_name in ("auxiliary", "auxiliary", "chief"):
        ok = await post(grid, "/roster", person(GRID_1, post_name, n=len(post_name)))
        assert ok.status_code == 201, ok.text

    listed = await grid.client.get("/api/grid/v1/roster", params={"grid_code": GRID_1}, headers=headers_for(worker))
    assert listed.status_code == 200 and len(listed.json()["items"]) == 4


async def test_the_post_is_free_again_once_its_holder_left(grid):
    taken = (await post(grid, "/roster", person(GRID_2))).json()
    left = await post(grid, f"/roster/{taken['id']}/leave", {"until": "2026-11-10"})
    assert left.status_code == 200 and left.json()["until"] == "2026-11-10"
    assert [e for e in await events(grid, "grid.worker.left") if e["roster_id"] == taken["id"]]
    again = await post(grid, f"/roster/{taken['id']}/leave", {"until": "2026-11-11"})
    assert again.status_code == 409 and again.json()["code"] == "already_left"
    successor = await post(grid, "/roster", person(GRID_2, n=1, since="2026-11-11"))
    assert successor.status_code == 201, successor.text


async def test_an_urban_grid_worker_on_the_two_committees_is_refused(grid):
    before = await counts(grid)
    refused = await post(grid, "/roster", person(URBAN_1, committee_member=True), urban_director)
    assert refused.status_code == 422 and refused.json()["code"] == "committee_member_not_allowed"
    assert refused.json()["errors"][0]["field"] == "committee_member"
    assert await counts(grid) == before
    # a village's grid worker may be a group leader on the committees (002 art. 3)
    village = await post(grid, "/roster", person(GRID_1, "auxiliary", committee_member=True, n=9))
    assert village.status_code == 201


async def test_bad_input_names_every_field_and_outside_scope_is_refused(grid):
    bad = await post(grid, "/roster", {"grid_code": "1", "worker_id": "", "name": "x", "post": "boss", "since": "x"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"grid_code", "worker_id", "post", "since"}
    unknown = await post(grid, "/roster", person("320971100201099"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_grid"
    other = await post(grid, "/roster", person(URBAN_2))
    assert other.status_code == 403 and other.json()["code"] == "scope_denied"
    denied = await post(grid, "/roster", person(GRID_1, "auxiliary"), worker)
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"


async def test_a_b_posts_and_absences(grid):
    pair = await grid.client.put(
        "/api/grid/v1/roster/backups",
        json={"grid_code": GRID_1, "backup_grid_code": GRID_2},
        headers=headers_for(director),
    )
    assert pair.status_code == 200 and len(pair.json()["items"]) == 2
    across = await grid.client.put(
        "/api/grid/v1/roster/backups",
        json={"grid_code": GRID_1, "backup_grid_code": URBAN_1},
        headers=headers_for(director),
    )
    assert across.status_code in (403, 422)
    absent = await post(
        grid,
        "/roster/absences",
        {"grid_code": GRID_1, "first_day": "2026-12-01", "last_day": "2026-12-03", "reason": "病假"},
    )
    assert absent.status_code == 201 and absent.json()["covered_by_grid"] == GRID_2
    reversed_ = await post(
        grid,
        "/roster/absences",
        {"grid_code": GRID_1, "first_day": "2026-12-03", "last_day": "2026-12-01", "reason": "x"},
    )
    assert reversed_.status_code == 422 and reversed_.json()["code"] == "period_reversed"


async def test_a_b_posts_refuse_grids_that_are_not_adjacent(grid):
    import datetime as dt

    from grid.areas.models import Area
    from grid.roster.models import BackupPost

    far, undrawn = BUFENG_VILLAGE + "081", BUFENG_VILLAGE + "082"
    square = [[120.33, 33.3], [120.34, 33.3], [120.34, 33.31], [120.33, 33.31], [120.33, 33.3]]
    async with grid.ctx.db.transaction() as s:
        for code, polygon in ((far, {"type": "Polygon", "coordinates": [square]}), (undrawn, None)):
            s.add(
                Area(
                    code=code,
                    name="测试网格",
                    level="grid",
                    parent_code=BUFENG_VILLAGE,
                    township_code="320971100000",
                    grid_type="basic",
                    polygon=polygon,
                    created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )

    async def pair(a: str, b: str):
        return await grid.client.put(
            "/api/grid/v1/roster/backups", json={"grid_code": a, "backup_grid_code": b}, headers=headers_for(director)
        )

    async def pairs() -> list[tuple[str, str]]:
        async with grid.ctx.db.session() as s:
            return sorted((await s.execute(select(BackupPost.grid_code, BackupPost.backup_grid_code))).all())

    before = await pairs()
    refused = await pair(GRID_2, far)  # GRID_1 lies between them
    assert refused.status_code == 422 and refused.json()["code"] == "backup_not_adjacent"
    assert refused.json()["errors"][0]["field"] == "backup_grid_code"
    not_drawn = await pair(GRID_2, undrawn)
    assert not_drawn.status_code == 422 and not_drawn.json()["code"] == "grid_not_drawn"
    assert await pairs() == before  # nothing written
    assert (await pair(GRID_1, GRID_2)).status_code == 200  # sharing an edge
