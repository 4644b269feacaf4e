"""Base data 人房企 (002 art. 11): people with every field the seed lists, households, buildings and
enterprises linked to them, kept current with history, deregistration; the special registers with
least privilege and masking."""

import json

from sqlalchemy import select

from grid.people import rules
from grid.residents.rules import check_character
from jiceng_shared.testing.plugin import headers_for, principal

VILLAGE = "320971100201"
GRID = "320971100201001"
worker = principal(("grid_worker", GRID), name="网格员甲")
agent = principal(("village_agent", VILLAGE), name="代办员")
auditor = principal(("auditor", "320971000000"), name="纪检")
leader = principal(("township_leader", "320971100000"), name="镇领导")
CREDIT = "91350100M000100Y43"  # the standard's own example


async def api(grid, method, path, who=worker, **kw):
    return await grid.client.request(method, f"/api/grid/v1{path}", headers=headers_for(who), **kw)


async def events(grid, event_type: str) -> list[dict]:
    outbox = grid.ctx.db.infra.outbox
    async with grid.ctx.db.session() as s:
        rows = (await s.execute(select(outbox.c.envelope).where(outbox.c.type == event_type))).all()
    return [json.loads(r.envelope)["data"] for r in rows]


def person(first17: str, **extra) -> dict:
    return {
        "grid_code": GRID,
        "name": "钱矫正",
        "id_number": first17 + check_character(first17),
        "phone": "13900003333",
        "address": "步凤村七组1号",
        "household_no": "B-0001",
        "household_head": True,
    } | extra


def test_credit_codes_follow_gb_32100():
    assert rules.valid_credit_code(CREDIT)
    assert not rules.valid_credit_code(CREDIT[:-1] + "4")  # wrong check character
    assert not rules.valid_credit_code("91350100M000100YI3")  # I is not in the alphabet
    assert not rules.valid_credit_code(CREDIT[:-1])


async def test_a_person_with_art_11_fields_and_a_register_term_history_and_deregistration(grid):
    building = await api(
        grid,
        "POST",
        "/buildings",
        json={"grid_code": GRID, "name": "七组1号楼", "address": "步凤村七组1号", "use": "residential", "floors": 3},
    )
    assert building.status_code == 201, building.text
    body = person(
        "32097119800101051",
        special_groups=["community_corrections", "disabled"],
        group_details={"community_corrections": {"term_start": "2026-01-01", "term_end": "2027-06-30"}},
        building_id=building.json()["id"],
        housing="owned",
        social_security=["pension", "medical"],
        employment="farming",
        income_band="low",
        safety_notes="独居，煤气灶老化",
    )
    created = await api(grid, "POST", "/residents", json=body)
    assert created.status_code == 201, created.text
    resident = created.json()
    assert resident["group_details"]["community_corrections"]["term_end"] == "2027-06-30"
    assert resident["social_security"] == ["pension", "medical"] and resident["housing"] == "owned"
    households = await api(grid, "GET", "/households", params={"grid_code": GRID})
    mine = next(h for h in households.json()["items"] if h["household_no"] == "B-0001")
    assert mine["members"] == 1 and "*" in mine["address_masked"]
    assert [e for e in await events(grid, "grid.household.registered") if e["household_id"] == mine["id"]]

    path = f"/residents/{resident['id']}"
    changed = await api(
        grid, "PATCH", path, json={"version": resident["version"], "phone": "13900004444", "employment": "migrant_work"}
    )
    assert changed.status_code == 200 and changed.json()["phone"] == "13900004444"
    stale = await api(grid, "PATCH", path, json={"version": resident["version"], "phone": "13900005555"})
    assert stale.status_code == 409
    history = (await api(grid, "GET", f"/history/resident/{resident['id']}")).json()["items"]
    assert [h["action"] for h in history] == ["created", "updated"]
    assert history[1]["changes"] == {"phone": ["13900003333", "13900004444"], "employment": ["farming", "migrant_work"]}
    assert history[1]["changed_by"] == worker.subject and history[1]["changed_by_name"] == "网格员甲"

    # least privilege: the agent and the auditor see the person, never the sensitive register
    for who in (agent, auditor):
        listed = await api(grid, "GET", "/residents", who, params={"grid_code": GRID, "limit": 200})
        line = next(r for r in listed.json()["items"] if r["id"] == resident["id"])
        assert line["special_groups"] == ["disabled"] and line["name_masked"] == "钱**"
        assert "name" not in line and "address" not in line
        refused = await api(grid, "GET", "/registers/community_corrections", who)
        assert refused.status_code == 403 and refused.json()["code"] == "sensitive_register"
        refused = await api(grid, "GET", "/residents", who, params={"special_group": "community_corrections"})
        assert refused.status_code == 403
    open_register = await api(grid, "GET", "/registers/disabled", agent)
    assert open_register.status_code == 200 and resident["id"] in [
        i["resident_id"] for i in open_register.json()["items"]
    ]
    register = await api(grid, "GET", "/registers/community_corrections", worker)
    assert register.status_code == 200 and register.json()["sensitive"] is True
    entry = next(i for i in register.json()["items"] if i["resident_id"] == resident["id"])
    assert entry["details"]["term_end"] == "2027-06-30" and entry["name_masked"] == "钱**"
    assert "*" in entry["id_number_masked"] and entry["phone_masked"] == "139****4444"
    filtered = await api(grid, "GET", "/residents", leader, params={"special_group": "community_corrections"})
    assert [r["id"] for r in filtered.json()["items"]] == [resident["id"]]

    future = await api(
        grid, "POST", f"{path}/deregister", json={"reason": "moved_away", "on": "2099-01-01", "version": 2}
    )
    assert future.status_code == 422 and future.json()["code"] == "date_in_future"
    gone = await api(
        grid, "POST", f"{path}/deregister", json={"reason": "moved_away", "on": "2026-11-01", "version": 2}
    )
    assert gone.status_code == 200 and gone.json()["status"] == "moved_away"
    again = await api(grid, "PATCH", path, json={"version": 3, "phone": "13900006666"})
    assert again.status_code == 409 and again.json()["code"] == "resident_deregistered"
    closed = [e for e in await events(grid, "grid.household.deregistered") if e["household_id"] == mine["id"]]
    assert len(closed) == 1 and closed[0]["reason"] == "moved_away"
    register = await api(grid, "GET", "/registers/community_corrections", worker)
    assert resident["id"] not in [i["resident_id"] for i in register.json()["items"]]


async def test_register_fields_are_checked(grid):
    bad = await api(
        grid,
        "POST",
        "/residents",
        json=person(
            "32097119800101061",
            household_no="B-0002",
            special_groups=["community_corrections"],
            group_details={
                "community_corrections": {"term_start": "2026-06-01", "term_end": "2026-01-01", "colour": "x"},
                "disabled": {"grade": "二级"},
            },
        ),
    )
    assert bad.status_code == 422
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("group_details.community_corrections.colour", "unknown_group_field"),
        ("group_details.community_corrections.term_end", "period_reversed"),
        ("group_details.disabled", "group_details_without_group"),
    }


async def test_enterprises_have_a_valid_credit_code_and_a_masked_representative(grid):
    body = {
        "grid_code": GRID,
        "name": "步凤农机合作社",
        "credit_code": CREDIT,
        "legal_representative": "赵建华",
        "phone": "13900002222",
        "address": "步凤村工业路8号",
        "employees": 12,
    }
    bad = await api(grid, "POST", "/enterprises", json=body | {"credit_code": CREDIT[:-1] + "4", "phone": "123"})
    assert bad.status_code == 422 and {e["code"] for e in bad.json()["errors"]} == {
        "invalid_credit_code",
        "invalid_phone",
    }
    created = await api(grid, "POST", "/enterprises", json=body)
    assert created.status_code == 201, created.text
    twice = await api(grid, "POST", "/enterprises", json=body)
    assert twice.status_code == 409 and twice.json()["code"] == "enterprise_exists"
    listed = (await api(grid, "GET", "/enterprises", agent)).json()["items"]
    line = next(e for e in listed if e["id"] == created.json()["id"])
    assert line["legal_representative_masked"] == "赵**" and "legal_representative" not in line
    full = await api(grid, "GET", f"/enterprises/{created.json()['id']}", worker)
    assert full.json()["legal_representative"] == "赵建华"
    assert (await api(grid, "GET", f"/enterprises/{created.json()['id']}", agent)).status_code == 403
    changed = await api(grid, "PATCH", f"/enterprises/{created.json()['id']}", json={"version": 1, "employees": 15})
    assert changed.status_code == 200 and changed.json()["employees"] == 15
    history = (await api(grid, "GET", f"/history/enterprise/{created.json()['id']}")).json()["items"]
    assert history[-1]["changes"] == {"employees": [12, 15]}


async def test_the_size_flag_counts_the_base_data_on_both_sides_of_the_limit(grid):
    from grid.areas.rules import GridSizeLimits, grid_oversize
    from grid.people.size import grid_counts

    other = "320971100201002"
    sizes = {
        s["grid_code"]: s
        for s in (await api(grid, "GET", "/grid-sizes", leader, params={"limit": 200})).json()["items"]
    }
    assert set(sizes) == {GRID, other}  # the township's grids only
    async with grid.ctx.db.session() as s:
        households, people = (await grid_counts(s, [other]))[other]
    assert (households, people) == (sizes[other]["households"], sizes[other]["people"]) and people > 0
    at_limit = GridSizeLimits(max_households=households, max_people=people)
    assert grid_oversize(households, people, False, at_limit) == []
    one_less = GridSizeLimits(max_households=households - 1, max_people=people - 1)
    assert len(grid_oversize(households, people, False, one_less)) == 2
    # one more person registered in the grid moves its count: the flag follows the base data
    first17 = "32097119900101081"
    body = person(first17, grid_code=other, household_no="S-0001")
    assert (await api(grid, "POST", "/residents", principal(("grid_worker", other)), json=body)).status_code == 201
    after = {s["grid_code"]: s for s in (await api(grid, "GET", "/grid-sizes", leader)).json()["items"]}[other]
    assert (after["households"], after["people"]) == (households + 1, people + 1)
    assert grid_oversize(after["households"], after["people"], False, at_limit)
