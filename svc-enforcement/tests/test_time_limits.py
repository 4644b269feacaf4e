"""The case's time limits on the service clock: 90 days to decide (行政处罚法 art. 60), one 30-day
extension approved by the office's head, no decision after the limit, overdue cases reported."""

import datetime as dt

from enforcement.cases import jobs
from enforcement.cases.models import Case
from enforcement.decisions.models import Decision
from enforcement.records.models import RecordEntry
from enforcement.testing import API, LEADER, OFFICER, PAIR, count_rows, published, wait_for_event
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

WARNING = {
    "procedure": "summary",
    "penalty": "warning",
    "party": {"kind": "person", "name": "张某"},
    "facts": "当事人在人行道摆摊经营",
    "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
}


def local(y, m, d, h=10, minute=0, s=0):
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def case_on(svc, new_lead, clock, at):
    lead = await new_lead("street_occupation")
    clock.set(at)
    response = await post(svc, "/cases", {"lead_id": lead["id"], "officers": PAIR})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_decision_on_the_90th_day_is_in_time_and_one_a_second_later_is_refused(enforcement, new_lead, clock):
    in_time = await case_on(enforcement, new_lead, clock, local(2026, 9, 25))
    late = await case_on(enforcement, new_lead, clock, local(2026, 9, 25))
    clock.set(local(2026, 12, 24, 23, 59, 59))
    decided = await post(enforcement, f"/cases/{in_time['id']}/decision", WARNING)
    assert decided.status_code == 201, decided.text
    clock.advance(seconds=1)
    before = await count_rows(enforcement, Case, Decision, RecordEntry, enforcement.ctx.db.infra.outbox)
    refused = await post(enforcement, f"/cases/{late['id']}/decision", WARNING)
    assert refused.status_code == 409 and refused.json()["code"] == "decision_overdue"
    assert await count_rows(enforcement, Case, Decision, RecordEntry, enforcement.ctx.db.infra.outbox) == before
    too_late = await post(enforcement, f"/cases/{late['id']}/extension", {"reason": "案情复杂"}, LEADER)
    assert too_late.status_code == 409 and too_late.json()["code"] == "decision_overdue"


async def test_the_head_extends_the_limit_once_by_30_days_with_reasons(enforcement, new_lead, clock):
    case = await case_on(enforcement, new_lead, clock, local(2026, 9, 25))
    officer = await post(enforcement, f"/cases/{case['id']}/extension", {"reason": "案情复杂"})
    assert officer.status_code == 403
    clock.set(local(2026, 12, 24, 23, 59, 59))
    extended = await post(enforcement, f"/cases/{case['id']}/extension", {"reason": "需委托鉴定，案情复杂"}, LEADER)
    assert extended.status_code == 200, extended.text
    body = extended.json()
    deadline = dt.datetime.fromisoformat(body["decision_deadline"])
    assert deadline == local(2027, 1, 23, 23, 59, 59)
    assert (body["extended_days"], body["extension_reason"]) == (30, "需委托鉴定，案情复杂")
    assert body["extended_by_name"] and body["decision_overdue"] is False
    again = await post(enforcement, f"/cases/{case['id']}/extension", {"reason": "再延"}, LEADER)
    assert again.status_code == 409 and again.json()["code"] == "already_extended"
    clock.set(local(2027, 1, 24, 0, 0, 0))
    refused = await post(enforcement, f"/cases/{case['id']}/decision", WARNING)
    assert refused.status_code == 409 and refused.json()["code"] == "decision_overdue"
    clock.set(local(2027, 1, 23, 23, 59, 59))
    assert (await post(enforcement, f"/cases/{case['id']}/decision", WARNING)).status_code == 201
    record = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(OFFICER))).json()
    assert [e["kind"] for e in record["items"]][-3:] == ["extension", "decision", "service"]


async def test_an_overdue_case_is_reported_once_and_published(enforcement, new_lead, clock):
    case = await case_on(enforcement, new_lead, clock, local(2026, 9, 25))
    clock.set(local(2026, 12, 24, 23, 59, 59))
    await jobs.scan(enforcement.ctx)
    fresh = (await enforcement.client.get(f"{API}/cases/{case['id']}", headers=headers_for(OFFICER))).json()
    assert fresh["record_entries"] == 1  # not yet overdue on the last second of the 90th day
    clock.advance(seconds=1)
    await jobs.scan(enforcement.ctx)
    await jobs.scan(enforcement.ctx)
    event = await wait_for_event(enforcement, "enforcement.case.overdue", lambda e: e.data["case_id"] == case["id"])
    assert event.data["deadline"].startswith("2026-12-24T15:59:59")
    assert event.data["unit"]["dept"] == "cle" and event.correlationid == case["correlation_id"]
    events = await published(enforcement, "enforcement.case.overdue")
    assert len([e for e in events if e.data["case_id"] == case["id"]]) == 1
    record = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(OFFICER))).json()
    assert [e["kind"] for e in record["items"]] == ["case_opened", "overdue"]
    verify = await enforcement.client.get(f"{API}/cases/{case['id']}/record/verify", headers=headers_for(OFFICER))
    assert verify.json()["valid"] is True
