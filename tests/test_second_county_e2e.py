"""Loop 1 on a second county, through the gateway, without a code change (issue 8, tests).

The six processes start on ``tests/fixtures/second_county`` (``JICENG_COUNTY_DIR``): other codes,
three townships, 白水镇 without an enforcement office. A grid worker of 青山镇 reports street
occupation; dispatch routes it to 青山镇's enforcement office; the officer pair opens, decides and
closes a case; the ticket is verified and closed; assessment counts the closure; 东城街道 sees
none of it. In 白水镇 the same report finds no enforcement office: the ticket waits for the
command centre, saying why. The county has its own categories and responsibility list
(categories.csv, responsibilities.csv beside its county.toml).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from jiceng_shared.testing.journey import Journey, current_period

pytestmark = pytest.mark.e2e

COUNTY_DIR = Path(__file__).parent / "fixtures" / "second_county"
QINGSHAN, BAISHUI = "320899101000", "320899102000"
QINGSHAN_GRID, BAISHUI_GRID = "320899101203001", "320899102201001"
OFFICE = f"{QINGSHAN}:cle"
OFFICERS = ["enforcement_officer.qingshan", "enforcement_officer2.qingshan"]


@pytest.fixture
async def journey(stack_for):
    running = await stack_for(COUNTY_DIR)
    j = Journey(running.url("gateway"))
    yield j
    await j.close()


async def test_loop_1_runs_on_a_second_county_through_the_gateway(journey):
    incident = await journey.report_incident(
        "street_occupation", grid=QINGSHAN_GRID, point=(118.5099, 32.9099), reporter="grid_worker.qingshan"
    )
    journey_id = incident["correlation_id"]
    ticket = await journey.one("dispatcher.qingshan", "/api/dispatch/v1/tickets", correlation_id=journey_id)
    assert ticket["unit"]["code"] == OFFICE and ticket["unit"]["name"] == "青山镇综合行政执法局"

    lead = await journey.one(OFFICERS[0], "/api/enforcement/v1/leads", correlation_id=journey_id)
    assert lead["ticket_id"] == ticket["id"] and lead["delegated"] is True
    case = await journey.ok(
        OFFICERS[0], "/api/enforcement/v1/cases", {"lead_id": lead["id"], "officers": OFFICERS}, status=201
    )
    await journey.ok(
        OFFICERS[0],
        f"/api/enforcement/v1/cases/{case['id']}/records",
        {"kind": "evidence", "content": "现场照片两张，当事人在人行道摆摊"},
    )
    await journey.ok(
        OFFICERS[0],
        f"/api/enforcement/v1/cases/{case['id']}/decision",
        {
            "procedure": "summary",
            "penalty": "warning",
            "fine_yuan": 0,
            "party": {"kind": "person", "name": "王某"},
            "facts": "占用人行道经营",
            "legal_basis": "《城市市容和环境卫生管理条例》第十七条",
        },
    )
    await journey.ok(OFFICERS[0], f"/api/enforcement/v1/cases/{case['id']}/close", {"outcome": "已自行清理，予以警告"})

    await journey.until(
        "dispatcher.qingshan", f"/api/dispatch/v1/tickets/{ticket['id']}", lambda t: t["status"] == "handled"
    )
    closed = await journey.ok(
        "grid_worker.qingshan",
        f"/api/dispatch/v1/tickets/{ticket['id']}/verification",
        {"passed": True, "note": "现场已恢复通行"},
    )
    assert closed["status"] == "closed"
    done = await journey.until(
        "grid_worker.qingshan", f"/api/grid/v1/incidents/{incident['id']}", lambda i: i["status"] == "closed"
    )
    assert "警告" in done["outcome"]
    indicators = await journey.until(
        "township_leader.qingshan",
        f"/api/assessment/v1/units/{quote(OFFICE, safe='')}/indicators?period={current_period()}",
        lambda body: body["counts"]["closed"] >= 1,
    )
    assert indicators["unit"]["code"] == OFFICE

    # another township of this county sees none of it
    for user, path in (
        ("dispatcher.dongcheng", f"/api/dispatch/v1/tickets/{ticket['id']}"),
        ("enforcement_officer.dongcheng", f"/api/enforcement/v1/cases/{case['id']}"),
        ("dispatcher.dongcheng", f"/api/grid/v1/incidents/{incident['id']}"),
    ):
        assert (await journey.get(user, path)).status_code == 404, (user, path)


async def test_in_a_township_without_an_enforcement_office_the_ticket_waits_for_the_command_centre(journey):
    incident = await journey.report_incident(
        "street_occupation", grid=BAISHUI_GRID, point=(118.6099, 32.9599), reporter="grid_worker.baishui"
    )
    ticket = await journey.one(
        "dispatcher.baishui", "/api/dispatch/v1/tickets", correlation_id=incident["correlation_id"]
    )
    assert ticket["unit"] is None
    detail = await journey.until(
        "dispatcher.baishui",
        f"/api/dispatch/v1/tickets/{ticket['id']}",
        lambda t: any(step["kind"] == "unroutable" for step in t["timeline"]),
    )
    assert any("township_office:cle" in (step.get("note") or "") for step in detail["timeline"])


async def test_the_county_has_its_own_categories_and_responsibility_list(journey):
    categories = (await journey.get("dispatcher.qingshan", "/api/dispatch/v1/categories")).json()["items"]
    by_code = {c["code"]: c for c in categories}
    assert len(by_code) == 11 and "tea_garden_fire_hazard" in by_code and "straw_burning" not in by_code
    assert by_code["street_occupation"]["limits"]["handle"]["value"] == 3  # this county's limit, not the demo's 2
    listed = (await journey.get("dispatcher.qingshan", "/api/dispatch/v1/responsibilities")).json()
    assert len(listed["domains"]) == 4 and len(listed["entries"]) == 12
    # grid's copy is this county's dictionary: a demo-county category is unknown here
    refused = await journey.post(
        "grid_worker.qingshan",
        "/api/grid/v1/incidents",
        {
            "category": "straw_burning",
            "description": "秸秆焚烧",
            "grid_code": QINGSHAN_GRID,
            "location": {"type": "Point", "coordinates": [118.5051, 32.9051]},
        },
    )
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_category"
