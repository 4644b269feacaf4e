"""One enforcement team in full, through the gateway, over real NATS and PostgreSQL, all six processes.

An officer on patrol finds a restaurant company's illegal street structure: a lead, a case, a
proposed ¥60,000 fine (a heavy penalty: hearing offered). No decision while the party may ask for
a hearing; the party asks; the hearing is notified 7 days ahead, held and recorded; legal review
and the leaders' collective deliberation follow; the decision is published and served; the party
pays late, the 3 %/day fee reaches its cap (the fine itself), and only the payment lets the case
close. A small decision is published and withdrawn. A random inspection is drawn, reproduced by
the public verification route, and its results published. Every service stands on one clock
(``stack.clock``) to travel past the deadlines.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from jiceng_shared.testing.journey import BUFENG, Journey
from jiceng_shared.workdays import COUNTY_ZONE

pytestmark = pytest.mark.e2e

API = "/api/enforcement/v1"
OFFICER, OFFICER2 = "enforcement_officer.bufeng", "enforcement_officer2.bufeng"
REVIEWER, LEADER = "legal_reviewer.bufeng", "township_leader.bufeng"
GRID = "320971100201001"
COMPANY = {"kind": "organisation", "name": "步凤镇某某餐饮管理有限公司"}
FACTS = {
    "facts": "当事人未经批准在人行道搭建钢结构经营棚约60平方米，经责令限期拆除逾期未拆除",
    "legal_basis": "《城市市容和环境卫生管理条例》第三十六条、第三十七条",
}


def local(y: int, m: int, d: int, h: int = 10, minute: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()
    stack.clock.reset()


async def test_an_ordinary_case_from_a_patrol_to_a_60000_yuan_fine_paid_late_and_closed(stack, journey):
    clock = stack.clock
    clock.set(local(2026, 11, 2, 9))  # Monday
    lead = await journey.ok(
        OFFICER,
        f"{API}/leads",
        {
            "source": "patrol",
            "township_code": BUFENG,
            "area_code": GRID,
            "category": "street_occupation",
            "description": "巡查发现某餐饮公司在人行道搭建钢结构经营棚",
        },
        status=201,
    )
    assert lead["source_zh"] == "执法巡查发现" and lead["delegated"] is True
    case = await journey.ok(OFFICER, f"{API}/cases", {"lead_id": lead["id"], "officers": [OFFICER, OFFICER2]}, 201)
    cid = case["id"]
    assert case["decision_days_left"] == 90
    await journey.ok(OFFICER, f"{API}/cases/{cid}/records", {"kind": "evidence", "content": "现场勘验笔录及照片"}, 201)

    clock.set(local(2026, 11, 9, 9))
    notice = await journey.ok(
        OFFICER, f"{API}/cases/{cid}/rights-notice", {"penalty": "fine", "fine_yuan": 60000, "party": COMPANY, **FACTS}
    )
    offered = notice["rights_notices"][0]
    assert offered["hearing_offered"] is True
    # Monday 9 November: the party may ask until the end of Monday 16 November
    assert dt.datetime.fromisoformat(offered["hearing_request_deadline"]) == local(2026, 11, 16, 23, 59, 59)
    decision = {"procedure": "ordinary", "penalty": "fine", "fine_yuan": 60000, "party": COMPANY, **FACTS}
    early = await journey.post(OFFICER, f"{API}/cases/{cid}/decision", decision)
    assert early.status_code == 409 and early.json()["code"] == "hearing_window_open"

    clock.set(local(2026, 11, 12, 15))
    await journey.ok(OFFICER, f"{API}/cases/{cid}/hearing-request", {"note": "当事人书面申请听证"}, 201)
    await journey.ok(
        OFFICER,
        f"{API}/cases/{cid}/statements",
        {"kind": "defence", "content": "经营棚系临时搭建，请求从轻", "review": "经复核不予采纳"},
        201,
    )
    pending = await journey.post(OFFICER, f"{API}/cases/{cid}/decision", decision)
    assert pending.status_code == 409 and pending.json()["code"] == "hearing_pending"
    hearing_at = local(2026, 11, 20, 9)  # 7 days and 18 hours after the hearing notice
    scheduled = await journey.ok(
        OFFICER,
        f"{API}/cases/{cid}/hearing/schedule",
        {
            "scheduled_for": hearing_at.isoformat(),
            "place": "步凤镇综合行政执法局听证室",
            "hearing_officer": {"username": REVIEWER, "name": "步凤镇法制审核员"},
            "public": True,
        },
    )
    assert scheduled["hearings"][0]["status"] == "scheduled"
    clock.set(hearing_at + dt.timedelta(hours=2))
    held = await journey.ok(
        REVIEWER,
        f"{API}/cases/{cid}/hearing/record",
        {"party_attended": True, "transcript": "听证笔录：当事人委托代理人到场，对事实无异议，请求从轻处罚"},
    )
    assert held["hearings"][0]["status"] == "held"

    clock.set(local(2026, 11, 23, 9))
    submitted = await journey.ok(OFFICER, f"{API}/cases/{cid}/legal-review/submit")
    assert dt.datetime.fromisoformat(submitted["review_due"]) == local(2026, 12, 7, 23, 59, 59)
    clock.set(local(2026, 11, 25, 10))
    reviewed = await journey.ok(
        REVIEWER,
        f"{API}/cases/{cid}/legal-review",
        {"outcome": "passed", "opinion": "事实清楚，证据确凿，程序合法"},
        201,
    )
    assert reviewed["legal_reviews"][0]["late"] is False
    undeliberated = await journey.post(OFFICER, f"{API}/cases/{cid}/decision", decision)
    assert undeliberated.status_code == 422 and undeliberated.json()["code"] == "collective_deliberation_required"
    await journey.ok(
        LEADER,
        f"{API}/cases/{cid}/deliberation",
        {
            "members": ["镇长", "分管副镇长", "综合行政执法局局长"],
            "opinion": "同意罚款六万元",
            "penalty": "fine",
            "fine_yuan": 60000,
        },
        201,
    )
    clock.set(local(2026, 11, 26, 10))
    decided = await journey.ok(OFFICER, f"{API}/cases/{cid}/decision", decision, 201)
    assert decided["decision"]["major"] is True and decided["status"] == "decided"
    too_soon = await journey.post(OFFICER, f"{API}/cases/{cid}/close", {"outcome": "结案"})
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "not_served"

    published = await journey.ok(OFFICER, f"{API}/cases/{cid}/disclosure", {}, 201)
    assert published["late"] is False and published["party"] == COMPANY["name"]
    found = await journey.client.get(f"{API}/public/disclosures", params={"q": case["number"]})
    assert found.status_code == 200 and [d["id"] for d in found.json()["items"]] == [published["id"]]

    clock.set(local(2026, 11, 27, 15))
    served = await journey.ok(
        OFFICER, f"{API}/cases/{cid}/service", {"method": "in_person", "proof": "送达回证：法定代表人签收"}, 201
    )
    due = dt.datetime.fromisoformat(served["payment"]["instalments"][0]["due"])
    assert due == local(2026, 12, 12, 23, 59, 59) and served["service"]["late"] is False
    unpaid = await journey.post(OFFICER, f"{API}/cases/{cid}/close", {"outcome": "结案"})
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "unpaid"

    # 40 days late: 3 % a day would be 120 %, the fee stops at the fine itself
    clock.set(local(2027, 1, 21, 10))
    owed = (await journey.get(OFFICER, f"{API}/cases/{cid}")).json()["payment"]["instalments"][0]
    assert (owed["late_days"], owed["late_fee_yuan"], owed["payable_yuan"]) == (40, 60000, 120000)
    short = await journey.post(OFFICER, f"{API}/cases/{cid}/payments", {"amount_yuan": 60000, "receipt": "缴款书"})
    assert short.status_code == 422 and short.json()["expected_yuan"] == 120000
    await journey.ok(
        OFFICER, f"{API}/cases/{cid}/payments", {"amount_yuan": 120000, "receipt": "银行缴款书 No.001"}, 201
    )
    closed = await journey.ok(OFFICER, f"{API}/cases/{cid}/close", {"outcome": "罚款及加处罚款已缴清，结案"})
    assert closed["status"] == "closed"

    record = (await journey.get(OFFICER, f"{API}/cases/{cid}/record")).json()["items"]
    kinds = [e["kind"] for e in record]
    for step in (
        "rights_notice",
        "hearing_request",
        "statement",
        "hearing_notice",
        "hearing_record",
        "review_submitted",
        "legal_review",
        "deliberation",
        "decision",
        "disclosure",
        "service",
        "payment",
        "case_closed",
    ):
        assert step in kinds, step
    assert kinds.index("hearing_record") < kinds.index("decision") < kinds.index("service") < kinds.index("payment")
    verify = (await journey.get(OFFICER, f"{API}/cases/{cid}/record/verify")).json()
    assert verify["valid"] is True and verify["entries"] == len(kinds)


async def test_a_published_decision_is_withdrawn_and_leaves_the_public_list(stack, journey):
    stack.clock.set(local(2026, 12, 1, 10))
    lead = await journey.ok(
        OFFICER,
        f"{API}/leads",
        {
            "source": "complaint",
            "township_code": BUFENG,
            "area_code": GRID,
            "category": "street_occupation",
            "description": "群众投诉商贩占道经营",
        },
        201,
    )
    case = await journey.ok(OFFICER, f"{API}/cases", {"lead_id": lead["id"], "officers": [OFFICER, OFFICER2]}, 201)
    await journey.ok(
        OFFICER,
        f"{API}/cases/{case['id']}/decision",
        {
            "procedure": "summary",
            "penalty": "fine",
            "fine_yuan": 200,
            "party": {"kind": "person", "name": "钱小二"},
            **FACTS,
        },
        201,
    )
    published = await journey.ok(OFFICER, f"{API}/cases/{case['id']}/disclosure", {"facts": "占道经营"}, 201)
    public = await journey.client.get(f"{API}/public/disclosures/{published['id']}")
    assert public.status_code == 200 and public.json()["party"] == "钱**" and "钱小二" not in public.text
    stack.clock.set(local(2026, 12, 4, 10))
    withdrawn = await journey.ok(
        OFFICER,
        f"{API}/cases/{case['id']}/disclosure/withdraw",
        {"reason": "复议机关变更处罚决定", "changed_at": local(2026, 12, 3, 16).isoformat()},
    )
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawal_late"] is False
    gone = await journey.client.get(f"{API}/public/disclosures/{published['id']}")
    assert gone.status_code == 404


async def test_a_random_inspection_is_drawn_reproduced_and_published(journey):
    for n in range(3):
        await journey.ok(
            OFFICER,
            f"{API}/inspection-targets",
            {
                "township_code": BUFENG,
                "area_code": GRID,
                "name": f"步凤镇端到端检查对象{n}",
                "credit_code": "92" + uuid.uuid4().hex[:16].upper(),
            },
            201,
        )
    plan = await journey.ok(
        OFFICER,
        f"{API}/inspection-plans",
        {"township_code": BUFENG, "name": "端到端双随机抽查", "ratio_percent": 34},
        201,
    )
    assert len(plan["assignments"]) >= 2 and all(len(a["inspectors"]) == 2 for a in plan["assignments"])
    verified = (await journey.get(OFFICER, f"{API}/inspection-plans/{plan['id']}/verify")).json()
    assert verified["reproduced"] is True
    results = [
        {"target_id": a["target_id"], "outcome": "compliant", "finding": "未发现问题"} for a in plan["assignments"]
    ]
    results[0] |= {"outcome": "violation", "finding": "店外占道经营", "category": "street_occupation"}
    done = await journey.ok(OFFICER, f"{API}/inspection-plans/{plan['id']}/results", {"results": results})
    lead = (await journey.get(OFFICER, f"{API}/leads/{done['results'][0]['lead_id']}")).json()
    assert lead["source"] == "inspection" and lead["source_ref"] == plan["number"]
    public = await journey.client.get(f"{API}/public/inspections", params={"township_code": BUFENG})
    assert plan["id"] in [p["id"] for p in public.json()["items"]]
    again = await journey.client.get(f"{API}/public/inspections/{plan['id']}/verify")
    assert again.status_code == 200 and again.json()["reproduced"] is True
