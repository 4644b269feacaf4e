"""Leads from everywhere (patrols, complaints, reports, transfers in) and the filing decision within
15 working days, +15 on the head's approval, or a reasoned decision not to file; overdue leads reported."""

import datetime as dt

from enforcement.leads import jobs
from enforcement.leads.models import Lead
from enforcement.testing import (
    API,
    BUFENG,
    GRID_A,
    LEADER,
    OFFICER,
    OFFICER_B,
    PAIR,
    count_rows,
    published,
    wait_for_event,
)
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE


def local(y, m, d, h=10, minute=0, s=0):
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


def patrol(**overrides):
    return {
        "source": "patrol",
        "township_code": BUFENG,
        "area_code": GRID_A,
        "category": "street_occupation",
        "description": "巡查发现商户占用人行道经营",
    } | overrides


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def lead_on(svc, clock, at, **overrides):
    clock.set(at)
    response = await post(svc, "/leads", patrol(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_patrol_lead_is_recorded_with_its_15_working_day_filing_limit(enforcement, clock):
    # Monday 28 September 2026: 15 working days over National Day end on Friday 23 October
    lead = await lead_on(enforcement, clock, local(2026, 9, 28), source="complaint", source_ref="TS-2026-001")
    assert (lead["source"], lead["source_zh"], lead["ticket_id"], lead["status"]) == (
        "complaint",
        "投诉",
        None,
        "received",
    )
    assert dt.datetime.fromisoformat(lead["filing_deadline"]) == local(2026, 10, 23, 23, 59, 59)
    assert (lead["item_code"], lead["delegated"], lead["handling_dept"]) == ("ZF-CG-001", True, "cle")
    assert lead["number"].startswith("XS-320971100-2026-") and lead["recorded_by_name"]
    event = await wait_for_event(enforcement, "enforcement.lead.received", lambda e: e.data["lead_id"] == lead["id"])
    assert event.data["ticket_id"] is None and event.township == BUFENG


async def test_bad_leads_name_every_field_and_other_townships_are_out_of_scope(enforcement):
    before = await count_rows(enforcement, Lead, enforcement.ctx.db.infra.outbox)
    bad = await post(enforcement, "/leads", patrol(source="grid", category="ufo", area_code="320971001001001"))
    assert bad.status_code == 422 and {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("source", "source_from_dispatch"),
        ("category", "unknown_category"),
        ("area_code", "area_outside_township"),
    }
    shape = await post(enforcement, "/leads", {"source": "gossip", "township_code": "x"})
    assert shape.status_code == 422 and {"source", "township_code", "area_code", "category", "description"} <= {
        e["field"] for e in shape.json()["errors"]
    }
    other = await post(enforcement, "/leads", patrol(), who=OFFICER_B)
    assert other.status_code == 403
    assert await count_rows(enforcement, Lead, enforcement.ctx.db.infra.outbox) == before


async def test_filing_on_the_15th_working_day_is_in_time_and_a_second_later_is_late(enforcement, clock):
    on_time = await lead_on(enforcement, clock, local(2026, 9, 28))
    late = await lead_on(enforcement, clock, local(2026, 9, 28))
    clock.set(local(2026, 10, 23, 23, 59, 59))
    opened = await post(enforcement, "/cases", {"lead_id": on_time["id"], "officers": PAIR})
    assert opened.status_code == 201, opened.text
    lead = (await enforcement.client.get(f"{API}/leads/{on_time['id']}", headers=headers_for(OFFICER))).json()
    assert (lead["status"], lead["filing_decided_late"]) == ("case_opened", False)
    clock.advance(seconds=1)
    not_filed = await post(
        enforcement, f"/leads/{late['id']}/not-filed", {"ground": "minor_corrected", "reason": "当场改正，无危害后果"}
    )
    assert not_filed.status_code == 200, not_filed.text
    body = not_filed.json()
    assert (body["status"], body["status_zh"], body["filing_decided_late"]) == ("not_filed", "不予立案", True)
    assert body["not_filed_ground"] == "minor_corrected" and body["filing_workdays_left"] is None
    again = await post(enforcement, "/cases", {"lead_id": late["id"], "officers": PAIR})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


async def test_the_head_extends_the_filing_limit_once_by_15_working_days(enforcement, clock):
    lead = await lead_on(enforcement, clock, local(2026, 9, 28))
    officer = await post(enforcement, f"/leads/{lead['id']}/extension", {"reason": "需检测"})
    assert officer.status_code == 403
    clock.set(local(2026, 10, 23, 23, 59, 59))
    extended = await post(enforcement, f"/leads/{lead['id']}/extension", {"reason": "需现场检测"}, LEADER)
    assert extended.status_code == 200, extended.text
    # 15 more working days after Friday 23 October: Friday 13 November
    assert dt.datetime.fromisoformat(extended.json()["filing_deadline"]) == local(2026, 11, 13, 23, 59, 59)
    assert extended.json()["filing_extended_workdays"] == 15
    again = await post(enforcement, f"/leads/{lead['id']}/extension", {"reason": "再延"}, LEADER)
    assert again.status_code == 409 and again.json()["code"] == "already_extended"
    late = await lead_on(enforcement, clock, local(2026, 9, 28))
    clock.set(local(2026, 10, 24, 0, 0, 0))
    refused = await post(enforcement, f"/leads/{late['id']}/extension", {"reason": "需检测"}, LEADER)
    assert refused.status_code == 409 and refused.json()["code"] == "filing_overdue"


async def test_an_undecided_lead_past_its_limit_is_reported_once(enforcement, clock):
    lead = await lead_on(enforcement, clock, local(2026, 9, 28))
    clock.set(local(2026, 10, 23, 23, 59, 59))
    await jobs.scan(enforcement.ctx)
    clock.advance(seconds=1)
    await jobs.scan(enforcement.ctx)
    await jobs.scan(enforcement.ctx)
    event = await wait_for_event(enforcement, "enforcement.lead.overdue", lambda e: e.data["lead_id"] == lead["id"])
    assert event.data["source"] == "patrol" and event.data["unit"]["dept"] == "cle"
    events = await published(enforcement, "enforcement.lead.overdue")
    assert len([e for e in events if e.data["lead_id"] == lead["id"]]) == 1
