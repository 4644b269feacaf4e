"""Enforcement checks and labels categories against the live dictionary administered in svc-dispatch
(its own copy, kept from dispatch.category.changed), not against the county file: a category created
through dispatch's API is accepted for items and leads without a restart and carries its label; a
relabelled one shows the new label; a retired one takes no new item or lead; a late, older event
never brings a retired category back."""

import datetime as dt

from enforcement.categories.models import KnownCategory
from enforcement.items.models import ItemRevision
from enforcement.leads.models import Lead
from enforcement.testing import ADMIN, API, BUFENG, GRID_A, OFFICER, count_rows, drained
from jiceng_shared.contracts.dispatch import CategoryChanged
from jiceng_shared.testing.plugin import eventually, headers_for

COUNTY = "320971000000"


def changed(code: str, *, version: int, retired: bool = False, label: str = "乱倒建筑垃圾") -> CategoryChanged:
    return CategoryChanged(
        code=code,
        label_zh=label,
        major="streetscape",
        urgent=False,
        dispatch_limit_minutes=30,
        handle_limit_value=2,
        handle_limit_unit="working_days",
        functional_department=False,
        retired=retired,
        change="retired" if retired else "created" if version == 1 else "updated",
        category_version=version,
        changed_at=dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=version),
    )


def item(code: str, category: str, today: dt.date) -> dict:
    return {
        "code": code,
        "name_zh": "对随意倾倒建筑垃圾的行政处罚",
        "categories": [category],
        "competent_dept": "hud",
        "legal_basis": "《城市建筑垃圾管理规定》第二十六条",
        "kind": "penalty",
        "delegable": True,
        "delegations": [{"township_code": BUFENG, "valid_from": today.isoformat()}],
    }


def patrol(category: str) -> dict:
    return {
        "source": "patrol",
        "township_code": BUFENG,
        "area_code": GRID_A,
        "category": category,
        "description": "巡查发现路边倾倒建筑垃圾",
    }


async def post(svc, path: str, body: dict, who=ADMIN):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def test_a_category_created_in_dispatch_is_accepted_and_labelled_without_a_restart(enforcement):
    today = enforcement.ctx.calendar.local_date(enforcement.ctx.now())
    code = "illegal_dumping_enf"
    before = await count_rows(enforcement, ItemRevision, Lead)
    refused = await post(enforcement, "/items", item("ZF-CJ-026", code, today))
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [("categories.0", "unknown_category")]
    unknown_lead = await post(enforcement, "/leads", patrol(code), who=OFFICER)
    assert unknown_lead.status_code == 422 and unknown_lead.json()["errors"][0]["code"] == "unknown_category"
    assert await count_rows(enforcement, ItemRevision, Lead) == before

    await enforcement.publish(changed(code, version=1), subject=code, township=COUNTY)

    async def accepted():
        response = await post(enforcement, "/items", item("ZF-CJ-026", code, today))
        return response if response.status_code == 201 else None

    created = (await eventually(accepted)).json()
    assert created["categories_zh"] == ["乱倒建筑垃圾"]
    lead = await post(enforcement, "/leads", patrol(code), who=OFFICER)
    assert lead.status_code == 201, lead.text
    assert lead.json()["category_zh"] == "乱倒建筑垃圾" and lead.json()["item_code"] == "ZF-CJ-026"

    # relabelled in dispatch: the item and the lead read the new label
    await enforcement.publish(changed(code, version=2, label="随意倾倒建筑垃圾"), subject=code, township=COUNTY)

    async def relabelled():
        response = await enforcement.client.get(f"{API}/items/ZF-CJ-026", headers=headers_for(ADMIN))
        return response.json() if response.json()["categories_zh"] == ["随意倾倒建筑垃圾"] else None

    await eventually(relabelled)
    read = await enforcement.client.get(f"{API}/leads/{lead.json()['id']}", headers=headers_for(OFFICER))
    assert read.json()["category_zh"] == "随意倾倒建筑垃圾"


async def test_a_retired_category_takes_no_new_item_or_lead_and_an_older_event_does_not_revive_it(enforcement):
    today = enforcement.ctx.calendar.local_date(enforcement.ctx.now())
    code = "illegal_dumping_retired"
    await enforcement.publish(changed(code, version=1), subject=code, township=COUNTY)
    await enforcement.publish(changed(code, version=2, retired=True), subject=code, township=COUNTY)

    async def retired():
        async with enforcement.ctx.db.session() as session:
            row = await session.get(KnownCategory, code)
            return row if row is not None and row.retired else None

    await eventually(retired)
    # the creation redelivered late (an older version) does not bring the category back
    await enforcement.publish(changed(code, version=1), subject=code, township=COUNTY)
    await eventually(lambda: drained(enforcement))
    before = await count_rows(enforcement, ItemRevision, Lead)
    refused = await post(enforcement, "/items", item("ZF-CJ-027", code, today))
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "unknown_category"
    lead = await post(enforcement, "/leads", patrol(code), who=OFFICER)
    assert lead.status_code == 422 and lead.json()["errors"][0]["code"] == "unknown_category"
    assert await count_rows(enforcement, ItemRevision, Lead) == before


async def test_the_county_files_categories_are_known_from_the_first_start(enforcement):
    # seeded from the county's categories.csv (version 0), beyond the ten of the first demo
    async with enforcement.ctx.db.session() as session:
        row = await session.get(KnownCategory, "straw_burning")
    assert row is not None and row.version == 0 and not row.retired
