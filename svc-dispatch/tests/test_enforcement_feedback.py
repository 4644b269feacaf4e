"""Enforcement reports back on the ticket (loop 1): lead recorded, case opened, transfer to the
competent county department, case closed → handled; late events never move a ticket back."""

import datetime as dt

from jiceng_shared import demo, units
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.enforcement import CaseClosed, CaseOpened, CaseTransferred, LeadReceived
from jiceng_shared.testing.plugin import demo_principal, eventually

BUFENG = demo.BUFENG.code
worker = demo_principal("grid_worker.bufeng")
county_nrp = demo_principal("dept_staff.nrp")


def at(ticket: dict, minutes: float) -> dt.datetime:
    return dt.datetime.fromisoformat(ticket["assigned_at"]) + dt.timedelta(minutes=minutes)


class Enforcement:
    """svc-enforcement's system telling dispatch about one ticket: the lead it recorded for it and
    the case opened on that lead (ids of their own, one each unless a test names another)."""

    def __init__(self, dispatch, ticket: dict) -> None:
        self.dispatch, self.ticket = dispatch, ticket
        self.lead_id = f"lead-{ticket['number']}"
        #: what each event of the case says of it
        self.case = {
            "case_id": f"case-{ticket['number']}",
            "number": f"AJ-{ticket['number']}",
            "lead_id": self.lead_id,
            "ticket_id": ticket["id"],
            "township_code": BUFENG,
        }

    async def says(self, payload) -> None:
        await self.dispatch.publish(
            payload,
            subject=self.ticket["id"],
            township=BUFENG,
            correlation_id=self.ticket["correlation_id"],
            source="/svc-enforcement",
        )

    async def lead_received(self, received_at: dt.datetime, *, delegated: bool, lead_id: str | None = None) -> None:
        await self.says(
            LeadReceived(
                lead_id=lead_id or self.lead_id,
                ticket_id=self.ticket["id"],
                township_code=BUFENG,
                category=self.ticket["category"],
                delegated=delegated,
                received_at=received_at,
            )
        )

    async def case_opened(self, opened_at: dt.datetime) -> None:
        await self.says(CaseOpened(**self.case, item_code="JS-001", opened_at=opened_at))

    async def case_transferred(self, to_unit: UnitRef, reason: str, *, at: dt.datetime) -> None:
        await self.says(
            CaseTransferred(
                lead_id=self.lead_id,
                ticket_id=self.ticket["id"],
                township_code=BUFENG,
                to_unit=to_unit,
                reason=reason,
                transferred_at=at,
            )
        )

    async def case_closed(self, outcome: str, *, opened_at: dt.datetime, closed_at: dt.datetime) -> None:
        """Closed by the township's enforcement office (the unit a street matter goes to)."""
        await self.says(
            CaseClosed(
                **self.case,
                unit=units.township_office(BUFENG, "cle"),
                outcome=outcome,
                opened_at=opened_at,
                closed_at=closed_at,
            )
        )


async def new_ticket(desk, category="street_occupation") -> dict:
    incident = desk.incident(category=category)
    await desk.report(incident)
    return await desk.ticket_for(incident)


async def wait_for_step(desk, ticket_id: str, kind: str, times: int = 1) -> dict:
    """The ticket once its timeline holds ``times`` steps of ``kind``."""

    async def has_steps():
        body = await desk.get(ticket_id)
        return body if sum(s["kind"] == kind for s in body["timeline"]) == times else None

    return await eventually(has_steps)


async def test_a_street_occupation_case_moves_the_ticket_to_handled_and_the_reporter_closes_it(desk, dispatch):
    ticket = await new_ticket(desk)
    enforcement = Enforcement(dispatch, ticket)
    await enforcement.lead_received(at(ticket, 1), delegated=True)
    body = await wait_for_step(desk, ticket["id"], "lead_recorded")
    # the enforcement office's system took the matter up: that is its sign-for (签收), within the limit
    assert body["status"] == "accepted" and dt.datetime.fromisoformat(body["signed_at"]) == at(ticket, 1)
    signed = [e for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.ticket.signed_for"]
    assert len(signed) == 1 and signed[0]["data"]["within_limit"] is True
    assert next(s for s in body["timeline"] if s["kind"] == "lead_recorded")["note"].startswith("线索已登记")

    await enforcement.case_opened(at(ticket, 2))
    await desk.wait_status(ticket["id"], "in_progress")

    await enforcement.case_closed("警告，已劝离", opened_at=at(ticket, 2), closed_at=at(ticket, 30))
    handled = await desk.wait_status(ticket["id"], "handled")
    assert handled["outcome"] == "警告，已劝离"
    assert [s["kind"] for s in handled["timeline"]] == [
        "received",
        "dispatched",
        "lead_recorded",
        "signed_for",
        "case_opened",
        "feedback",
    ]
    kind, envelope = (await desk.events_of(ticket["id"]))[-1]
    assert kind == "dispatch.ticket.handled" and envelope["data"]["outcome"] == "警告，已劝离"

    closed = await desk.post(f"/tickets/{ticket['id']}/verification", {"passed": True}, worker)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


async def test_a_transfer_hands_the_ticket_to_the_county_department_whose_staff_then_see_it(desk, dispatch):
    ticket = await new_ticket(desk, "illegal_construction_farmland")
    assert ticket["unit"]["code"] == f"{BUFENG}:cle"
    await desk.get(ticket["id"], county_nrp, status=404)
    nrp = units.county_department("nrp")
    enforcement = Enforcement(dispatch, ticket)
    await enforcement.lead_received(at(ticket, 1), delegated=False)
    await enforcement.case_transferred(nrp, "占用农用地违法建设未赋权乡镇，移送县自然资源和规划局", at=at(ticket, 5))
    body = await wait_for_step(desk, ticket["id"], "transferred")
    assert body["unit"]["code"] == nrp.code and body["unit"]["kind"] == "county_department"
    assert body["status"] == "dispatched"
    assert "自然资源和规划局" in next(s for s in body["timeline"] if s["kind"] == "transferred")["note"]
    # the two events of the transfer are written in one transaction (their order is not defined)
    last_two = dict(await desk.events_of(ticket["id"]))
    envelope, handoff = last_two["dispatch.ticket.assigned"], last_two["dispatch.ticket.reassigned"]
    assert envelope["data"]["unit"]["code"] == nrp.code
    # for assessment: a transfer (移送) counts for the unit that finally handles it
    assert handoff["data"]["reason_kind"] == "transfer"
    assert handoff["data"]["from_unit"]["code"] == f"{BUFENG}:cle" and handoff["data"]["to_unit"]["code"] == nrp.code

    # the county department's staff see it now (county scope, their department) and handle it
    assert ticket["id"] in {t["id"] for t in await desk.listed(county_nrp)}
    seen = await desk.get(ticket["id"], county_nrp)
    assert seen["unit"]["dept"] == "nrp"
    response = await desk.post(f"/tickets/{ticket['id']}/feedback", {"outcome": "已立案查处"}, county_nrp)
    assert response.status_code == 200 and response.json()["status"] == "handled"
    # the township's enforcement staff no longer see it
    await desk.get(ticket["id"], demo_principal("dept_staff.cle"), status=404)


async def test_late_enforcement_events_do_not_move_the_ticket_back(desk, dispatch, clock):
    t0 = clock.set(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC))
    ticket = await new_ticket(desk)
    enforcement = Enforcement(dispatch, ticket)
    await enforcement.case_closed("已劝离", opened_at=at(ticket, 2), closed_at=at(ticket, 20))
    await desk.wait_status(ticket["id"], "handled")
    # the case-opened event arrives after the closure: a fact for the timeline, not a new state
    await enforcement.case_opened(at(ticket, 2))
    body = await wait_for_step(desk, ticket["id"], "case_opened")
    assert body["status"] == "handled"
    # reopened after a failed verification (at t0 + 1 h); a closure from before must not mark it handled again
    clock.set(t0 + dt.timedelta(hours=1))
    response = await desk.post(
        f"/tickets/{ticket['id']}/verification", {"passed": False, "note": "摊位又回来了"}, worker
    )
    assert response.json()["status"] == "reopened"
    await enforcement.case_closed("已劝离", opened_at=at(ticket, 2), closed_at=at(ticket, 21))
    body = await wait_for_step(desk, ticket["id"], "feedback", times=2)
    assert body["status"] == "reopened" and body["rework_count"] == 1


async def test_events_about_leads_without_a_ticket_change_nothing(desk, dispatch):
    from sqlalchemy import select

    before = await desk.counts()
    event_id = await dispatch.publish(
        LeadReceived(
            lead_id="patrol-1",
            township_code=BUFENG,
            category="street_occupation",
            delegated=True,
            received_at=dt.datetime.now(dt.UTC),
        ),
        subject="patrol-1",
        township=BUFENG,
    )
    inbox = dispatch.ctx.db.infra.inbox

    async def applied():
        async with dispatch.ctx.db.session() as session:
            return await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == event_id))

    await eventually(applied)
    assert await desk.counts() == before


async def test_a_lead_after_the_response_limit_signs_late_and_one_after_a_change_of_state_only_notes_it(desk, dispatch):
    ticket = await new_ticket(desk)
    due = dt.datetime.fromisoformat(ticket["response_due_at"])
    late = due + dt.timedelta(minutes=5)
    enforcement = Enforcement(dispatch, ticket)
    await enforcement.lead_received(late, delegated=False)
    body = await wait_for_step(desk, ticket["id"], "signed_for")
    assert body["status"] == "accepted" and dt.datetime.fromisoformat(body["signed_at"]) == late
    assert body["response_due_at"] is None
    steps = [s for s in body["timeline"] if s["kind"] in ("lead_recorded", "signed_for")]
    assert [s["kind"] for s in steps] == ["lead_recorded", "signed_for"]
    assert steps[0]["note"] == "线索已登记（非本镇街赋权事项，待移送）" and steps[1]["note"].endswith(
        "签收（超过签收时限）"
    )
    signed = [e for t, e in await desk.events_of(ticket["id"]) if t == "dispatch.ticket.signed_for"]
    assert len(signed) == 1 and signed[0]["data"]["within_limit"] is False
    assert signed[0]["data"]["unit"]["code"] == ticket["unit"]["code"]

    # a second lead of the ticket (another delivery of enforcement's system): a fact for the
    # timeline; the ticket, signed for already, stays as it is and nothing is announced again
    await enforcement.lead_received(late + dt.timedelta(minutes=1), delegated=True, lead_id="lead-again")
    again = await wait_for_step(desk, ticket["id"], "lead_recorded", times=2)
    assert again["status"] == "accepted" and again["signed_at"] == body["signed_at"]
    assert sum(s["kind"] == "signed_for" for s in again["timeline"]) == 1
    assert len([t for t, _e in await desk.events_of(ticket["id"]) if t == "dispatch.ticket.signed_for"]) == 1
    # the ticket's later changes still apply (its version moved with each change)
    await enforcement.case_closed("已劝离", opened_at=late, closed_at=late + dt.timedelta(minutes=30))
    assert (await desk.wait_status(ticket["id"], "handled"))["outcome"] == "已劝离"
