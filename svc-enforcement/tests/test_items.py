"""The enforcement-item list: what is delegated to whom on a date, and publishing revisions."""

import datetime as dt

from enforcement.items.models import Delegation, ItemRevision
from enforcement.testing import ADMIN, API, BUFENG, LEADER, OFFICER, OFFICER_B, XINCHENG, count_rows
from jiceng_shared.db import utcnow
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

TODAY = utcnow().astimezone(COUNTY_ZONE).date()


def new_item(code: str, **overrides):
    body = {
        "code": code,
        "name_zh": "对违法户外广告设施的行政处罚",
        "categories": ["environment_pollution"],
        "competent_dept": "hud",
        "legal_basis": "《城市市容和环境卫生管理条例》第十一条",
        "kind": "penalty",
        "delegable": True,
        "delegations": [{"township_code": BUFENG, "valid_from": TODAY.isoformat()}],
    }
    return body | overrides


async def items_of(svc, who, **params):
    response = await svc.client.get(f"{API}/items", params=params, headers=headers_for(who))
    assert response.status_code == 200, response.text
    return {i["code"]: i for i in response.json()["items"]}


async def test_street_occupation_is_delegated_to_both_townships_and_farmland_construction_to_neither(enforcement):
    bufeng = await items_of(enforcement, OFFICER, township_code=BUFENG)
    xincheng = await items_of(enforcement, OFFICER_B, township_code=XINCHENG)
    for listed in (bufeng, xincheng):
        assert listed["ZF-CG-001"]["delegated"] is True
        assert listed["ZF-CG-001"]["categories_zh"] == ["占道经营"]
        assert listed["ZF-TD-077"]["delegated"] is False
        assert listed["ZF-TD-077"]["competent_dept"] == "nrp"
        assert listed["ZF-QZ-001"]["delegable"] is False and listed["ZF-QZ-001"]["delegated"] is False
    # the safety item is delegated to Bufeng only
    assert bufeng["ZF-AQ-102"]["delegated"] is True and xincheng["ZF-AQ-102"]["delegated"] is False
    assert bufeng["ZF-CG-001"]["delegated_townships"] == sorted([BUFENG, XINCHENG])


async def test_the_list_answers_for_a_date_and_filters_what_is_not_delegated(enforcement):
    assert await items_of(enforcement, LEADER, township_code=BUFENG, on="2023-12-31") == {}
    not_delegated = await items_of(enforcement, LEADER, township_code=BUFENG, delegated="false")
    assert set(not_delegated) >= {"ZF-TD-077", "ZF-QZ-001"} and "ZF-CG-001" not in not_delegated
    by_category = await items_of(enforcement, LEADER, category="illegal_construction_farmland")
    assert list(by_category) == ["ZF-TD-077"] and by_category["ZF-TD-077"]["delegated"] is None


async def test_the_list_is_paginated_by_code(enforcement):
    first = (await enforcement.client.get(f"{API}/items", params={"limit": 2}, headers=headers_for(ADMIN))).json()
    second = (
        await enforcement.client.get(
            f"{API}/items", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers_for(ADMIN)
        )
    ).json()
    codes = [i["code"] for i in first["items"] + second["items"]]
    assert codes == sorted(codes) and len(set(codes)) == 4


async def test_the_county_admin_publishes_an_item_and_each_edit_is_a_new_revision(enforcement):
    created = await enforcement.client.post(f"{API}/items", json=new_item("ZF-SR-011"), headers=headers_for(ADMIN))
    assert created.status_code == 201, created.text
    assert created.json()["revision"] == 1 and created.json()["delegated_townships"] == [BUFENG]
    assert created.headers["location"].endswith("/items/ZF-SR-011")

    revised = await enforcement.client.put(
        f"{API}/items/ZF-SR-011",
        json=new_item("x", name_zh="对违法设置户外广告的行政处罚", base_revision=1) | {"code": None},
        headers=headers_for(ADMIN),
    )
    assert revised.status_code == 422  # code is not part of a revision
    body = {k: v for k, v in new_item("x").items() if k != "code"}
    body["delegations"].append({"township_code": XINCHENG, "valid_from": TODAY.isoformat()})
    revised = await enforcement.client.put(
        f"{API}/items/ZF-SR-011", json=body | {"base_revision": 1}, headers=headers_for(ADMIN)
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["revision"] == 2 and revised.json()["delegated_townships"] == sorted([BUFENG, XINCHENG])
    history = (await enforcement.client.get(f"{API}/items/ZF-SR-011/revisions", headers=headers_for(LEADER))).json()[
        "items"
    ]
    assert [r["revision"] for r in history] == [1, 2]
    current = (
        await enforcement.client.get(
            f"{API}/items/ZF-SR-011", params={"township_code": XINCHENG}, headers=headers_for(LEADER)
        )
    ).json()
    assert current["revision"] == 2 and current["delegated"] is True

    stale = await enforcement.client.put(
        f"{API}/items/ZF-SR-011", json=body | {"base_revision": 1}, headers=headers_for(ADMIN)
    )
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_update"
    again = await enforcement.client.post(f"{API}/items", json=new_item("ZF-SR-011"), headers=headers_for(ADMIN))
    assert again.status_code == 409 and again.json()["code"] == "item_exists"


async def test_delegating_an_item_that_restricts_personal_freedom_is_refused_and_nothing_is_written(enforcement):
    before = await count_rows(enforcement, ItemRevision, Delegation)
    detention = new_item(
        "ZF-QZ-002",
        name_zh="限制人身自由的行政强制措施",
        kind="coercive_measure",
        restricts_personal_freedom=True,
        delegable=True,
    )
    response = await enforcement.client.post(f"{API}/items", json=detention, headers=headers_for(ADMIN))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_delegable"

    # an existing non-delegable item cannot be delegated by a new revision either
    existing = (await enforcement.client.get(f"{API}/items/ZF-QZ-001", headers=headers_for(ADMIN))).json()
    body = {
        k: existing[k]
        for k in (
            "name_zh",
            "categories",
            "competent_dept",
            "legal_basis",
            "kind",
            "delegable",
            "restricts_personal_freedom",
            "national_security",
        )
    }
    body["delegations"] = [{"township_code": BUFENG, "valid_from": TODAY.isoformat()}]
    response = await enforcement.client.put(f"{API}/items/ZF-QZ-001", json=body, headers=headers_for(ADMIN))
    assert response.status_code == 422 and response.json()["code"] == "not_delegable"
    assert await count_rows(enforcement, ItemRevision, Delegation) == before


async def test_every_bad_field_of_an_item_is_named_at_once_and_nothing_is_written(enforcement):
    before = await count_rows(enforcement, ItemRevision, Delegation)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    bad = new_item(
        "ZF-XX-001",
        categories=["flying_saucer"],
        competent_dept="nasa",
        effective_from=yesterday,
        delegations=[{"township_code": "320971999000", "valid_from": TODAY.isoformat()}],
    )
    response = await enforcement.client.post(f"{API}/items", json=bad, headers=headers_for(ADMIN))
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    codes = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "categories.0": "unknown_category",
        "competent_dept": "unknown_department",
        "effective_from": "effective_from_in_past",
        "delegations.0.township_code": "unknown_township",
    }
    shape = await enforcement.client.post(
        f"{API}/items", json={"code": "bad code", "delegable": "maybe"}, headers=headers_for(ADMIN)
    )
    assert shape.status_code == 422
    assert {"code", "delegable", "name_zh", "categories"} <= {e["field"] for e in shape.json()["errors"]}
    assert await count_rows(enforcement, ItemRevision, Delegation) == before


async def test_only_the_county_admin_edits_the_list(enforcement):
    response = await enforcement.client.post(f"{API}/items", json=new_item("ZF-SR-012"), headers=headers_for(OFFICER))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    missing = await enforcement.client.put(
        f"{API}/items/ZF-NONE", json={k: v for k, v in new_item("x").items() if k != "code"}, headers=headers_for(ADMIN)
    )
    assert missing.status_code == 404


async def test_an_item_is_in_force_through_the_last_day_of_its_effective_until(enforcement, clock):
    until = TODAY + dt.timedelta(days=10)
    created = await enforcement.client.post(
        f"{API}/items", json=new_item("ZF-SR-031", effective_until=until.isoformat()), headers=headers_for(ADMIN)
    )
    assert created.status_code == 201, created.text

    async def on(day: dt.date) -> int:
        response = await enforcement.client.get(
            f"{API}/items/ZF-SR-031", params={"on": day.isoformat()}, headers=headers_for(LEADER)
        )
        return response.status_code

    assert (await on(until), await on(until + dt.timedelta(days=1))) == (200, 404)
    assert "ZF-SR-031" in await items_of(enforcement, LEADER, on=until.isoformat())
    assert "ZF-SR-031" not in await items_of(enforcement, LEADER, on=(until + dt.timedelta(days=1)).isoformat())
    # and "today" is the service's: the last second of the last day, then the first of the next
    clock.set(dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=COUNTY_ZONE))
    today = await enforcement.client.get(f"{API}/items/ZF-SR-031", headers=headers_for(LEADER))
    assert today.status_code == 200 and today.json()["effective_until"] == until.isoformat()
    clock.advance(seconds=1)
    assert (await enforcement.client.get(f"{API}/items/ZF-SR-031", headers=headers_for(LEADER))).status_code == 404
