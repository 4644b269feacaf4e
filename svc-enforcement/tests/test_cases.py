"""Cases: registration by two certified officers, the 90-day limit, decisions by procedure, closure."""

import datetime as dt

from enforcement.cases.models import Case
from enforcement.decisions.models import Decision, LegalReview, RightsNotice
from enforcement.records.models import RecordEntry
from enforcement.testing import (
    API,
    BUFENG,
    LEADER,
    OFFICER,
    OFFICER2,
    OFFICER_B,
    PAIR,
    REVIEWER,
    count_rows,
    wait_for_event,
)
from jiceng_shared import units
from jiceng_shared.testing.plugin import demo_principal, headers_for, principal

PERSON = {"kind": "person", "name": "张某"}
COMPANY = {"kind": "organisation", "name": "步凤镇某餐饮有限公司"}
FACTS = {"facts": "当事人在人行道摆摊经营", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条"}


def decision(procedure="summary", penalty="warning", fine=0, party=PERSON, **extra):
    return {"procedure": procedure, "penalty": penalty, "fine_yuan": fine, "party": party, **FACTS, **extra}


async def written(svc):
    return await count_rows(svc, Case, RecordEntry, Decision, RightsNotice, LegalReview, svc.ctx.db.infra.outbox)


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def test_two_certified_officers_open_a_case_from_a_delegated_lead(enforcement, new_lead):
    lead = await new_lead("street_occupation")
    response = await post(enforcement, "/cases", {"lead_id": lead["id"], "officers": PAIR})
    assert response.status_code == 201, response.text
    case = response.json()
    assert response.headers["location"].endswith(case["id"])
    year = dt.datetime.now(dt.UTC).astimezone(enforcement.ctx.calendar.zone).year
    assert case["number"].startswith(f"ZF-320971100-{year}-")
    assert case["status"] == "investigating" and case["status_zh"] == "调查取证"
    assert (case["lead_id"], case["ticket_id"], case["correlation_id"]) == (
        lead["id"],
        lead["ticket_id"],
        lead["correlation_id"],
    )
    assert (case["item_code"], case["item_revision"]) == ("ZF-CG-001", 1)
    assert [o["username"] for o in case["officers"]] == PAIR
    assert all(o["certificate_number"] for o in case["officers"])
    assert case["record_entries"] == 1

    after = (await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(OFFICER))).json()
    assert after["status"] == "case_opened" and after["case_id"] == case["id"]
    event = await wait_for_event(enforcement, "enforcement.case.opened", lambda e: e.data["case_id"] == case["id"])
    assert event.correlationid == lead["correlation_id"] and event.data["ticket_id"] == lead["ticket_id"]
    assert event.data["number"] == case["number"] and event.data["item_code"] == "ZF-CG-001"

    again = await post(enforcement, "/cases", {"lead_id": lead["id"], "officers": PAIR})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


async def test_the_decision_is_due_90_days_after_registration(enforcement, new_case):
    case = await new_case()
    calendar = enforcement.ctx.calendar
    registered = dt.datetime.fromisoformat(case["registered_at"])
    deadline = dt.datetime.fromisoformat(case["decision_deadline"])
    assert (calendar.local_date(deadline) - calendar.local_date(registered)).days == 90
    assert deadline.astimezone(calendar.zone).time() == dt.time(23, 59, 59)
    assert case["decision_days_left"] == 90 and case["decision_overdue"] is False


async def test_one_officer_the_same_officer_twice_or_an_expired_certificate_open_nothing(enforcement, new_lead):
    lead = await new_lead("street_occupation")
    before = await written(enforcement)
    for officers, code in (
        (["enforcement_officer.bufeng"], "two_officers_required"),
        (["enforcement_officer.bufeng", "enforcement_officer.bufeng"], "two_officers_required"),
        (["enforcement_officer.bufeng", "enforcement_officer3.bufeng"], "certificate_invalid"),
        (["enforcement_officer.bufeng", "nobody.bufeng"], "certificate_invalid"),
        (["enforcement_officer.bufeng", "enforcement_officer.xincheng"], "officer_outside_township"),
    ):
        response = await post(enforcement, "/cases", {"lead_id": lead["id"], "officers": officers})
        assert response.status_code == 422, officers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code, officers
    # the caller must be one of the officers
    response = await post(
        enforcement,
        "/cases",
        {"lead_id": lead["id"], "officers": PAIR},
        who=principal(("enforcement_officer", BUFENG), username="enforcement_officer3.bufeng"),
    )
    assert response.status_code == 403 and response.json()["code"] == "not_case_officer"
    assert await written(enforcement) == before
    lead_now = (await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(OFFICER))).json()
    assert lead_now["status"] == "received" and lead_now["case_id"] is None


async def test_a_lead_of_the_other_township_is_not_found(enforcement, new_lead):
    lead = await new_lead("street_occupation")
    response = await post(
        enforcement,
        "/cases",
        {"lead_id": lead["id"], "officers": ["enforcement_officer.xincheng", "enforcement_officer2.xincheng"]},
        who=OFFICER_B,
    )
    assert response.status_code == 404


async def test_summary_procedure_fines_a_person_200_yuan_but_not_201(enforcement, new_case):
    case = await new_case()
    before = await written(enforcement)
    refused = await post(enforcement, f"/cases/{case['id']}/decision", decision(penalty="fine", fine=201))
    assert refused.status_code == 422 and refused.json()["code"] == "summary_procedure_limit"
    assert await written(enforcement) == before
    accepted = await post(enforcement, f"/cases/{case['id']}/decision", decision(penalty="fine", fine=200))
    assert accepted.status_code == 201, accepted.text
    made = accepted.json()["decision"]
    assert (made["procedure_zh"], made["penalty_zh"], made["fine_yuan"]) == ("简易程序", "罚款", 200)
    assert made["officers_present"] == PAIR
    event = await wait_for_event(enforcement, "enforcement.decision.made", lambda e: e.data["case_id"] == case["id"])
    assert event.data["fine_yuan"] == 200 and event.data["procedure"] == "summary"
    assert event.data["ticket_id"] == case["ticket_id"] and event.correlationid == case["correlation_id"]


async def test_summary_procedure_fines_an_organisation_3000_yuan_but_not_3001(enforcement, new_case):
    case = await new_case()
    before = await written(enforcement)
    refused = await post(
        enforcement, f"/cases/{case['id']}/decision", decision(penalty="fine", fine=3001, party=COMPANY)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "summary_procedure_limit"
    heavy = await post(enforcement, f"/cases/{case['id']}/decision", decision(penalty="licence_revocation"))
    assert heavy.status_code == 422 and heavy.json()["code"] == "summary_procedure_limit"
    assert await written(enforcement) == before
    accepted = await post(
        enforcement, f"/cases/{case['id']}/decision", decision(penalty="fine", fine=3000, party=COMPANY)
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "decided" and accepted.json()["decision_days_left"] is None


async def test_a_decision_flagged_major_is_refused_under_the_summary_procedure(enforcement, new_case):
    case = await new_case()
    before = await written(enforcement)
    major = await post(enforcement, f"/cases/{case['id']}/decision", decision(major=True))
    assert major.status_code == 422 and major.json()["code"] == "summary_procedure_limit"
    assert await written(enforcement) == before
    assert (await post(enforcement, f"/cases/{case['id']}/decision", decision(major=False))).status_code == 201


async def test_an_on_the_spot_decision_needs_two_certified_officers_of_the_case_present(enforcement, new_case):
    case = await new_case()
    alone = await post(
        enforcement, f"/cases/{case['id']}/decision", decision(officers_present=["enforcement_officer.bufeng"])
    )
    assert alone.status_code == 422 and alone.json()["code"] == "two_officers_required"
    stranger = await post(
        enforcement,
        f"/cases/{case['id']}/decision",
        decision(officers_present=["enforcement_officer.bufeng", "enforcement_officer3.bufeng"]),
    )
    assert stranger.status_code == 422 and stranger.json()["code"] == "officer_not_on_case"
    absent = await post(
        enforcement,
        f"/cases/{case['id']}/decision",
        decision(officers_present=["enforcement_officer2.bufeng", "enforcement_officer2.bufeng"]),
    )
    assert absent.status_code == 422 and absent.json()["code"] == "officer_not_present"


async def test_bad_decisions_are_refused_with_every_field_named(enforcement, new_case):
    case = await new_case()
    before = await written(enforcement)
    no_amount = await post(enforcement, f"/cases/{case['id']}/decision", decision(penalty="fine", fine=0))
    assert no_amount.status_code == 422 and no_amount.json()["code"] == "fine_required"
    shape = await post(
        enforcement,
        f"/cases/{case['id']}/decision",
        {"procedure": "on_a_whim", "penalty": "administrative_detention", "fine_yuan": -1},
    )
    assert shape.status_code == 422
    assert {"procedure", "penalty", "fine_yuan", "party", "facts", "legal_basis"} <= {
        e["field"] for e in shape.json()["errors"]
    }
    assert await written(enforcement) == before


async def test_an_ordinary_decision_comes_after_the_rights_notice_and_not_heavier(enforcement, new_case):
    case = await new_case()
    before = await written(enforcement)
    unnotified = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 1000))
    assert unnotified.status_code == 422 and unnotified.json()["code"] == "rights_notice_required"
    assert await written(enforcement) == before

    notified = await post(
        enforcement,
        f"/cases/{case['id']}/rights-notice",
        {"penalty": "fine", "fine_yuan": 1000, "party": PERSON, **FACTS},
    )
    assert notified.status_code == 201, notified.text
    notice = notified.json()["rights_notices"][0]
    assert notice["hearing_offered"] is False and notice["penalty_zh"] == "罚款"
    heavier = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 1500))
    assert heavier.status_code == 422 and heavier.json()["code"] == "penalty_exceeds_notice"
    # 1,000 yuan on a person is below the large-fine threshold: no legal review needed
    decided = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 800))
    assert decided.status_code == 201, decided.text
    assert decided.json()["decision"]["major"] is False


async def test_a_major_ordinary_decision_needs_a_passed_legal_review(enforcement, new_case):
    case = await new_case()
    notice = await post(
        enforcement,
        f"/cases/{case['id']}/rights-notice",
        {"penalty": "fine", "fine_yuan": 5000, "party": PERSON, **FACTS},
    )
    assert notice.json()["rights_notices"][0]["hearing_offered"] is True
    assert notice.json()["rights_notices"][0]["hearing_request_deadline"] is not None
    # the party gives the hearing up expressly: the decision need not wait for the window (test_hearings)
    waived = await post(enforcement, f"/cases/{case['id']}/hearing-request", {"waived": True})
    assert waived.status_code == 201, waived.text
    before = await written(enforcement)
    unreviewed = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 5000))
    assert unreviewed.status_code == 422 and unreviewed.json()["code"] == "legal_review_required"
    assert await written(enforcement) == before

    failed = await post(
        enforcement, f"/cases/{case['id']}/legal-review", {"outcome": "failed", "opinion": "证据不足"}, who=REVIEWER
    )
    assert failed.status_code == 201, failed.text
    still = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 5000))
    assert still.status_code == 422 and still.json()["code"] == "legal_review_required"

    passed = await post(
        enforcement,
        f"/cases/{case['id']}/legal-review",
        {"outcome": "passed", "opinion": "事实清楚，证据确凿，适用依据正确"},
        who=REVIEWER,
    )
    assert passed.status_code == 201
    reviews = passed.json()["legal_reviews"]
    assert [r["outcome"] for r in reviews] == ["failed", "passed"] and reviews[1]["fine_yuan"] == 5000
    undeliberated = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 5000))
    assert undeliberated.status_code == 422 and undeliberated.json()["code"] == "collective_deliberation_required"
    deliberation = {"members": ["镇长", "副镇长", "局长"], "opinion": "同意", "penalty": "fine", "fine_yuan": 5000}
    agreed = await post(enforcement, f"/cases/{case['id']}/deliberation", deliberation, LEADER)
    assert agreed.status_code == 201, agreed.text
    decided = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 5000))
    assert decided.status_code == 201, decided.text
    assert decided.json()["decision"]["major"] is True


async def test_4999_yuan_on_a_person_is_decided_without_legal_review(enforcement, new_case):
    case = await new_case()
    await post(
        enforcement,
        f"/cases/{case['id']}/rights-notice",
        {"penalty": "fine", "fine_yuan": 4999, "party": PERSON, **FACTS},
    )
    decided = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 4999))
    assert decided.status_code == 201 and decided.json()["decision"]["major"] is False


async def test_the_legal_reviewer_is_not_an_officer_of_the_case_and_acts_in_time(enforcement, new_case):
    case = await new_case()
    nothing = await post(
        enforcement, f"/cases/{case['id']}/legal-review", {"outcome": "passed", "opinion": "同意"}, who=REVIEWER
    )
    assert nothing.status_code == 422 and nothing.json()["code"] == "proposal_required"
    both_roles = principal(
        ("enforcement_officer", BUFENG), ("legal_reviewer", BUFENG), username="enforcement_officer2.bufeng"
    )
    own = await post(
        enforcement,
        f"/cases/{case['id']}/legal-review",
        {"outcome": "passed", "opinion": "同意", "penalty": "warning"},
        who=both_roles,
    )
    assert own.status_code == 422 and own.json()["code"] == "reviewer_is_case_officer"
    other = await post(
        enforcement,
        f"/cases/{case['id']}/legal-review",
        {"outcome": "passed", "opinion": "同意", "penalty": "warning"},
        who=demo_principal("legal_reviewer.xincheng"),
    )
    assert other.status_code == 404


async def test_closing_comes_after_the_decision_and_tells_dispatch(enforcement, new_case):
    case = await new_case()
    early = await post(enforcement, f"/cases/{case['id']}/close", {"outcome": "已改正"})
    assert early.status_code == 409 and early.json()["code"] == "invalid_state"
    await post(enforcement, f"/cases/{case['id']}/decision", decision())
    closed = await post(enforcement, f"/cases/{case['id']}/close", {"outcome": "当事人已改正，给予警告"}, who=OFFICER2)
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed" and body["outcome"] == "当事人已改正，给予警告" and body["closed_at"]

    event = await wait_for_event(enforcement, "enforcement.case.closed", lambda e: e.data["case_id"] == case["id"])
    assert event.data["ticket_id"] == case["ticket_id"] and event.data["lead_id"] == case["lead_id"]
    assert event.data["unit"] == units.township_office(BUFENG, "cle").model_dump()
    assert event.data["outcome"] == "当事人已改正，给予警告"
    assert event.data["record_head"] == body["record_head"]
    assert event.correlationid == case["correlation_id"] and event.township == BUFENG

    lead = (await enforcement.client.get(f"{API}/leads/{case['lead_id']}", headers=headers_for(OFFICER))).json()
    assert lead["status"] == "case_closed"
    twice = await post(enforcement, f"/cases/{case['id']}/close", {"outcome": "再次结案"})
    assert twice.status_code == 409


async def test_only_the_officers_of_the_case_act_on_it(enforcement, new_case):
    case = await new_case()
    colleague = principal(("enforcement_officer", BUFENG), username="enforcement_officer9.bufeng")
    for path, body in (
        ("decision", decision()),
        ("close", {"outcome": "x"}),
        ("rights-notice", {"penalty": "warning", "party": PERSON, **FACTS}),
    ):
        response = await post(enforcement, f"/cases/{case['id']}/{path}", body, who=colleague)
        assert response.status_code == 403 and response.json()["code"] == "not_case_officer", path
    leader = await post(
        enforcement, f"/cases/{case['id']}/decision", decision(), who=demo_principal("township_leader.bufeng")
    )
    assert leader.status_code == 403 and leader.json()["code"] == "permission_denied"


async def test_cases_filter_by_correlation_ticket_and_status(enforcement, new_case):
    case = await new_case()
    for params, expected in (
        ({"correlation_id": case["correlation_id"]}, [case["id"]]),
        ({"ticket_id": case["ticket_id"], "status": "investigating"}, [case["id"]]),
        ({"ticket_id": case["ticket_id"], "status": "closed"}, []),
        ({"lead_id": case["lead_id"]}, [case["id"]]),
    ):
        listed = await enforcement.client.get(f"{API}/cases", params=params, headers=headers_for(OFFICER))
        assert [c["id"] for c in listed.json()["items"]] == expected, params


async def test_registration_and_its_deadline_follow_the_service_clock(enforcement, new_lead, clock):
    lead = await new_lead("street_occupation")
    # Friday 25 September 2026, 10:00 in the county: the 90 days end on Thursday 24 December
    now = clock.set(dt.datetime(2026, 9, 25, 10, tzinfo=enforcement.ctx.calendar.zone))
    response = await post(enforcement, "/cases", {"lead_id": lead["id"], "officers": PAIR})
    assert response.status_code == 201, response.text
    case = response.json()
    assert dt.datetime.fromisoformat(case["registered_at"]) == now
    assert case["number"].startswith("ZF-320971100-2026-")
    deadline = dt.datetime.fromisoformat(case["decision_deadline"]).astimezone(enforcement.ctx.calendar.zone)
    assert deadline == dt.datetime(2026, 12, 24, 23, 59, 59, tzinfo=enforcement.ctx.calendar.zone)
    clock.set(dt.datetime(2026, 12, 24, 23, 59, tzinfo=enforcement.ctx.calendar.zone))
    late = (await enforcement.client.get(f"{API}/cases/{case['id']}", headers=headers_for(OFFICER))).json()
    assert (late["decision_days_left"], late["decision_overdue"]) == (0, False)
    clock.advance(minutes=1)
    late = (await enforcement.client.get(f"{API}/cases/{case['id']}", headers=headers_for(OFFICER))).json()
    assert (late["decision_days_left"], late["decision_overdue"]) == (-1, True)


async def test_the_party_s_name_is_encrypted_in_the_tables(enforcement, new_case):
    from sqlalchemy import text

    case = await new_case()
    party = {"kind": "person", "name": "王晓明"}
    notified = await post(
        enforcement,
        f"/cases/{case['id']}/rights-notice",
        {"penalty": "fine", "fine_yuan": 1000, "party": party, **FACTS},
    )
    assert notified.status_code == 201, notified.text
    decided = await post(enforcement, f"/cases/{case['id']}/decision", decision("ordinary", "fine", 800, party=party))
    assert decided.status_code == 201, decided.text
    async with enforcement.ctx.db.session() as s:
        for table in ("rights_notices", "decisions"):
            [stored] = (
                await s.execute(text(f"SELECT party_name FROM {table} WHERE case_id = :id"), {"id": case["id"]})
            ).scalars()
            assert stored.startswith("enc:1:sm4:") and "王晓明" not in stored, table
