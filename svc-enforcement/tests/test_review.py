"""Legal review within 10 working days of the file (rules-reference §7.4, 行政处罚法 art. 58) and the
collective deliberation of a major case by the office's leaders (art. 57), on the service clock."""

import datetime as dt

from enforcement.cases.models import Case
from enforcement.decisions.models import Deliberation
from enforcement.records.models import RecordEntry
from enforcement.testing import ADMIN, API, LEADER, OFFICER, REVIEWER, count_rows
from jiceng_shared.testing.plugin import headers_for, principal
from jiceng_shared.workdays import COUNTY_ZONE

PERSON = {"kind": "person", "name": "张某"}
FACTS = {"facts": "当事人违法搭建", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条"}
PASSED = {"outcome": "passed", "opinion": "事实清楚，证据确凿", "penalty": "fine", "fine_yuan": 6000}


def local(y, m, d, h=10, minute=0, s=0):
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def test_the_review_is_due_on_the_10th_working_day_after_the_file_and_late_a_second_after(
    enforcement, new_case, clock
):
    on_time, late = await new_case(), await new_case()
    # Tuesday 29 September 2026: 30 Sep, 8, 9, Saturday 10, 12-16 and Monday 19 October
    clock.set(local(2026, 9, 29))
    for case in (on_time, late):
        submitted = await post(enforcement, f"/cases/{case['id']}/legal-review/submit", None)
        assert submitted.status_code == 200, submitted.text
        assert dt.datetime.fromisoformat(submitted.json()["review_due"]) == local(2026, 10, 19, 23, 59, 59)
    clock.set(local(2026, 10, 19, 23, 59, 59))
    reviewed = await post(enforcement, f"/cases/{on_time['id']}/legal-review", PASSED, REVIEWER)
    assert reviewed.json()["legal_reviews"][0]["late"] is False
    clock.advance(seconds=1)
    reviewed = await post(enforcement, f"/cases/{late['id']}/legal-review", PASSED, REVIEWER)
    review = reviewed.json()["legal_reviews"][0]
    assert review["late"] is True and review["due"] is not None
    record = (await enforcement.client.get(f"{API}/cases/{late['id']}/record", headers=headers_for(OFFICER))).json()
    assert [e["kind"] for e in record["items"]] == ["case_opened", "review_submitted", "legal_review"]


async def test_a_deliberation_needs_three_leaders_and_only_leaders_minute_it(enforcement, new_case):
    case = await new_case()
    before = await count_rows(enforcement, Case, Deliberation, RecordEntry)
    body = {"members": ["镇长", "副镇长"], "opinion": "同意", "penalty": "fine", "fine_yuan": 6000}
    few = await post(enforcement, f"/cases/{case['id']}/deliberation", body, LEADER)
    assert few.status_code == 422 and few.json()["code"] == "too_few_members"
    same = await post(enforcement, f"/cases/{case['id']}/deliberation", {**body, "members": ["镇长"] * 3}, LEADER)
    assert same.status_code == 422 and same.json()["code"] == "too_few_members"
    both = await post(
        enforcement, f"/cases/{case['id']}/deliberation", {**body, "fine_yuan": 0, "members": ["镇长"]}, LEADER
    )
    assert both.status_code == 422 and {e["field"] for e in both.json()["errors"]} == {"members", "fine_yuan"}
    officer = await post(enforcement, f"/cases/{case['id']}/deliberation", {**body, "members": ["a", "b", "c"]})
    assert officer.status_code == 403
    assert await count_rows(enforcement, Case, Deliberation, RecordEntry) == before
    ok = await post(enforcement, f"/cases/{case['id']}/deliberation", {**body, "members": ["a", "b", "c"]}, LEADER)
    assert ok.status_code == 201 and ok.json()["deliberations"][0]["members"] == ["a", "b", "c"]


async def test_a_major_decision_heavier_than_the_deliberation_is_refused(enforcement, new_case):
    case = await new_case()
    cid = case["id"]
    notice = {"penalty": "fine", "fine_yuan": 6000, "party": PERSON, **FACTS}
    assert (await post(enforcement, f"/cases/{cid}/rights-notice", notice)).status_code == 201
    assert (await post(enforcement, f"/cases/{cid}/hearing-request", {"waived": True})).status_code == 201
    assert (await post(enforcement, f"/cases/{cid}/legal-review", PASSED, REVIEWER)).status_code == 201
    lighter = {"members": ["a", "b", "c"], "opinion": "从轻", "penalty": "fine", "fine_yuan": 5500}
    assert (await post(enforcement, f"/cases/{cid}/deliberation", lighter, LEADER)).status_code == 201
    decision = {"procedure": "ordinary", "penalty": "fine", "fine_yuan": 6000, "party": PERSON, **FACTS}
    refused = await post(enforcement, f"/cases/{cid}/decision", decision)
    assert refused.status_code == 422 and refused.json()["code"] == "collective_deliberation_required"
    decided = await post(enforcement, f"/cases/{cid}/decision", {**decision, "fine_yuan": 5500})
    assert decided.status_code == 201, decided.text
    kinds = [
        e["kind"]
        for e in (await enforcement.client.get(f"{API}/cases/{cid}/record", headers=headers_for(OFFICER))).json()[
            "items"
        ]
    ]
    assert kinds[-3:] == ["legal_review", "deliberation", "decision"]


async def test_only_a_reviewer_with_a_valid_legal_qualification_reviews(enforcement, new_case, clock):
    reviewer = principal(("legal_reviewer", "320971100000"), username="legal_reviewer2.bufeng")
    case = await new_case()
    clock.set(local(2026, 12, 1, 10))
    unknown = await post(enforcement, f"/cases/{case['id']}/legal-review", PASSED, reviewer)
    assert unknown.status_code == 422 and unknown.json()["code"] == "reviewer_not_certified"
    qualification = {
        "name": "法制审核员乙",
        "township_code": "320971100000",
        "certificate_number": "A20261000777",
        "valid_from": "2026-12-02",
        "valid_until": "2026-12-31",
    }
    officer = await enforcement.client.put(
        f"{API}/legal-reviewers/legal_reviewer2.bufeng", json=qualification, headers=headers_for(OFFICER)
    )
    assert officer.status_code == 403
    put = await enforcement.client.put(
        f"{API}/legal-reviewers/legal_reviewer2.bufeng", json=qualification, headers=headers_for(ADMIN)
    )
    assert put.status_code == 201, put.text
    not_yet = await post(enforcement, f"/cases/{case['id']}/legal-review", PASSED, reviewer)
    assert not_yet.status_code == 422 and not_yet.json()["code"] == "reviewer_not_certified"
    clock.set(local(2026, 12, 31, 23, 59, 59))
    assert (await post(enforcement, f"/cases/{case['id']}/legal-review", PASSED, reviewer)).status_code == 201
    clock.advance(seconds=1)
    expired = await post(enforcement, f"/cases/{case['id']}/legal-review", PASSED, reviewer)
    assert expired.status_code == 422 and expired.json()["code"] == "reviewer_not_certified"
    renewed = await enforcement.client.put(
        f"{API}/legal-reviewers/legal_reviewer2.bufeng",
        json=qualification | {"valid_until": None},
        headers=headers_for(ADMIN),
    )
    assert renewed.status_code == 200 and renewed.json()["valid_until"] is None
    assert (await post(enforcement, f"/cases/{case['id']}/legal-review", PASSED, reviewer)).status_code == 201


async def test_an_unknown_review_outcome_or_party_kind_is_refused_naming_the_field(enforcement, new_case):
    case = await new_case()
    submitted = await post(enforcement, f"/cases/{case['id']}/legal-review/submit", None)
    assert submitted.status_code == 200, submitted.text
    before = await count_rows(enforcement, RecordEntry)
    refused = await post(enforcement, f"/cases/{case['id']}/legal-review", PASSED | {"outcome": "approved"}, REVIEWER)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["outcome"]
    assert await count_rows(enforcement, RecordEntry) == before
    notice = await post(
        enforcement,
        f"/cases/{case['id']}/rights-notice",
        {"party": {"kind": "company", "name": "某公司"}, "penalty": "fine", "fine_yuan": 500} | FACTS,
    )
    assert notice.status_code == 422
    assert [e["field"] for e in notice.json()["errors"]] == ["party.kind"]
