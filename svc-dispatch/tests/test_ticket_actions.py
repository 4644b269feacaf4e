"""What the handling unit, the centre and the reporter do with a ticket: feedback, return (退单),
reassign (改派) and verification (核查) that closes or reopens it."""

import datetime as dt

from jiceng_shared import demo
from jiceng_shared.testing.plugin import demo_principal, principal
from jiceng_shared.workdays import COUNTY_ZONE as SHANGHAI

BUFENG, XINCHENG = demo.BUFENG.code, demo.XINCHENG.code
police = demo_principal("dept_staff.psb.bufeng")
market = demo_principal("dept_staff.samr.bufeng")
worker = demo_principal("grid_worker.bufeng")
dispatcher = demo_principal("dispatcher.bufeng")
enforcement_office_staff = principal(("dept_staff", BUFENG, "cle"), name="综合执法局工作人员")


async def police_ticket(desk) -> dict:
    incident = desk.incident(category="public_security_hazard")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    assert ticket["unit"]["code"] == f"{BUFENG}:psb"
    return ticket


async def handled_ticket(desk) -> dict:
    ticket = await police_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已整改"}, police)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_units_feedback_marks_the_ticket_handled_and_is_published(desk):
    ticket = await handled_ticket(desk)
    assert ticket["status"] == "handled" and ticket["outcome"] == "已整改"
    assert ticket["timeline"][-1]["kind"] == "feedback"
    events = await desk.events_of(ticket["id"])
    assert events[-1][0] == "dispatch.ticket.handled" and events[-1][1]["data"]["outcome"] == "已整改"


async def test_only_the_staff_of_the_handling_unit_give_feedback(desk):
    ticket = await police_ticket(desk)
    # another department's staff does not even see it; the centre sees it but is not the unit
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "x"}, market)
    assert response.status_code == 404
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "x"}, dispatcher)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    other_township_police = demo_principal("dept_staff.psb.xincheng")
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "x"}, other_township_police)
    assert response.status_code == 404


async def test_a_verification_names_its_verifier_and_when_the_feedback_came(desk):
    """For assessment's on-time verification (按时核查) of grid workers: passed and failed alike."""
    passed = await handled_ticket(desk)
    assert (await desk.post(f"/tickets/{passed['id']}/verification", {"passed": True}, worker)).status_code == 200
    (verified,) = [e["data"] for k, e in await desk.events_of(passed["id"]) if k == "dispatch.ticket.verified"]
    assert verified["verified_by"] == worker.username
    assert verified["handled_at"] == passed["handled_at"] or verified["handled_at"].startswith(
        passed["handled_at"][:19]
    )

    failed = await handled_ticket(desk)
    response = await desk.post(f"/tickets/{failed['id']}/verification", {"passed": False, "note": "仍未整改"}, worker)
    assert response.status_code == 200, response.text
    (reopened,) = [e["data"] for k, e in await desk.events_of(failed["id"]) if k == "dispatch.ticket.reopened"]
    assert reopened["verified_by"] == worker.username and reopened["handled_at"] is not None


async def test_verification_passed_closes_the_ticket_on_time(desk):
    ticket = await handled_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True, "note": "现场已整改"}, worker)
    assert response.status_code == 200, response.text
    closed = response.json()
    assert closed["status"] == "closed" and closed["on_time"] is True and closed["overdue"] is False
    assert [s["kind"] for s in closed["timeline"]][-2:] == ["verification_passed", "closed"]
    kind, envelope = (await desk.events_of(ticket["id"]))[-1]
    assert kind == "dispatch.ticket.closed"
    data = envelope["data"]
    assert data["on_time"] is True and data["rework_count"] == 0 and data["outcome"] == "已整改"
    assert data["unit"]["code"] == f"{BUFENG}:psb" and data["source"] == "grid"
    assert data["source_ref"] == ticket["source_ref"]


async def test_closing_after_the_deadline_is_not_on_time(desk, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    ticket = await handled_ticket(desk)
    deadline = dt.datetime.fromisoformat(ticket["deadline"])
    clock.set(deadline)
    on_the_dot = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, worker)
    assert on_the_dot.json()["on_time"] is True
    late = await handled_ticket(desk)
    clock.set(dt.datetime.fromisoformat(late["deadline"]) + dt.timedelta(seconds=1))
    response = await desk.post(f"/tickets/{late['id']}/verification", {"passed": True}, worker)
    assert response.json()["status"] == "closed" and response.json()["on_time"] is False
    assert response.json()["overdue"] is True
    assert (await desk.events_of(late["id"]))[-1][1]["data"]["on_time"] is False


async def test_a_failed_verification_reopens_the_ticket_as_rework(desk):
    ticket = await handled_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": False, "note": "隐患仍在"}, worker)
    assert response.status_code == 200, response.text
    reopened = response.json()
    assert reopened["status"] == "reopened" and reopened["rework_count"] == 1
    kind, envelope = (await desk.events_of(ticket["id"]))[-1]
    assert kind == "dispatch.ticket.reopened"
    assert envelope["data"]["rework_count"] == 1 and envelope["data"]["reason"] == "隐患仍在"
    # the unit must give feedback again; then the ticket can close, counting the rework
    again = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已彻底整改"}, police)
    assert again.json()["status"] == "handled"
    closed = (await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, dispatcher)).json()
    assert closed["status"] == "closed" and closed["rework_count"] == 1
    assert (await desk.events_of(ticket["id"]))[-1][1]["data"]["rework_count"] == 1


async def test_a_failed_verification_must_say_what_was_found(desk):
    ticket = await handled_ticket(desk)
    before = await desk.counts()
    response = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": False}, worker)
    assert response.status_code == 422 and response.json()["code"] == "note_required"
    assert await desk.counts() == before


async def test_verification_before_feedback_and_feedback_after_closing_are_invalid(desk):
    ticket = await police_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, worker)
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已整改"}, police)
    await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, worker)
    before = await desk.counts()
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "again"}, police)
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert await desk.counts() == before


async def test_a_grid_worker_of_another_township_cannot_verify(desk):
    ticket = await handled_ticket(desk)
    response = await desk.post(
        f"/tickets/{ticket['id']}/verification", {"passed": True}, demo_principal("grid_worker.xincheng")
    )
    assert response.status_code == 404


async def test_a_unit_may_return_a_ticket_until_the_end_of_the_second_working_day(desk, clock):
    # assigned on Monday 2 November 2026: returnable until Wednesday 4 November 23:59:59
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    ticket = await police_ticket(desk)
    clock.set(dt.datetime(2026, 11, 4, 23, 59, 59, tzinfo=SHANGHAI))
    response = await desk.post(f"/tickets/{ticket['id']}/return", {"reason": "不属于治安隐患"}, police)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "returned"
    assert response.json()["dispatch_due_at"] is not None
    kind, envelope = (await desk.events_of(ticket["id"]))[-1]
    assert kind == "dispatch.ticket.returned" and envelope["data"]["reason"] == "不属于治安隐患"


async def test_after_two_working_days_the_unit_can_no_longer_return_the_ticket(desk, clock):
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    ticket = await police_ticket(desk)
    clock.set(dt.datetime(2026, 11, 5, 0, 0, 0, tzinfo=SHANGHAI))
    before = await desk.counts()
    response = await desk.post(f"/tickets/{ticket['id']}/return", {"reason": "不属于治安隐患"}, police)
    assert response.status_code == 422 and response.json()["code"] == "return_window_passed"
    assert await desk.counts() == before


async def test_the_return_window_counts_working_days_across_the_holiday(desk, clock):
    clock.set(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    ticket = await police_ticket(desk)
    clock.set(dt.datetime(2026, 10, 9, 18, 0, tzinfo=SHANGHAI))  # the 2nd working day after 30 September
    response = await desk.post(f"/tickets/{ticket['id']}/return", {"reason": "非本单位职责"}, police)
    assert response.status_code == 200, response.text


async def test_the_centre_reassigns_a_returned_ticket_and_a_new_assignment_is_published(desk):
    incident = desk.incident(category="environment_pollution")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    builder = principal(("dept_staff", BUFENG, "hud"), name="建设和生态环境局工作人员")
    returned = await desk.post(f"/tickets/{ticket['id']}/return", {"reason": "属于占道经营"}, builder)
    assert returned.status_code == 200, returned.text
    response = await desk.post(
        f"/tickets/{ticket['id']}/reassign", {"unit_code": f"{BUFENG}:cle", "reason": "占道经营"}, dispatcher
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "dispatched" and body["unit"]["code"] == f"{BUFENG}:cle"
    assert body["timeline"][-1]["kind"] == "reassigned"
    # the two events of the reassignment are written in one transaction (their order is not defined)
    last_two = dict(await desk.events_of(ticket["id"]))
    envelope, handoff = last_two["dispatch.ticket.assigned"], last_two["dispatch.ticket.reassigned"]
    assert envelope["data"]["unit"]["code"] == f"{BUFENG}:cle"
    # for assessment: the hand-off after a return, with both units
    assert handoff["data"]["reason_kind"] == "return"
    assert handoff["data"]["to_unit"]["code"] == f"{BUFENG}:cle"
    # the returning unit no longer sees the ticket; the new unit's staff act on it
    await desk.get(ticket["id"], builder, status=404)
    await desk.get(ticket["id"], enforcement_office_staff)


async def test_reassignment_refuses_unknown_foreign_and_unlawful_units(desk):
    complaint = await desk.post(
        "/tickets",
        {"category": "consumer_complaint", "description": "投诉", "township_code": BUFENG},
        dispatcher,
    )
    ticket = complaint.json()
    before = await desk.counts()
    cases = [
        (f"{BUFENG}:nope", "unknown_unit"),
        (f"{XINCHENG}:samr", "unit_outside_township"),
        # a functional department's matter never goes to a township organ (国办函〔2025〕66号)
        (f"{BUFENG}:cle", "functional_department_matter"),
        (f"{BUFENG}:samr", "already_assigned"),
    ]
    for unit_code, code in cases:
        response = await desk.post(f"/tickets/{ticket['id']}/reassign", {"unit_code": unit_code}, dispatcher)
        assert response.status_code == 422 and response.json()["code"] == code, (unit_code, response.text)
    assert await desk.counts() == before
    county = await desk.post(f"/tickets/{ticket['id']}/reassign", {"unit_code": "320971000000:samr"}, dispatcher)
    assert county.status_code == 200 and county.json()["unit"]["kind"] == "county_department"


async def test_a_handled_ticket_cannot_be_reassigned(desk):
    ticket = await handled_ticket(desk)
    response = await desk.post(f"/tickets/{ticket['id']}/reassign", {"unit_code": f"{BUFENG}:sgov"}, dispatcher)
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


async def test_staff_of_a_township_organ_handle_its_tickets(desk):
    incident = desk.incident(category="street_occupation")
    await desk.report(incident)
    ticket = await desk.ticket_for(incident)
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已劝离"}, enforcement_office_staff)
    assert response.status_code == 200 and response.json()["status"] == "handled"
    # the county bureau of the same department reads it but is not the township's unit
    response = await desk.post(f"/tickets/{ticket['id']}/return", {"reason": "x"}, demo_principal("dept_staff.cle"))
    assert response.status_code == 403 and response.json()["code"] == "scope_denied"
