"""Service of the decision (行政处罚法 art. 61) and payment (art. 66-73, 行政强制法 art. 45, 53) on the
service clock: 7 days to serve, by a lawful method with proof; 15 days to pay from the service;
3 % of the fine a day late, never more than the fine; deferral and instalments on approval; the
court once the party's periods have run out; a case closes only when executed or handed to the court."""

import datetime as dt

import pytest

from enforcement.cases.models import Case
from enforcement.payments.models import Payment, PaymentPlan
from enforcement.records.models import RecordEntry
from enforcement.service_of_documents.models import DocumentService
from enforcement.testing import API, LEADER, OFFICER, count_rows
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

PERSON = {"kind": "person", "name": "王某"}
FACTS = {"facts": "当事人占道堆放物料", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条"}
IN_PERSON = {"method": "in_person", "proof": "送达回证：当事人签收"}


def local(y, m, d, h=10, minute=0, s=0):
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def get(svc, case_id):
    return (await svc.client.get(f"{API}/cases/{case_id}", headers=headers_for(OFFICER))).json()


async def written(svc):
    return await count_rows(svc, Case, RecordEntry, DocumentService, PaymentPlan, Payment, svc.ctx.db.infra.outbox)


@pytest.fixture
def decided(enforcement, new_case, clock):
    """A 1,000 yuan fine on a person decided in the ordinary procedure at ``at`` (no hearing offered)."""

    async def make(at: dt.datetime, fine: int = 1000) -> dict:
        case = await new_case()
        clock.set(at)
        notice = {"penalty": "fine", "fine_yuan": fine, "party": PERSON, **FACTS}
        assert (await post(enforcement, f"/cases/{case['id']}/rights-notice", notice)).status_code == 201
        decision = {"procedure": "ordinary", **notice}
        response = await post(enforcement, f"/cases/{case['id']}/decision", decision)
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def served(enforcement, decided, clock):
    async def make(at: dt.datetime, fine: int = 1000) -> dict:
        case = await decided(at, fine)
        response = await post(enforcement, f"/cases/{case['id']}/service", IN_PERSON)
        assert response.status_code == 201, response.text
        return response.json()

    return make


async def test_served_on_the_7th_day_is_in_time_and_a_second_later_is_late(enforcement, decided, clock):
    on_time, late = await decided(local(2026, 11, 30)), await decided(local(2026, 11, 30))
    clock.set(local(2026, 12, 7, 23, 59, 59))
    first = await post(enforcement, f"/cases/{on_time['id']}/service", IN_PERSON)
    assert first.status_code == 201, first.text
    service = first.json()["service"]
    assert (service["late"], service["method_zh"]) == (False, "直接送达")
    assert dt.datetime.fromisoformat(service["due"]) == local(2026, 12, 7, 23, 59, 59)
    # the service date starts the party's periods: review 60 days, litigation 6 months, payment 15 days
    assert dt.datetime.fromisoformat(service["review_until"]) == local(2027, 2, 5, 23, 59, 59)
    assert dt.datetime.fromisoformat(service["litigation_until"]) == local(2027, 6, 7, 23, 59, 59)
    due = first.json()["payment"]["instalments"][0]["due"]
    assert dt.datetime.fromisoformat(due) == local(2026, 12, 22, 23, 59, 59)
    clock.advance(seconds=1)
    second = await post(enforcement, f"/cases/{late['id']}/service", IN_PERSON)
    assert second.json()["service"]["late"] is True
    again = await post(enforcement, f"/cases/{late['id']}/service", IN_PERSON)
    assert again.status_code == 409 and again.json()["code"] == "already_served"


async def test_service_needs_a_lawful_method_a_real_date_and_proof(enforcement, decided, new_case, clock):
    case = await decided(local(2026, 11, 30))
    undecided = await new_case()
    before = await written(enforcement)
    bad = await post(
        enforcement,
        f"/cases/{case['id']}/service",
        {"method": "electronic", "proof": "短信", "served_at": local(2026, 12, 1).isoformat()},
    )
    assert bad.status_code == 422 and {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("consent", "electronic_consent_required"),
        ("served_at", "served_in_future"),
    }
    notice = await post(enforcement, f"/cases/{case['id']}/service", {"method": "public_announcement", "proof": "公告"})
    assert notice.status_code == 422 and notice.json()["code"] == "announcement_reason_required"
    shape = await post(enforcement, f"/cases/{case['id']}/service", {"method": "by_pigeon"})
    assert shape.status_code == 422 and {"method", "proof"} <= {e["field"] for e in shape.json()["errors"]}
    early = await post(enforcement, f"/cases/{undecided['id']}/service", IN_PERSON)
    assert early.status_code == 409 and early.json()["code"] == "invalid_state"
    assert await written(enforcement) == before
    electronic = await post(
        enforcement, f"/cases/{case['id']}/service", {"method": "electronic", "proof": "电子送达回执", "consent": True}
    )
    assert electronic.status_code == 201, electronic.text


async def test_paid_on_the_15th_day_no_fee_a_day_later_3_percent(enforcement, served, clock):
    on_time, late = await served(local(2026, 12, 2)), await served(local(2026, 12, 2))
    clock.set(local(2026, 12, 17, 23, 59, 59))
    paid = await post(enforcement, f"/cases/{on_time['id']}/payments", {"amount_yuan": 1000, "receipt": "缴款书1"})
    assert paid.status_code == 201, paid.text
    instalment = paid.json()["payment"]["instalments"][0]
    assert (instalment["late_fee_yuan"], paid.json()["payment"]["paid"]) == (0, True)
    clock.advance(seconds=1)
    before = await written(enforcement)
    short = await post(enforcement, f"/cases/{late['id']}/payments", {"amount_yuan": 1000, "receipt": "缴款书2"})
    assert short.status_code == 422 and short.json()["code"] == "amount_mismatch"
    assert short.json()["expected_yuan"] == 1030
    assert await written(enforcement) == before
    paid = await post(enforcement, f"/cases/{late['id']}/payments", {"amount_yuan": 1030, "receipt": "缴款书2"})
    assert paid.status_code == 201
    assert paid.json()["payment"]["instalments"][0]["late_fee_yuan"] == 30
    twice = await post(enforcement, f"/cases/{late['id']}/payments", {"amount_yuan": 1000, "receipt": "缴款书3"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_paid"


async def test_the_late_fee_grows_3_percent_a_day_until_it_equals_the_fine(enforcement, served, clock):
    case = await served(local(2026, 12, 2))
    due = local(2026, 12, 17, 12)
    for days, fee in ((1, 30), (33, 990), (34, 1000), (200, 1000)):
        clock.set(due + dt.timedelta(days=days))
        instalment = (await get(enforcement, case["id"]))["payment"]["instalments"][0]
        assert (instalment["late_days"], instalment["late_fee_yuan"]) == (days, fee)
        assert instalment["payable_yuan"] == 1000 + fee


async def test_a_case_closes_only_once_served_and_paid(enforcement, decided, clock):
    case = await decided(local(2026, 11, 30))
    cid = case["id"]
    unserved = await post(enforcement, f"/cases/{cid}/close", {"outcome": "结案"})
    assert unserved.status_code == 409 and unserved.json()["code"] == "not_served"
    unpaid_pay = await post(enforcement, f"/cases/{cid}/payments", {"amount_yuan": 1000, "receipt": "缴款书"})
    assert unpaid_pay.status_code == 409 and unpaid_pay.json()["code"] == "not_served"
    await post(enforcement, f"/cases/{cid}/service", IN_PERSON)
    unpaid = await post(enforcement, f"/cases/{cid}/close", {"outcome": "结案"})
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "unpaid"
    await post(enforcement, f"/cases/{cid}/payments", {"amount_yuan": 1000, "receipt": "缴款书"})
    closed = await post(enforcement, f"/cases/{cid}/close", {"outcome": "罚款已缴清，结案"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


async def test_instalments_on_the_heads_approval_each_with_its_own_due_date(enforcement, served, clock):
    case = await served(local(2026, 12, 2))
    cid = case["id"]
    clock.set(local(2026, 12, 10))
    plan = {
        "kind": "instalments",
        "reason": "经济困难",
        "instalments": [{"due_on": "2027-01-15", "amount_yuan": 500}, {"due_on": "2027-02-15", "amount_yuan": 500}],
    }
    assert (await post(enforcement, f"/cases/{cid}/payment-arrangement", plan)).status_code == 403
    before = await written(enforcement)
    bad = {
        **plan,
        "instalments": [{"due_on": "2027-02-15", "amount_yuan": 500}, {"due_on": "2026-12-01", "amount_yuan": 400}],
    }
    refused = await post(enforcement, f"/cases/{cid}/payment-arrangement", bad, LEADER)
    assert refused.status_code == 422 and {e["code"] for e in refused.json()["errors"]} == {
        "instalments_do_not_add_up",
        "due_in_the_past",
        "instalments_out_of_order",
    }
    assert await written(enforcement) == before
    approved = await post(enforcement, f"/cases/{cid}/payment-arrangement", plan, LEADER)
    assert approved.status_code == 200, approved.text
    payment = approved.json()["payment"]
    assert payment["arrangement"] == "instalments" and [i["amount_yuan"] for i in payment["instalments"]] == [500, 500]
    clock.set(local(2027, 1, 15, 23, 59, 59))
    assert (
        await post(enforcement, f"/cases/{cid}/payments", {"amount_yuan": 500, "receipt": "一期"})
    ).status_code == 201
    unpaid = await post(enforcement, f"/cases/{cid}/close", {"outcome": "结案"})
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "unpaid"
    clock.set(local(2027, 2, 16, 9))
    second = await post(enforcement, f"/cases/{cid}/payments", {"amount_yuan": 515, "receipt": "二期"})
    assert second.status_code == 201, second.text
    assert (await post(enforcement, f"/cases/{cid}/close", {"outcome": "分期缴清，结案"})).status_code == 200


async def test_unpaid_after_the_partys_periods_the_court_is_applied_to_and_the_case_closes(enforcement, served, clock):
    case = await served(local(2026, 12, 2))
    cid = case["id"]
    court = {"court": "建湖县人民法院", "reason": "逾期不缴纳罚款"}
    clock.set(local(2026, 12, 17, 23, 59, 59))
    nothing = await post(enforcement, f"/cases/{cid}/court-application", court)
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_overdue"
    litigation_until = dt.datetime.fromisoformat((await get(enforcement, cid))["service"]["litigation_until"])
    assert litigation_until == local(2027, 6, 2, 23, 59, 59)
    clock.set(litigation_until)
    running = await post(enforcement, f"/cases/{cid}/court-application", court)
    assert running.status_code == 409 and running.json()["code"] == "periods_running"
    clock.advance(seconds=1)
    applied = await post(enforcement, f"/cases/{cid}/court-application", court)
    assert applied.status_code == 201, applied.text
    assert applied.json()["payment"]["court_name"] == "建湖县人民法院"
    late = await post(enforcement, f"/cases/{cid}/payments", {"amount_yuan": 2000, "receipt": "缴款书"})
    assert late.status_code == 409 and late.json()["code"] == "handed_to_court"
    closed = await post(enforcement, f"/cases/{cid}/close", {"outcome": "申请法院强制执行，结案"})
    assert closed.status_code == 200, closed.text
