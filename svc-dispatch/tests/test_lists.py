"""Categories with their limits and the responsibility list as versioned data: read by everyone who
works with tickets, changed only by the county, never rewriting what was routed before."""

import datetime as dt
import re

import pytest
from sqlalchemy import text

from dispatch.tickets.queries import listing
from dispatch.tickets.rules import SUPERVISED_STATUSES
from jiceng_shared import demo
from jiceng_shared.categories import CATEGORIES
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
admin = demo_principal("county_admin")
hotline = principal(("dept_system", BUFENG, "h12345"), kind="client")


async def get(desk, path, who, **params):
    return await desk.running.client.get(f"/api/dispatch/v1{path}", params=params, headers=headers_for(who))


async def test_categories_carry_their_dispatch_and_handling_limits(desk):
    for who in (hotline, demo_principal("grid_worker.bufeng"), demo_principal("dept_staff.psb.bufeng")):
        response = await get(desk, "/categories", who)
        assert response.status_code == 200, response.text
    by_code = {c["code"]: c for c in response.json()["items"]}
    assert set(by_code) == {c.code for c in CATEGORIES}
    street = by_code["street_occupation"]
    assert street["label_zh"] == "占道经营"
    assert street["limits"]["dispatch_minutes"] == 30 and street["limits"]["urgent"] is False
    assert street["limits"]["handle"] == {"value": 2, "unit": "working_days", "unit_zh": "工作日"}
    hazard = by_code["public_security_hazard"]["limits"]
    assert hazard["urgent"] is True and hazard["dispatch_minutes"] == 10
    assert hazard["handle"]["value"] == 24 and hazard["handle"]["unit"] == "hours"
    complaint = by_code["consumer_complaint"]
    assert complaint["limits"]["handle"]["value"] == 5 and complaint["limits"]["extension_max"]["value"] == 10
    assert complaint["functional_department"] is True
    assert by_code["road_facility_damage"]["limits"]["handle"] == {
        "value": 1,
        "unit": "working_days",
        "unit_zh": "工作日",
    }


async def test_a_changed_limit_applies_to_new_tickets_only(desk):
    incident = desk.incident(category="road_facility_damage")
    await desk.report(incident)
    old = await desk.ticket_for(incident)
    assert old["unit"]["code"] == f"{BUFENG}:hud" and old["handle_limit"]["value"] == 1
    current = (await get(desk, "/categories/road_facility_damage", admin)).json()
    body = {"version": current["version"], "handle_limit": {"value": 8, "unit": "hours"}}
    refused = await desk.running.client.patch(
        "/api/dispatch/v1/categories/road_facility_damage",
        json=body,
        headers=headers_for(demo_principal("dispatcher.bufeng")),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    changed = await desk.running.client.patch(
        "/api/dispatch/v1/categories/road_facility_damage", json=body, headers=headers_for(admin)
    )
    assert changed.status_code == 200 and changed.json()["limits"]["handle"]["unit"] == "hours"
    assert changed.json()["updated_by"] == "county_admin"
    stale = await desk.running.client.patch(
        "/api/dispatch/v1/categories/road_facility_damage", json=body, headers=headers_for(admin)
    )
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_update"
    assert (await desk.get(old["id"]))["handle_limit"] == {"value": 1, "unit": "working_days"}
    incident = desk.incident(category="road_facility_damage")
    await desk.report(incident)
    new = await desk.ticket_for(incident)
    assert new["handle_limit"] == {"value": 8, "unit": "hours"}
    assert dt.datetime.fromisoformat(new["deadline"]) - dt.datetime.fromisoformat(new["assigned_at"]) == dt.timedelta(
        hours=8
    )


async def test_tickets_read_their_category_label_from_the_live_dictionary_not_the_county_file(desk):
    incident = desk.incident(category="environment_pollution")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert ticket["category_zh"] == "环境污染"
    current = (await get(desk, "/categories/environment_pollution", admin)).json()
    relabelled = await desk.running.client.patch(
        "/api/dispatch/v1/categories/environment_pollution",
        json={"version": current["version"], "label_zh": "生态环境污染"},
        headers=headers_for(admin),
    )
    assert relabelled.status_code == 200, relabelled.text
    assert (await desk.get(ticket["id"]))["category_zh"] == "生态环境污染"
    listed = await desk.listed(admin, category="environment_pollution")
    assert {t["category_zh"] for t in listed} == {"生态环境污染"}
    back = {"version": relabelled.json()["version"], "label_zh": "环境污染"}
    restored = await desk.running.client.patch(
        "/api/dispatch/v1/categories/environment_pollution", json=back, headers=headers_for(admin)
    )
    assert restored.status_code == 200, restored.text


async def test_a_category_the_list_gives_to_a_township_organ_cannot_become_a_department_matter(desk):
    current = (await get(desk, "/categories/street_occupation", admin)).json()
    response = await desk.running.client.patch(
        "/api/dispatch/v1/categories/street_occupation",
        json={"version": current["version"], "functional_department": True},
        headers=headers_for(admin),
    )
    assert response.status_code == 422 and response.json()["code"] == "functional_department_matter"


async def test_the_responsibility_list_names_primary_and_cooperating_units_per_township(desk):
    response = await get(desk, "/responsibilities", demo_principal("dispatcher.xincheng"), township_code=XINCHENG)
    assert response.status_code == 200, response.text
    lst = response.json()
    assert lst["version"] == 1
    entries = {e["category"]: e for e in lst["entries"]}
    assert entries["street_occupation"]["primary"]["unit"]["code"] == f"{XINCHENG}:cle"
    assert entries["illegal_construction_farmland"]["primary"]["unit"]["code"] == f"{XINCHENG}:cle"
    cooperating = [(c["kind"], c["dept"]) for c in entries["illegal_construction"]["cooperating"]]
    assert cooperating == [("stationed_office", "psb"), ("county_department", "nrp")]
    assert entries["consumer_complaint"]["primary"]["unit"]["code"] == f"{XINCHENG}:samr"
    assert entries["consumer_complaint"]["functional_department"] is True
    expected = {
        "public_security_hazard": "psb",
        "road_facility_damage": "hud",
        "environment_pollution": "hud",
        "safety_hazard": "cle",
        "neighbour_dispute": "sgov",
        "service_consultation": "apv",
    }
    assert {c: entries[c]["primary"]["dept"] for c in expected} == expected
    unknown = await get(desk, "/responsibilities", admin, township_code="320971999000")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_township"


async def test_a_new_list_version_routes_new_tickets_and_leaves_routed_ones_alone(desk, clock):
    incident = desk.incident(category="environment_pollution")
    await desk.report(incident)
    before = await desk.ticket_for(incident)
    assert before["unit"]["code"] == f"{BUFENG}:hud" and before["responsibility_version"] == 1
    current = (await get(desk, "/responsibilities", admin)).json()
    entries = [
        {
            "category": e["category"],
            "primary": {"kind": e["primary"]["kind"], "dept": e["primary"]["dept"]},
            "cooperating": [{"kind": c["kind"], "dept": c["dept"]} for c in e["cooperating"]],
        }
        for e in current["entries"]
    ]
    for e in entries:
        if e["category"] == "environment_pollution":
            e["primary"] = {"kind": "township_office", "dept": "cle"}
    effective = clock.now() + dt.timedelta(hours=1)
    published = await desk.post(
        "/responsibilities", {"effective_from": effective.isoformat(), "note": "调整", "entries": entries}, admin
    )
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    # not yet in force: still routed by v1
    incident = desk.incident(category="environment_pollution")
    await desk.report(incident)
    assert (await desk.ticket_for(incident))["responsibility_version"] == 1
    clock.set(effective)
    incident = desk.incident(category="environment_pollution")
    await desk.report(incident)
    after = await desk.ticket_for(incident)
    assert after["unit"]["code"] == f"{BUFENG}:cle" and after["responsibility_version"] == 2
    again = await desk.get(before["id"])
    assert again["unit"]["code"] == f"{BUFENG}:hud" and again["responsibility_version"] == 1
    assert (await get(desk, "/responsibilities", admin, version=1)).json()["version"] == 1


async def test_a_list_giving_a_department_matter_to_a_township_organ_is_refused_and_nothing_is_written(desk):
    before = await desk.counts()
    versions_before = (await get(desk, "/responsibilities", admin)).json()["version"]
    bad = {
        "entries": [
            {"category": "consumer_complaint", "primary": {"kind": "township_office", "dept": "cle"}},
            {"category": "flying_saucer", "primary": {"kind": "county_department", "dept": "nope"}},
            {"category": "street_occupation", "primary": {"kind": "township_office", "dept": "cle"}},
            {"category": "street_occupation", "primary": {"kind": "township_office", "dept": "cle"}},
        ],
        "effective_from": "2020-01-01T00:00:00+08:00",
    }
    response = await desk.post("/responsibilities", bad, admin)
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    codes = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert codes == {
        ("effective_from", "effective_in_past"),
        ("entries.0.primary", "functional_department_matter"),
        ("entries.1.category", "unknown_category"),
        ("entries.1.primary", "unknown_unit"),
        ("entries.3.category", "duplicate_category"),
    }
    assert (await get(desk, "/responsibilities", admin)).json()["version"] == versions_before
    assert await desk.counts() == before
    response = await desk.post(
        "/responsibilities", {"entries": bad["entries"][2:3]}, demo_principal("dispatcher.bufeng")
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


async def test_an_unknown_unit_kind_is_refused_naming_the_field_and_nothing_is_written(desk):
    before = await desk.counts()
    body = {"entries": [{"category": "street_occupation", "primary": {"kind": "village_office", "dept": "cle"}}]}
    response = await desk.post("/responsibilities", body, admin)
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["entries.0.primary.kind"]
    assert await desk.counts() == before


async def test_the_overdue_filter_names_its_statuses_as_the_partial_index_does(dispatch):
    """The overdue list reads ix_tickets_supervised_created (at 1,000,000 closed tickets newer than the
    overdue ones, p95 15 → 357 ms without it). PostgreSQL takes a partial index only for a condition
    it can prove implies the index's predicate; asyncpg's prepared statements go generic after five
    runs, and a generic plan's bound list proves nothing: the statuses must be in the SQL itself,
    the same as in the index the migration made."""
    if dispatch.ctx.db.is_sqlite:
        pytest.skip("PostgreSQL's planner and partial index (SQLite plans its own way)")
    statuses = ", ".join(f"'{status.value}'" for status in SUPERVISED_STATUSES)
    async with dispatch.ctx.db.session() as session:
        index = await session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tickets_supervised_created'")
        )
        dialect = session.get_bind().dialect
    # PostgreSQL shows the predicate as status = ANY (ARRAY['dispatched'::character varying, ...])
    assert index is not None and "WHERE" in index, index
    assert re.findall(r"'(\w+)'", index.split("WHERE", 1)[1]) == [s.value for s in SUPERVISED_STATUSES], index
    stmt = listing(
        demo_principal("dispatcher.bufeng"),
        filters={},
        overdue=True,
        now=dt.datetime.now(dt.UTC),
        limit=20,
        cursor=None,
    )
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))
    assert f"tickets.status IN ({statuses})" in sql, sql
