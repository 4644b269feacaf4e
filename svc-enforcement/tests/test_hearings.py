"""The rights notice and the hearing (行政处罚法 art. 44-45, 63-65), through the service, on its clock.

No decision while the party may still ask for a hearing, nor before a hearing asked for is held
and recorded; the request window is exactly 5 working days; the hearing is notified at least 7
days ahead and chaired by someone who did not investigate.
"""

import datetime as dt

import pytest

from enforcement.cases.models import Case
from enforcement.decisions.models import Decision, LegalReview, RightsNotice
from enforcement.hearings.models import Hearing, Statement
from enforcement.records.models import RecordEntry
from enforcement.testing import API, LEADER, OFFICER, REVIEWER, count_rows
from jiceng_shared.testing.plugin import headers_for
from jiceng_shared.workdays import COUNTY_ZONE

PERSON = {"kind": "person", "name": "张某"}
FACTS = {"facts": "当事人在人行道违法搭建经营棚", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条"}
NOTICE_6000 = {"penalty": "fine", "fine_yuan": 6000, "party": PERSON, **FACTS}
DECISION_6000 = {"procedure": "ordinary", "penalty": "fine", "fine_yuan": 6000, "party": PERSON, **FACTS}
LEADERS = ["镇长", "分管副镇长", "综合执法局局长"]
DELIBERATION_6000 = {"members": LEADERS, "opinion": "同意", "penalty": "fine", "fine_yuan": 6000}
CHAIR = {"username": "legal_reviewer.bufeng", "name": "法制审核员"}


def local(y, m, d, h=10, minute=0, s=0):
    return dt.datetime(y, m, d, h, minute, s, tzinfo=COUNTY_ZONE)


async def post(svc, path, body, who=OFFICER):
    return await svc.client.post(f"{API}{path}", json=body, headers=headers_for(who))


async def written(svc):
    return await count_rows(
        svc, Case, RecordEntry, Decision, RightsNotice, LegalReview, Hearing, Statement, svc.ctx.db.infra.outbox
    )


@pytest.fixture
def notified(enforcement, new_case, clock):
    """A case whose party was told of a 6,000 yuan fine (a hearing offered) at ``at``, reviewed and deliberated."""

    async def make(at: dt.datetime, review: bool = True) -> dict:
        case = await new_case()
        clock.set(at)
        response = await post(enforcement, f"/cases/{case['id']}/rights-notice", NOTICE_6000)
        assert response.status_code == 201, response.text
        if review:
            reviewed = await post(
                enforcement, f"/cases/{case['id']}/legal-review", {"outcome": "passed", "opinion": "同意"}, REVIEWER
            )
            assert reviewed.status_code == 201, reviewed.text
            agreed = await post(enforcement, f"/cases/{case['id']}/deliberation", DELIBERATION_6000, LEADER)
            assert agreed.status_code == 201, agreed.text
        return response.json()

    return make


async def test_the_request_window_ends_with_the_5th_working_day_after_the_notice(enforcement, notified):
    # notice on Tuesday 29 September 2026: 30 Sep, 8, 9, Saturday 10 (make-up) and 12 October
    case = await notified(local(2026, 9, 29))
    deadline = dt.datetime.fromisoformat(case["rights_notices"][0]["hearing_request_deadline"])
    assert deadline == local(2026, 10, 12, 23, 59, 59)
    assert enforcement.ctx.settings.hearing_request_workdays == 5


async def test_no_decision_before_the_window_closes_and_one_just_after(enforcement, notified, clock):
    case = await notified(local(2026, 9, 29))
    clock.set(local(2026, 10, 12, 23, 59, 59))
    before = await written(enforcement)
    early = await post(enforcement, f"/cases/{case['id']}/decision", DECISION_6000)
    assert early.status_code == 409 and early.json()["code"] == "hearing_window_open"
    assert early.headers["content-type"] == "application/problem+json"
    assert await written(enforcement) == before
    clock.advance(seconds=1)
    decided = await post(enforcement, f"/cases/{case['id']}/decision", DECISION_6000)
    assert decided.status_code == 201, decided.text
    assert decided.json()["decision"]["fine_yuan"] == 6000


async def test_a_request_on_the_last_second_counts_and_one_a_second_later_does_not(enforcement, notified, clock):
    in_time = await notified(local(2026, 11, 23))
    late = await notified(local(2026, 11, 23))
    clock.set(local(2026, 11, 30, 23, 59, 59))
    asked = await post(enforcement, f"/cases/{in_time['id']}/hearing-request", {"note": "书面申请"})
    assert asked.status_code == 201, asked.text
    assert asked.json()["hearings"][0]["status"] == "requested"
    clock.advance(seconds=1)
    before = await written(enforcement)
    refused = await post(enforcement, f"/cases/{late['id']}/hearing-request", {})
    assert refused.status_code == 409 and refused.json()["code"] == "hearing_request_late"
    assert await written(enforcement) == before
    again = await post(enforcement, f"/cases/{in_time['id']}/hearing-request", {})
    assert again.status_code == 409 and again.json()["code"] == "hearing_already_answered"


async def test_a_requested_hearing_is_notified_7_days_ahead_held_recorded_and_then_decided(
    enforcement, notified, clock
):
    case = await notified(local(2026, 11, 23))
    cid = case["id"]
    clock.set(local(2026, 11, 24, 9))
    assert (await post(enforcement, f"/cases/{cid}/hearing-request", {})).status_code == 201
    pending = await post(enforcement, f"/cases/{cid}/decision", DECISION_6000)
    assert pending.status_code == 409 and pending.json()["code"] == "hearing_pending"

    before = await written(enforcement)
    bad = await post(
        enforcement,
        f"/cases/{cid}/hearing/schedule",
        {
            "scheduled_for": local(2026, 12, 1, 8, 59, 59).isoformat(),
            "place": "听证室",
            "hearing_officer": {"username": "enforcement_officer2.bufeng", "name": "调查人员"},
            "public": False,
        },
    )
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {
        ("scheduled_for", "hearing_notice_too_short"),
        ("hearing_officer.username", "hearing_officer_is_case_officer"),
        ("not_public_reason", "not_public_reason_required"),
    }
    assert await written(enforcement) == before
    at = local(2026, 12, 1, 9)  # exactly 7 days after the notice of the hearing
    scheduled = await post(
        enforcement,
        f"/cases/{cid}/hearing/schedule",
        {"scheduled_for": at.isoformat(), "place": "步凤镇听证室", "hearing_officer": CHAIR, "public": True},
    )
    assert scheduled.status_code == 200, scheduled.text
    hearing = scheduled.json()["hearings"][0]
    assert (hearing["status"], hearing["hearing_officer"], hearing["public"]) == ("scheduled", CHAIR["username"], True)
    still = await post(enforcement, f"/cases/{cid}/decision", DECISION_6000)
    assert still.status_code == 409 and still.json()["code"] == "hearing_pending"

    transcript = {"party_attended": True, "transcript": "当事人到场陈述申辩，承认事实，请求从轻"}
    clock.set(at - dt.timedelta(seconds=1))
    early = await post(enforcement, f"/cases/{cid}/hearing/record", transcript, REVIEWER)
    assert early.status_code == 409 and early.json()["code"] == "hearing_not_yet_due"
    clock.set(at + dt.timedelta(hours=1))
    wrong = await post(enforcement, f"/cases/{cid}/hearing/record", transcript)
    assert wrong.status_code == 403
    held = await post(enforcement, f"/cases/{cid}/hearing/record", transcript, REVIEWER)
    assert held.status_code == 200, held.text
    assert held.json()["hearings"][0]["status"] == "held"

    heavier = await post(enforcement, f"/cases/{cid}/decision", {**DECISION_6000, "fine_yuan": 6001})
    assert heavier.status_code == 422 and heavier.json()["code"] == "penalty_exceeds_notice"
    decided = await post(enforcement, f"/cases/{cid}/decision", {**DECISION_6000, "fine_yuan": 5500})
    assert decided.status_code == 201, decided.text
    record = (await enforcement.client.get(f"{API}/cases/{cid}/record", headers=headers_for(OFFICER))).json()
    kinds = [e["kind"] for e in record["items"]]
    assert kinds[-4:] == ["hearing_request", "hearing_notice", "hearing_record", "decision"]
    verify = (await enforcement.client.get(f"{API}/cases/{cid}/record/verify", headers=headers_for(OFFICER))).json()
    assert verify["valid"] is True and verify["entries"] == len(kinds)


async def test_an_absent_party_has_waived_the_hearing_and_an_express_waiver_needs_no_wait(enforcement, notified, clock):
    absent = await notified(local(2026, 11, 23))
    clock.set(local(2026, 11, 23, 11))
    await post(enforcement, f"/cases/{absent['id']}/hearing-request", {})
    at = local(2026, 11, 30, 11)
    await post(
        enforcement,
        f"/cases/{absent['id']}/hearing/schedule",
        {"scheduled_for": at.isoformat(), "place": "听证室", "hearing_officer": CHAIR},
    )
    clock.set(at)
    gone = await post(
        enforcement,
        f"/cases/{absent['id']}/hearing/record",
        {"party_attended": False, "transcript": "当事人经通知无正当理由未到场"},
        REVIEWER,
    )
    assert gone.json()["hearings"][0]["status"] == "absent"
    assert (await post(enforcement, f"/cases/{absent['id']}/decision", DECISION_6000)).status_code == 201

    waived = await notified(local(2026, 11, 23))
    clock.set(local(2026, 11, 23, 15))
    answer = await post(enforcement, f"/cases/{waived['id']}/hearing-request", {"waived": True, "note": "书面放弃"})
    assert answer.json()["hearings"][0]["status"] == "waived"
    assert (await post(enforcement, f"/cases/{waived['id']}/decision", DECISION_6000)).status_code == 201


async def test_statements_and_defence_are_recorded_and_light_penalties_offer_no_hearing(enforcement, new_case, clock):
    case = await new_case()
    clock.set(local(2026, 11, 23))
    nothing_yet = await post(enforcement, f"/cases/{case['id']}/statements", {"kind": "statement", "content": "x"})
    assert nothing_yet.status_code == 422 and nothing_yet.json()["code"] == "rights_notice_required"
    light = {"penalty": "fine", "fine_yuan": 4999, "party": PERSON, **FACTS}
    assert (await post(enforcement, f"/cases/{case['id']}/rights-notice", light)).status_code == 201
    no_hearing = await post(enforcement, f"/cases/{case['id']}/hearing-request", {})
    assert no_hearing.status_code == 422 and no_hearing.json()["code"] == "hearing_not_offered"
    said = await post(
        enforcement,
        f"/cases/{case['id']}/statements",
        {"kind": "defence", "content": "系初次违法，已自行拆除", "review": "部分采纳，从轻处罚"},
    )
    assert said.status_code == 201, said.text
    assert said.json()["statements"][0]["kind_zh"] == "申辩"
    # 4,999 yuan on a person: no hearing to wait for, no legal review needed
    decided = await post(enforcement, f"/cases/{case['id']}/decision", {**DECISION_6000, "fine_yuan": 3000})
    assert decided.status_code == 201, decided.text
