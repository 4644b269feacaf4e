"""The catalogue as versioned data: county_admin edits, effective dates, ceilings, public guides."""

import datetime as dt

from approval_testkit import API, BUFENG, applicant, as_, count, public

from approval.catalogue.models import CatalogueItem, CatalogueMaterial

ADMIN = "county_admin"


def item(code: str, **overrides):
    body = {
        "code": code,
        "name": "测试事项",
        "department": "soc",
        "delegated_townships": [BUFENG],
        "kind": "committed",
        "limit_workdays": 10,
        "materials": [
            {"code": "id_card", "name": "居民身份证", "requirement": "required"},
            {
                "code": "household_register",
                "name": "户口簿",
                "requirement": "shared",
                "shared_source": "公安人口信息库",
            },
        ],
    }
    return body | overrides


async def test_the_demo_catalogue_has_the_four_kinds_of_item_with_shared_materials(approval):
    response = await approval.client.get(
        f"{API}/catalogue/items", params={"limit": 200}, headers=as_("window_clerk.bufeng")
    )
    assert response.status_code == 200
    items = {i["code"]: i for i in response.json()["items"]}
    assert items["elderly_card"]["kind"] == "instant" and items["elderly_card"]["kind_zh"] == "即办件"
    assert items["homestead_building"]["limit_workdays"] == 15 and items["homestead_building"]["kind_zh"] == "承诺件"
    assert items["resident_pension_enrolment"]["cross_township"] is True
    assert (
        items["disability_certificate"]["proxy"] is True
        and items["disability_certificate"]["delegated_townships"] == []
    )
    for code in ("elderly_card", "homestead_building", "resident_pension_enrolment", "disability_certificate"):
        requirements = {m["requirement"] for m in items[code]["materials"]}
        assert "shared" in requirements and "required" in requirements


async def test_a_limit_beyond_the_statutory_ceiling_is_refused_and_nothing_is_written(approval):
    before = (await count(approval, CatalogueItem), await count(approval, CatalogueMaterial))
    response = await approval.client.post(
        f"{API}/catalogue/items", json=item("too_slow", limit_workdays=21), headers=as_(ADMIN)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "limit_exceeds_statutory_ceiling"
    ok = await approval.client.post(
        f"{API}/catalogue/items", json=item("joint_item", limit_workdays=45, joint=True), headers=as_(ADMIN)
    )
    assert ok.status_code == 201, ok.text
    response = await approval.client.put(
        f"{API}/catalogue/items/joint_item",
        json={k: v for k, v in item("x", limit_workdays=46, joint=True).items() if k != "code"},
        headers=as_(ADMIN),
    )
    assert response.status_code == 422 and response.json()["code"] == "limit_exceeds_statutory_ceiling"
    assert (await count(approval, CatalogueItem), await count(approval, CatalogueMaterial)) == (
        before[0] + 1,
        before[1] + 2,
    )


async def test_only_the_county_admin_edits_the_catalogue(approval):
    response = await approval.client.post(
        f"{API}/catalogue/items", json=item("clerk_item"), headers=as_("window_clerk.bufeng")
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_bad_catalogue_input_names_every_problem(approval):
    body = item("broken", department="nope", delegated_townships=["320971999000"], kind="instant", limit_workdays=3)
    body["materials"].append({"code": "id_card", "name": "重复", "requirement": "required"})
    response = await approval.client.post(f"{API}/catalogue/items", json=body, headers=as_(ADMIN))
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    codes = {e["code"] for e in response.json()["errors"]}
    assert codes == {"unknown_department", "unknown_township", "instant_has_no_limit", "duplicate_material"}
    again = await approval.client.post(f"{API}/catalogue/items", json=item("elderly_card"), headers=as_(ADMIN))
    assert again.status_code == 409 and again.json()["code"] == "item_exists"


async def test_an_unknown_kind_or_requirement_is_refused_naming_each_field(approval):
    body = item("bad_enums", kind="urgent")
    body["materials"][0]["requirement"] = "maybe"
    before = await count(approval, CatalogueItem)
    response = await approval.client.post(f"{API}/catalogue/items", json=body, headers=as_(ADMIN))
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"kind", "materials.0.requirement"}
    assert await count(approval, CatalogueItem) == before


async def test_a_new_version_never_changes_an_accepted_application(approval, clock):
    clock.set(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC))
    created = await approval.client.post(f"{API}/catalogue/items", json=item("versioned_item"), headers=as_(ADMIN))
    assert created.status_code == 201
    accepted = await approval.client.post(
        f"{API}/applications",
        json={"item_code": "versioned_item", "applicant": applicant(), "materials": [{"code": "id_card"}]},
        headers=as_("window_clerk.bufeng"),
    )
    assert accepted.status_code == 201 and accepted.json()["status"] == "accepted"
    app = accepted.json()
    # version 2 halves the limit and asks for a photo, from tomorrow
    v2 = item("versioned_item", limit_workdays=5, effective_from="2026-11-17", change_note="精简时限")
    v2["materials"].append({"code": "photo", "name": "照片", "requirement": "required"})
    del v2["code"]
    response = await approval.client.put(f"{API}/catalogue/items/versioned_item", json=v2, headers=as_(ADMIN))
    assert response.status_code == 200 and response.json()["version"] == 2
    # today version 1 is still in force; tomorrow version 2
    today = (await approval.client.get(f"{API}/catalogue/items/versioned_item", headers=as_(ADMIN))).json()
    assert today["version"] == 1 and today["effective_to"] == "2026-11-17"
    tomorrow = await approval.client.get(
        f"{API}/catalogue/items/versioned_item", params={"as_of": "2026-11-17"}, headers=as_(ADMIN)
    )
    assert tomorrow.json()["version"] == 2
    clock.advance(days=1)
    later = await approval.client.post(
        f"{API}/applications",
        json={"item_code": "versioned_item", "applicant": applicant(), "materials": [{"code": "id_card"}]},
        headers=as_("window_clerk.bufeng"),
    )
    assert later.json()["item_version"] == 2 and later.json()["status"] == "awaiting_materials"
    # the first application keeps version 1: its limit, its deadline, its materials
    detail = (await approval.client.get(f"{API}/applications/{app['id']}", headers=as_("window_clerk.bufeng"))).json()
    assert detail["item_version"] == 1 and detail["limit_workdays"] == 10 and detail["deadline"] == app["deadline"]
    assert [m["code"] for m in detail["materials"]] == [m["code"] for m in app["materials"]]
    versions = (await approval.client.get(f"{API}/catalogue/items/versioned_item/versions", headers=as_(ADMIN))).json()[
        "items"
    ]
    assert [v["version"] for v in versions] == [1, 2]


async def test_a_version_in_force_from_today_applies_to_the_very_next_application(approval, clock):
    clock.set(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC))
    await approval.client.post(f"{API}/catalogue/items", json=item("changed_today"), headers=as_(ADMIN))
    body = {"item_code": "changed_today", "applicant": applicant(), "materials": [{"code": "id_card"}]}
    first = await approval.client.post(f"{API}/applications", json=body, headers=as_("window_clerk.bufeng"))
    assert first.json()["item_version"] == 1 and first.json()["status"] == "accepted"
    # version 2, in force at once (the version read for the first application is not used again)
    v2 = item("changed_today", change_note="加照片")
    v2["materials"].append({"code": "photo", "name": "照片", "requirement": "required"})
    del v2["code"]
    response = await approval.client.put(f"{API}/catalogue/items/changed_today", json=v2, headers=as_(ADMIN))
    assert response.status_code == 200 and response.json()["version"] == 2
    second = await approval.client.post(f"{API}/applications", json=body, headers=as_("window_clerk.bufeng"))
    assert second.json()["item_version"] == 2 and second.json()["status"] == "awaiting_materials"


async def test_a_version_cannot_be_backdated(approval, clock):
    clock.set(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC))
    body = item("backdated_item", effective_from="2026-11-15")
    response = await approval.client.post(f"{API}/catalogue/items", json=body, headers=as_(ADMIN))
    assert response.status_code == 422 and response.json()["code"] == "effective_date_in_past"


async def test_a_withdrawn_item_leaves_the_guides_and_cannot_be_applied_for(approval):
    await approval.client.post(f"{API}/catalogue/items", json=item("withdrawn_item"), headers=as_(ADMIN))
    body = item("withdrawn_item", in_service=False)
    del body["code"]
    assert (
        await approval.client.put(f"{API}/catalogue/items/withdrawn_item", json=body, headers=as_(ADMIN))
    ).status_code == 200
    assert (await approval.client.get(f"{API}/public/guides/withdrawn_item", headers=public())).status_code == 404
    response = await approval.client.post(
        f"{API}/applications",
        json={"item_code": "withdrawn_item", "applicant": applicant()},
        headers=as_("window_clerk.bufeng"),
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_item"


async def test_the_public_guide_lists_what_to_bring_and_says_what_is_shared(approval):
    response = await approval.client.get(f"{API}/public/guides/disability_certificate", headers=public())
    assert response.status_code == 200
    guide = response.json()
    assert guide["name"] == "残疾人证办理" and guide["department_zh"] == "社会事业局"
    assert guide["time_limit_zh"] == "承诺件：受理后15个工作日内办结"
    assert "20个工作日" in guide["statutory_limit_zh"] and "鉴定" in guide["statutory_limit_zh"]
    shared = [m for m in guide["materials"] if not m["applicant_provides"]]
    assert [m["code"] for m in shared] == ["household_register"]
    assert "行政复议" in guide["appeal_route"]
    instant = (await approval.client.get(f"{API}/public/guides/elderly_card", headers=public())).json()
    assert instant["time_limit_zh"] == "即办件：材料齐全的，受理后15分钟内办结"
    listed = (await approval.client.get(f"{API}/public/guides", params={"proxy": True}, headers=public())).json()
    assert {"elderly_card", "disability_certificate"} <= {g["code"] for g in listed["items"]}


async def test_seeding_again_adds_nothing(approval):
    from approval.frontdesk.models import Post

    before = (
        await count(approval, CatalogueItem),
        await count(approval, CatalogueMaterial),
        await count(approval, Post),
    )
    await approval.seed()
    assert (
        await count(approval, CatalogueItem),
        await count(approval, CatalogueMaterial),
        await count(approval, Post),
    ) == before
