"""Loop 1 of flows.md through the gateway, over real NATS and PostgreSQL, with all six processes.

A grid worker of Bufeng reports street occupation; dispatch routes it to Bufeng's comprehensive
enforcement office; an officer pair opens a case, records, decides a warning and closes; the
ticket is handled, the grid worker verifies on site, the ticket closes, the incident shows the
outcome, and assessment counts one on-time closure for the office. Xincheng sees none of it.
Variant: illegal construction on farmland is not delegated, so the lead goes to the county's
natural-resources department, whose staff see it, and the ticket shows the transfer.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from jiceng_shared.testing.journey import BUFENG, Journey, current_period

pytestmark = pytest.mark.e2e

OFFICE = f"{BUFENG}:cle"
OFFICERS = ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


async def test_street_occupation_goes_round_the_loop_and_comes_back_closed(journey):
    incident = await journey.report_incident("street_occupation")
    journey_id = incident["correlation_id"]
    assert journey_id == incident["id"]

    ticket = await journey.one("dispatcher.bufeng", "/api/dispatch/v1/tickets", correlation_id=journey_id)
    assert ticket["unit"]["code"] == OFFICE and ticket["source_ref"] == incident["id"]
    assert ticket["deadline"] and ticket["correlation_id"] == journey_id

    lead = await journey.one("enforcement_officer.bufeng", "/api/enforcement/v1/leads", correlation_id=journey_id)
    assert lead["ticket_id"] == ticket["id"] and lead["delegated"] is True

    case = await journey.ok(
        OFFICERS[0], "/api/enforcement/v1/cases", {"lead_id": lead["id"], "officers": OFFICERS}, status=201
    )
    assert case["correlation_id"] == journey_id
    await journey.ok(
        OFFICERS[0],
        f"/api/enforcement/v1/cases/{case['id']}/records",
        {"kind": "evidence", "content": "现场照片两张，当事人在人行道摆摊"},
        status=(200, 201),
    )
    await journey.ok(
        OFFICERS[0],
        f"/api/enforcement/v1/cases/{case['id']}/decision",
        {
            "procedure": "summary",
            "penalty": "warning",
            "fine_yuan": 0,
            "party": {"kind": "person", "name": "张某"},
            "facts": "占用人行道经营",
            "legal_basis": "《城市市容和环境卫生管理条例》第十七条",
        },
        status=(200, 201),
    )
    await journey.ok(
        OFFICERS[0],
        f"/api/enforcement/v1/cases/{case['id']}/close",
        {"outcome": "当事人已自行清理，予以警告"},
        status=(200, 201),
    )
    verify = await journey.get(OFFICERS[0], f"/api/enforcement/v1/cases/{case['id']}/record/verify")
    assert verify.status_code == 200 and verify.json()["valid"] is True

    handled = await journey.until(
        "dispatcher.bufeng", f"/api/dispatch/v1/tickets/{ticket['id']}", lambda t: t["status"] == "handled"
    )
    assert any("警告" in (step.get("note") or "") for step in handled["timeline"])
    seen = await journey.until(
        "grid_worker.bufeng", f"/api/grid/v1/incidents/{incident['id']}", lambda i: i["status"] == "handled"
    )
    assert seen["ticket_number"] == ticket["number"]

    closed = await journey.ok(
        "grid_worker.bufeng",
        f"/api/dispatch/v1/tickets/{ticket['id']}/verification",
        {"passed": True, "note": "现场已恢复通行"},
    )
    assert closed["status"] == "closed"

    done = await journey.until(
        "grid_worker.bufeng", f"/api/grid/v1/incidents/{incident['id']}", lambda i: i["status"] == "closed"
    )
    assert "警告" in done["outcome"]

    unit_path = f"/api/assessment/v1/units/{quote(OFFICE, safe='')}/indicators"
    indicators = await journey.until(
        "township_leader.bufeng",
        f"{unit_path}?period={current_period()}",
        lambda body: body["counts"]["closed"] >= 1 and body["counts"]["closed_on_time"] >= 1,
    )
    assert indicators["unit"]["code"] == OFFICE

    # the other township sees none of it
    for user, path in (
        ("dispatcher.xincheng", f"/api/dispatch/v1/tickets/{ticket['id']}"),
        ("enforcement_officer.xincheng", f"/api/enforcement/v1/leads/{lead['id']}"),
        ("enforcement_officer.xincheng", f"/api/enforcement/v1/cases/{case['id']}"),
        ("dispatcher.xincheng", f"/api/grid/v1/incidents/{incident['id']}"),
    ):
        response = await journey.get(user, path)
        assert response.status_code == 404, (user, path, response.status_code)
    for user, path in (
        ("dispatcher.xincheng", "/api/dispatch/v1/tickets"),
        ("dept_staff.psb.xincheng", "/api/dispatch/v1/tickets"),
        ("enforcement_officer.xincheng", "/api/enforcement/v1/leads"),
        ("enforcement_officer.xincheng", "/api/enforcement/v1/cases"),
        ("dispatcher.xincheng", "/api/grid/v1/incidents"),
    ):
        response = await journey.get(user, path, correlation_id=journey_id)
        assert response.status_code == 200 and response.json()["items"] == [], (user, path)
    # a stationed police officer of the same township sees only police matters
    police = await journey.get("dept_staff.psb.bufeng", "/api/dispatch/v1/tickets", correlation_id=journey_id)
    assert police.json()["items"] == []
    other = await journey.get("township_leader.xincheng", unit_path, period=current_period())
    assert other.status_code == 404


async def test_a_non_delegated_item_is_transferred_to_the_county_department_which_sees_it(journey):
    incident = await journey.report_incident("illegal_construction_farmland")
    journey_id = incident["correlation_id"]
    ticket = await journey.one("dispatcher.bufeng", "/api/dispatch/v1/tickets", correlation_id=journey_id)
    lead = await journey.one(OFFICERS[0], "/api/enforcement/v1/leads", correlation_id=journey_id)
    assert lead["delegated"] is False

    refused = await journey.post(
        OFFICERS[0], "/api/enforcement/v1/cases", {"lead_id": lead["id"], "officers": OFFICERS}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "outside_delegated_powers"

    await journey.ok(
        OFFICERS[0],
        f"/api/enforcement/v1/leads/{lead['id']}/transfer",
        {"reason": "占用农用地建设不在本镇赋权清单内，依法移送"},
    )

    county_view = await journey.one("dept_staff.nrp", "/api/enforcement/v1/leads", correlation_id=journey_id)
    assert county_view["id"] == lead["id"] and county_view["status"] == "transferred"
    moved = await journey.until(
        "dispatcher.bufeng",
        f"/api/dispatch/v1/tickets/{ticket['id']}",
        lambda t: t["unit"]["code"] == "320971000000:nrp",
    )
    assert any(step["kind"] == "transferred" for step in moved["timeline"])
    nrp_ticket = await journey.get("dept_staff.nrp", f"/api/dispatch/v1/tickets/{ticket['id']}")
    assert nrp_ticket.status_code == 200

    for user, path in (
        ("enforcement_officer.xincheng", f"/api/enforcement/v1/leads/{lead['id']}"),
        ("dispatcher.xincheng", f"/api/dispatch/v1/tickets/{ticket['id']}"),
    ):
        assert (await journey.get(user, path)).status_code == 404
