"""Residents (grid base data): registered by the grid's worker, masked in lists, scoped, full record on its own."""

from sqlalchemy import func, select

from grid.residents import rules
from grid.residents.models import Resident
from jiceng_shared.masking import mask_id_number, mask_phone
from jiceng_shared.testing.plugin import headers_for, principal

GRID_1 = "320971100201001"
GRID_2 = "320971100201002"
XINCHENG_GRID = "320971001001001"
BUFENG_VILLAGE = "320971100201"

worker = principal(("grid_worker", GRID_1), ("grid_worker", GRID_2), name="网格员甲")
other_worker = principal(("grid_worker", XINCHENG_GRID))
agent = principal(("village_agent", BUFENG_VILLAGE))
leader_b = principal(("township_leader", "320971001000"))
dispatcher = principal(("dispatcher", "320971100000"))


def person(first17: str = "32097119900101001", **overrides) -> dict:
    return {
        "grid_code": GRID_1,
        "name": "张三",
        "id_number": first17 + rules.check_character(first17),
        "phone": "13900001111",
        "address": "步凤村五组3号",
        "household_no": "H-0099",
        "household_head": True,
        "special_groups": ["disabled"],
    } | overrides


async def count(grid) -> tuple[int, int]:
    async with grid.ctx.db.session() as s:
        return (
            await s.scalar(select(func.count()).select_from(Resident)),
            await s.scalar(select(func.count()).select_from(grid.ctx.db.infra.outbox)),
        )


def test_identity_numbers_follow_gb_11643():
    assert rules.check_character("11010519491231002") == "X"  # the standard's own example
    assert rules.valid_id_number("11010519491231002X")
    assert not rules.valid_id_number("110105194912310021")  # wrong check character
    assert not rules.valid_id_number("11010519490231002X".replace("X", rules.check_character("11010519490231002")))
    assert not rules.valid_id_number("11010519491231002")  # 17 characters


def test_masks_keep_6_and_4_of_an_identity_number_and_3_and_4_of_a_mobile():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0515-88881234") == "*********1234"
    assert mask_phone(None) is None


async def test_the_grid_worker_registers_a_resident_and_reads_the_full_record(grid):
    body = person("32097119900101011")
    response = await grid.client.post("/api/grid/v1/residents", json=body, headers=headers_for(worker))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id_number"] == body["id_number"] and created["address"] == body["address"]
    assert created["special_groups_zh"] == ["残疾人"] and created["township_code"] == "320971100000"
    detail = await grid.client.get(f"/api/grid/v1/residents/{created['id']}", headers=headers_for(worker))
    assert detail.status_code == 200 and detail.json()["phone"] == "13900001111"
    again = await grid.client.post(
        "/api/grid/v1/residents", json=body | {"grid_code": GRID_2}, headers=headers_for(worker)
    )
    assert again.status_code == 409 and again.json()["code"] == "resident_exists"


async def test_lists_are_masked_and_carry_no_address(grid):
    listed = (
        await grid.client.get("/api/grid/v1/residents", params={"grid_code": GRID_1}, headers=headers_for(agent))
    ).json()["items"]
    assert listed and all("address" not in r and "id_number" not in r and "phone" not in r for r in listed)
    assert all(len(r["id_number_masked"]) == 18 and r["id_number_masked"][6:14] == "********" for r in listed)
    assert all(r["phone_masked"] is None or "****" in r["phone_masked"] for r in listed)


async def test_the_other_township_sees_no_resident_and_a_record_outside_every_scope_is_404(grid):
    mine = (await grid.client.get("/api/grid/v1/residents", headers=headers_for(worker))).json()["items"]
    assert mine and {r["township_code"] for r in mine} == {"320971100000"}
    theirs = (await grid.client.get("/api/grid/v1/residents", headers=headers_for(leader_b))).json()["items"]
    assert theirs and {r["township_code"] for r in theirs} == {"320971001000"}
    response = await grid.client.get(f"/api/grid/v1/residents/{mine[0]['id']}", headers=headers_for(leader_b))
    assert response.status_code == 404


async def test_a_village_agent_lists_but_may_not_open_a_full_record(grid):
    mine = (await grid.client.get("/api/grid/v1/residents", headers=headers_for(agent))).json()["items"]
    response = await grid.client.get(f"/api/grid/v1/residents/{mine[0]['id']}", headers=headers_for(agent))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_only_the_worker_of_the_grid_registers_there(grid):
    before = await count(grid)
    response = await grid.client.post(
        "/api/grid/v1/residents", json=person("32097119900101021"), headers=headers_for(other_worker)
    )
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
    response = await grid.client.post(
        "/api/grid/v1/residents", json=person("32097119900101022"), headers=headers_for(dispatcher)
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert await count(grid) == before


async def test_every_bad_field_is_named_at_once_and_nothing_is_written(grid):
    before = await count(grid)
    response = await grid.client.post(
        "/api/grid/v1/residents",
        headers=headers_for(worker),
        json=person(id_number="320971199001010310", phone="12345", special_groups=["vip"]),
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    codes = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "id_number": "invalid_id_number",
        "phone": "invalid_phone",
        "special_groups.0": "unknown_special_group",
    }
    response = await grid.client.post(
        "/api/grid/v1/residents",
        headers=headers_for(worker),
        json=person("32097119900101031", grid_code="320971100201009"),
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_grid"
    response = await grid.client.post(
        "/api/grid/v1/residents", headers=headers_for(worker), json=person("32097119900101032", nickname="x")
    )
    assert response.status_code == 422
    assert await count(grid) == before
