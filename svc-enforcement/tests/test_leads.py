"""Leads from tickets dispatched to the enforcement office, and their transfer to the competent department."""

import datetime as dt
import uuid

import nats
from sqlalchemy import select

from enforcement.cases.models import Case
from enforcement.leads.models import Lead, Transfer
from enforcement.records.models import RecordEntry
from enforcement.testing import (
    ADMIN,
    API,
    AUDITOR,
    BUFENG,
    GRID_A,
    NRP_STAFF,
    OFFICER,
    OFFICER_B,
    PAIR,
    REVIEWER,
    assignment,
    count_rows,
    drained,
    lead_of_ticket,
    wait_for_event,
)
from jiceng_shared import units
from jiceng_shared.events import build_event, nats_subject
from jiceng_shared.testing.plugin import demo_principal, eventually, headers_for


async def test_a_ticket_assigned_to_the_enforcement_office_becomes_a_lead(enforcement):
    payload = assignment("street_occupation")
    correlation = str(uuid.uuid4())
    await enforcement.publish(payload, subject=payload.ticket_id, township=BUFENG, correlation_id=correlation)

    async def arrived():
        return await lead_of_ticket(enforcement, payload.ticket_id)

    lead = await eventually(arrived)
    assert lead["status"] == "received" and lead["status_zh"] == "已接收"
    assert lead["number"].startswith("XS-320971100-")
    assert (lead["ticket_number"], lead["township_code"], lead["area_code"]) == (payload.number, BUFENG, GRID_A)
    assert lead["category"] == "street_occupation" and lead["category_zh"] == "占道经营"
    assert lead["description"] == payload.description
    assert lead["location"] == {"type": "Point", "coordinates": [120.305, 33.305]}
    assert lead["correlation_id"] == correlation
    assert (lead["item_code"], lead["item_revision"], lead["delegated"]) == ("ZF-CG-001", 1, True)
    assert lead["handling_unit_code"] == f"{BUFENG}:cle" and lead["handling_dept"] == "cle"
    # decide on filing within 15 working days of the assignment
    expected = enforcement.ctx.calendar.deadline(payload.assigned_at, 15)
    assert dt.datetime.fromisoformat(lead["filing_deadline"]) == expected
    assert lead["filing_workdays_left"] == 15

    event = await wait_for_event(enforcement, "enforcement.lead.received", lambda e: e.data["lead_id"] == lead["id"])
    assert event.correlationid == correlation and event.township == BUFENG and event.subject == lead["id"]
    assert event.data["ticket_id"] == payload.ticket_id and event.data["delegated"] is True
    assert event.data["item_code"] == "ZF-CG-001"


async def test_a_lead_from_a_ticket_the_centre_registered_carries_the_chinese_label_of_its_source(enforcement):
    payload = assignment("street_occupation").model_copy(update={"source": "centre"})
    await enforcement.publish(payload, subject=payload.ticket_id, township=BUFENG)

    async def arrived():
        return await lead_of_ticket(enforcement, payload.ticket_id)

    lead = await eventually(arrived)
    assert (lead["source"], lead["source_zh"]) == ("centre", "指挥中心登记（指挥中心派遣）")


async def test_the_same_assignment_delivered_twice_and_a_reassignment_still_make_one_lead(enforcement):
    payload = assignment("street_occupation")
    event = build_event(payload, source="/svc-dispatch", subject=payload.ticket_id, township=BUFENG)
    nc = await nats.connect(enforcement.ctx.settings.nats_url)
    js = nc.jetstream()
    subject = nats_subject(enforcement.prefix, payload.event_type)
    # the same CloudEvent twice, past JetStream's duplicate window (distinct Nats-Msg-Id): the inbox drops it
    for _ in range(2):
        await js.publish(subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": str(uuid.uuid4())})
    await nc.close()
    # and a second assignment of the same ticket (a new event) after a return and re-dispatch
    await enforcement.publish(payload, subject=payload.ticket_id, township=BUFENG)

    await eventually(lambda: drained(enforcement))
    async with enforcement.ctx.db.session() as session:
        leads = (await session.scalars(select(Lead).where(Lead.ticket_id == payload.ticket_id))).all()
    assert len(leads) == 1


async def test_assignments_to_other_units_are_ignored(enforcement):
    others = [
        assignment("consumer_complaint", unit=units.stationed_office(BUFENG, "samr")),
        assignment("illegal_construction_farmland", unit=units.county_department("nrp")),
        assignment("illegal_construction", unit=units.township_office(BUFENG, "hud")),
        assignment("street_occupation", unit=units.county_department("cle")),  # the county bureau, not the township
    ]
    ids = [await enforcement.publish(p, subject=p.ticket_id, township=BUFENG) for p in others]
    await enforcement.drained("ticket-assigned")  # each was delivered and acked
    inbox = enforcement.ctx.db.infra.inbox
    async with enforcement.ctx.db.session() as session:
        # not even recorded as applied: other units' assignments are acked without a transaction
        assert (await session.scalars(select(inbox.c.event_id).where(inbox.c.event_id.in_(ids)))).all() == []
        found = (await session.scalars(select(Lead).where(Lead.ticket_id.in_([p.ticket_id for p in others])))).all()
        assert found == []


async def test_leads_filter_by_status_ticket_correlation_and_delegation(enforcement, new_lead):
    farmland = await new_lead("illegal_construction_farmland")
    street = await new_lead("street_occupation")
    for params, expected in (
        ({"correlation_id": farmland["correlation_id"]}, [farmland["id"]]),
        ({"ticket_id": street["ticket_id"]}, [street["id"]]),
        ({"delegated": "false", "correlation_id": farmland["correlation_id"]}, [farmland["id"]]),
        ({"delegated": "true", "correlation_id": farmland["correlation_id"]}, []),
        ({"status": "transferred", "ticket_id": street["ticket_id"]}, []),
    ):
        response = await enforcement.client.get(f"{API}/leads", params=params, headers=headers_for(OFFICER))
        assert [lead["id"] for lead in response.json()["items"]] == expected, params
    bad = await enforcement.client.get(f"{API}/leads", params={"status": "lost"}, headers=headers_for(OFFICER))
    assert bad.status_code == 422


async def test_a_lead_outside_the_delegated_powers_cannot_become_a_case_and_nothing_is_written(enforcement, new_lead):
    lead = await new_lead("illegal_construction_farmland")
    assert (lead["item_code"], lead["delegated"], lead["competent_dept"]) == ("ZF-TD-077", False, "nrp")
    before = await count_rows(enforcement, Case, RecordEntry, enforcement.ctx.db.infra.outbox)
    response = await enforcement.client.post(
        f"{API}/cases", json={"lead_id": lead["id"], "officers": PAIR}, headers=headers_for(OFFICER)
    )
    assert response.status_code == 422 and response.json()["code"] == "outside_delegated_powers"
    assert await count_rows(enforcement, Case, RecordEntry, enforcement.ctx.db.infra.outbox) == before


async def test_a_transferred_lead_goes_to_the_county_department_whose_staff_see_it(enforcement, new_lead):
    lead = await new_lead("illegal_construction_farmland")
    response = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer",
        json={"reason": "占用农用地违法建设不属于本镇赋权事项"},
        headers=headers_for(OFFICER),
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["status"] == "transferred" and moved["status_zh"] == "已移送"
    assert moved["handling_dept"] == "nrp" and moved["handling_unit_code"] == "320971000000:nrp"
    assert moved["transfer"]["to_unit_name"] == "自然资源和规划局"
    assert moved["transfer"]["reason"] == "占用农用地违法建设不属于本镇赋权事项"
    assert moved["transfer"]["transferred_by_name"] == "步凤镇执法人员甲"
    assert moved["filing_workdays_left"] is None

    staff = await enforcement.client.get(
        f"{API}/leads", params={"correlation_id": lead["correlation_id"]}, headers=headers_for(NRP_STAFF)
    )
    assert [item["id"] for item in staff.json()["items"]] == [lead["id"]]
    assert (
        await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(NRP_STAFF))
    ).status_code == 200
    # the township keeps seeing its lead; the other township and other departments see nothing
    assert (await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(OFFICER))).status_code == 200
    for outsider in (
        OFFICER_B,
        demo_principal("township_leader.xincheng"),
        demo_principal("dept_staff.psb.bufeng"),
        demo_principal("dept_staff.cle"),
    ):
        assert (
            await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(outsider))
        ).status_code == 404
        listed = await enforcement.client.get(
            f"{API}/leads", params={"correlation_id": lead["correlation_id"]}, headers=headers_for(outsider)
        )
        assert listed.json()["items"] == []

    event = await wait_for_event(enforcement, "enforcement.case.transferred", lambda e: e.data["lead_id"] == lead["id"])
    assert event.correlationid == lead["correlation_id"] and event.data["ticket_id"] == lead["ticket_id"]
    assert event.data["to_unit"] == units.county_department("nrp").model_dump()
    assert event.data["item_code"] == "ZF-TD-077"

    again = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer", json={"reason": "再次移送"}, headers=headers_for(OFFICER)
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


async def test_a_delegated_lead_is_handled_locally_unless_it_is_a_suspected_crime(enforcement, new_lead):
    lead = await new_lead("street_occupation")
    before = await count_rows(enforcement, Transfer, enforcement.ctx.db.infra.outbox)
    refused = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer", json={"reason": "不想办"}, headers=headers_for(OFFICER)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "delegated_item_handle_locally"
    assert await count_rows(enforcement, Transfer, enforcement.ctx.db.infra.outbox) == before

    crime = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer",
        json={"reason": "暴力抗法，涉嫌妨害公务罪", "ground": "suspected_crime"},
        headers=headers_for(OFFICER),
    )
    assert crime.status_code == 200, crime.text
    assert (
        crime.json()["handling_unit_code"] == "320971000000:psb"
        and crime.json()["transfer"]["ground"] == "suspected_crime"
    )


async def test_only_an_enforcement_officer_of_the_township_transfers(enforcement, new_lead):
    lead = await new_lead("illegal_construction_farmland")
    body = {"reason": "移送主管部门"}
    other = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer", json=body, headers=headers_for(OFFICER_B)
    )
    assert other.status_code == 404
    reviewer = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer", json=body, headers=headers_for(REVIEWER)
    )
    assert reviewer.status_code == 403 and reviewer.json()["code"] == "permission_denied"
    short = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer", json={"reason": ""}, headers=headers_for(OFFICER)
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    still = (await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(AUDITOR))).json()
    assert still["status"] == "received"


async def test_a_lead_of_a_category_no_item_covers_names_its_department_when_transferred(enforcement, new_lead):
    lead = await new_lead("neighbour_dispute")
    assert lead["item_code"] is None and lead["delegated"] is False
    unnamed = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer", json={"reason": "非执法事项"}, headers=headers_for(OFFICER)
    )
    assert unnamed.status_code == 422 and unnamed.json()["code"] == "competent_department_unknown"
    unknown = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer",
        json={"reason": "非执法事项", "to_dept": "nasa"},
        headers=headers_for(OFFICER),
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_department"
    named = await enforcement.client.post(
        f"{API}/leads/{lead['id']}/transfer",
        json={"reason": "矛盾纠纷，移送社会事业局", "to_dept": "soc"},
        headers=headers_for(OFFICER),
    )
    assert named.status_code == 200 and named.json()["handling_dept"] == "soc"
    admin = await enforcement.client.get(f"{API}/leads/{lead['id']}", headers=headers_for(ADMIN))
    assert admin.status_code == 200
