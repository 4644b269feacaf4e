"""Public disclosure (执法公示): published within 7 working days of the decision, a person named by
surname only, searchable on a public route; withdrawn within 3 working days of a revocation or change."""

import datetime as dt

from enforcement.disclosure.models import Disclosure
from enforcement.records.models import RecordEntry
from enforcement.testing import API, OFFICER, OFFICER_B, count_rows, wait_for_event
from jiceng_shared.identity import ANONYMOUS
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

PUBLIC = headers_for(ANONYMOUS)


def local(y, m, d, h=10, minute=0, s=0):
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def decided(svc, new_case, clock, at, party, facts="当事人在人行道摆摊经营"):
    case = await new_case()
    clock.set(at)
    decision = {
        "procedure": "summary",
        "penalty": "fine",
        "fine_yuan": 200,
        "party": party,
        "facts": facts,
        "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
    }
    response = await post(svc, f"/cases/{case['id']}/decision", decision)
    assert response.status_code == 201, response.text
    return response.json()


async def test_published_on_the_7th_working_day_is_in_time_and_a_second_later_late(enforcement, new_case, clock):
    person = {"kind": "person", "name": "王小明"}
    on_time = await decided(enforcement, new_case, clock, local(2026, 9, 29), person)
    late = await decided(enforcement, new_case, clock, local(2026, 9, 29), person)
    # 30 September, 8, 9, Saturday 10, 12, 13 and 14 October
    clock.set(local(2026, 10, 14, 23, 59, 59))
    published = await post(enforcement, f"/cases/{on_time['id']}/disclosure", {})
    assert published.status_code == 201, published.text
    body = published.json()
    assert dt.datetime.fromisoformat(body["due"]) == local(2026, 10, 14, 23, 59, 59)
    assert (body["late"], body["status"], body["party"]) == (False, "published", "王**")
    clock.advance(seconds=1)
    assert (await post(enforcement, f"/cases/{late['id']}/disclosure", {})).json()["late"] is True
    again = await post(enforcement, f"/cases/{late['id']}/disclosure", {})
    assert again.status_code == 409 and again.json()["code"] == "already_published"
    event = await wait_for_event(
        enforcement, "enforcement.disclosure.published", lambda e: e.data["case_id"] == on_time["id"]
    )
    assert event.data["late"] is False and event.correlationid == on_time["correlation_id"]


async def test_the_public_list_is_searchable_masked_and_drops_what_is_withdrawn(enforcement, new_case, clock):
    company = {"kind": "organisation", "name": "步凤镇某某烧烤店"}
    case = await decided(enforcement, new_case, clock, local(2026, 11, 2), company, facts="夜间露天烧烤污染环境")
    person = await decided(enforcement, new_case, clock, local(2026, 11, 2), {"kind": "person", "name": "赵四"})
    clock.set(local(2026, 11, 3))
    mine = (await post(enforcement, f"/cases/{case['id']}/disclosure", {})).json()
    await post(enforcement, f"/cases/{person['id']}/disclosure", {"facts": "当事人占道经营"})

    found = await enforcement.client.get(f"{API}/public/disclosures", params={"q": "露天烧烤"}, headers=PUBLIC)
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [i["id"] for i in items] == [mine["id"]] and items[0]["party"] == "步凤镇某某烧烤店"
    assert "case_id" not in items[0] and items[0]["penalty_zh"] == "罚款"
    by_number = await enforcement.client.get(
        f"{API}/public/disclosures", params={"q": person["number"]}, headers=PUBLIC
    )
    [shown] = by_number.json()["items"]
    assert shown["party"] == "赵*" and "赵四" not in str(shown)
    one = await enforcement.client.get(f"{API}/public/disclosures/{mine['id']}", headers=PUBLIC)
    assert one.status_code == 200 and one.json()["number"] == case["number"]
    odd = await enforcement.client.get(f"{API}/public/disclosures", params={"q": "100%_"}, headers=PUBLIC)
    assert odd.status_code == 200 and odd.json()["items"] == []

    # revoked on review on Friday 20 November: 23, 24, 25 November to withdraw
    clock.set(local(2026, 11, 25, 23, 59, 59))
    withdrawn = await post(
        enforcement,
        f"/cases/{case['id']}/disclosure/withdraw",
        {"reason": "行政复议撤销原处罚决定", "changed_at": local(2026, 11, 20, 15).isoformat()},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert (body["status"], body["withdrawal_late"]) == ("withdrawn", False)
    assert dt.datetime.fromisoformat(body["withdrawal_due"]) == local(2026, 11, 25, 23, 59, 59)
    gone = await enforcement.client.get(f"{API}/public/disclosures/{mine['id']}", headers=PUBLIC)
    assert gone.status_code == 404
    again = await post(enforcement, f"/cases/{case['id']}/disclosure/withdraw", {"reason": "再撤"})
    assert again.status_code == 409 and again.json()["code"] == "not_published"
    clock.advance(seconds=1)
    late = await post(
        enforcement,
        f"/cases/{person['id']}/disclosure/withdraw",
        {"reason": "变更处罚决定", "changed_at": local(2026, 11, 20, 15).isoformat()},
    )
    assert late.json()["withdrawal_late"] is True
    event = await wait_for_event(
        enforcement, "enforcement.disclosure.withdrawn", lambda e: e.data["case_id"] == person["id"]
    )
    assert event.data["late"] is True
    record = (await enforcement.client.get(f"{API}/cases/{case['id']}/record", headers=headers_for(OFFICER))).json()
    assert [e["kind"] for e in record["items"]][-2:] == ["disclosure", "disclosure_withdrawn"]


async def test_nothing_is_published_before_the_decision_or_outside_ones_scope(enforcement, new_case):
    case = await new_case()
    before = await count_rows(enforcement, Disclosure, RecordEntry)
    early = await post(enforcement, f"/cases/{case['id']}/disclosure", {})
    assert early.status_code == 409 and early.json()["code"] == "invalid_state"
    other = await post(enforcement, f"/cases/{case['id']}/disclosure", {}, who=OFFICER_B)
    assert other.status_code == 404
    future = await post(enforcement, f"/cases/{case['id']}/disclosure/withdraw", {"reason": "x" * 3})
    assert future.status_code == 409 and future.json()["code"] == "not_published"
    assert await count_rows(enforcement, Disclosure, RecordEntry) == before
