"""Fixtures of svc-assessment's tests: the running service (real PostgreSQL and NATS) and a feed
that publishes the other services' events as they would, on the service's own stream."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from assessment.main import spec
from jiceng_shared.contracts import approval, dispatch, enforcement, grid
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.events import EventPayload, build_event, nats_subject
from jiceng_shared.testing.plugin import RunningService, eventually, headers_for
from jiceng_shared.workdays import COUNTY_ZONE

BUFENG = "320971100000"


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=COUNTY_ZONE)


def incident_reported(incident: str, worker: str, grid_code: str, at: dt.datetime) -> grid.IncidentReported:
    """A street occupation reported by grid worker ``worker`` in ``grid_code`` at ``at``."""
    return grid.IncidentReported(
        incident_id=incident,
        number=f"SJ-{incident}",
        category="street_occupation",
        description="占道经营",
        location={"coordinates": (120.3, 33.3)},
        grid_code=grid_code,
        township_code=grid_code[:9] + "000",
        reporter_id=worker,
        reported_at=at,
    )


def uid(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


class Feed:
    """Publishes the events of dispatch, enforcement and approval the way they do, and reads back."""

    def __init__(self, running: RunningService) -> None:
        self.running = running

    @staticmethod
    def local(text: str) -> dt.datetime:
        """An instant on the county's clock (Asia/Shanghai), e.g. ``local("2026-11-30 23:30")``."""
        return local(text)

    @staticmethod
    def uid(prefix: str = "") -> str:
        return uid(prefix)

    async def get(self, path: str, who: Any, **params: Any) -> Any:
        response = await self.running.client.get(f"/api/assessment/v1{path}", params=params, headers=headers_for(who))
        assert response.status_code == 200, response.text
        return response.json()

    async def walk(self, path: str, who: Any, *, limit: int, **params: Any) -> list[Any]:
        """Every item of a list, page by page of ``limit`` following ``next_cursor``; each page but
        the last is full, and the walk is what one page of them all answers."""
        items: list[Any] = []
        cursor = None
        while True:
            page = await self.get(path, who, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                assert len(page["items"]) <= limit
                break
            assert len(page["items"]) == limit
        whole = await self.get(path, who, limit=200, **params)
        assert whole["next_cursor"] is None and items == whole["items"]
        return items

    async def rows(self, *models: Any) -> tuple[int, ...]:
        """Rows of the given tables and of the outbox: what a refused request must leave unchanged."""
        outbox = self.running.ctx.db.infra.outbox
        async with self.running.ctx.db.session() as session:
            counts = [await session.scalar(select(func.count()).select_from(m)) for m in models]
            counts.append(await session.scalar(select(func.count()).select_from(outbox)))
        return tuple(counts)

    async def published(self, event_type: str) -> list[dict[str, Any]]:
        """The events of ``event_type`` this service wrote to its outbox, as CloudEvent dicts."""
        outbox = self.running.ctx.db.infra.outbox
        async with self.running.ctx.db.session() as session:
            rows = await session.scalars(
                select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
            )
            return [json.loads(r) for r in rows]

    async def send(
        self,
        payload: EventPayload,
        *,
        subject: str,
        township: str,
        twice: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """Publish ``payload``; ``twice`` delivers the very same event twice, ``extra`` adds fields
        a publisher may send beyond the contract."""
        if not twice and not extra:
            return await self.running.publish(payload, subject=subject, township=township, source="/svc-test")
        event = build_event(payload, source="/svc-test", subject=subject, township=township)
        event.data.update(extra or {})
        js = await self.running.ctx.bus.wait_ready()
        # JetStream would drop a repeated Nats-Msg-Id, so each copy gets its own; the consumer's
        # inbox is what must apply the event once
        for _ in range(2 if twice else 1):
            await js.publish(
                nats_subject(self.running.prefix, payload.event_type),
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": uid()},
            )
        return event.id

    # --- dispatch ---------------------------------------------------------------------------

    async def assigned(self, ticket: str, unit: UnitRef, at: dt.datetime, **kw: Any) -> str:
        return await self.send(
            dispatch.TicketAssigned(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                category="street_occupation",
                description="占道经营",
                township_code=kw.pop("township", BUFENG),
                area_code=BUFENG,
                unit=unit,
                assigned_at=at,
                source="grid",
                deadline=at + dt.timedelta(days=5),
            ),
            subject=ticket,
            township=BUFENG,
            **kw,
        )

    async def closed(self, ticket: str, unit: UnitRef, at: dt.datetime, *, on_time: bool = True, **kw: Any) -> str:
        return await self.send(
            dispatch.TicketClosed(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                category="street_occupation",
                township_code=BUFENG,
                area_code=BUFENG,
                unit=unit,
                source="grid",
                outcome="已办结",
                closed_at=at,
                on_time=on_time,
            ),
            subject=ticket,
            township=BUFENG,
            **kw,
        )

    async def reopened(
        self,
        ticket: str,
        unit: UnitRef,
        at: dt.datetime,
        rework_count: int = 1,
        *,
        verified_by: str | None = None,
        handled_at: dt.datetime | None = None,
    ) -> str:
        return await self.send(
            dispatch.TicketReopened(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                township_code=BUFENG,
                unit=unit,
                source="grid",
                reason="核查未通过",
                rework_count=rework_count,
                reopened_at=at,
                verified_by=verified_by,
                handled_at=handled_at,
            ),
            subject=ticket,
            township=BUFENG,
        )

    async def verified(
        self,
        ticket: str,
        unit: UnitRef,
        at: dt.datetime,
        *,
        verified_by: str | None,
        handled_at: dt.datetime | None,
        **kw: Any,
    ) -> str:
        return await self.send(
            dispatch.TicketVerified(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                township_code=BUFENG,
                unit=unit,
                source="grid",
                awaiting_callback=False,
                on_time=True,
                verified_at=at,
                verified_by=verified_by,
                handled_at=handled_at,
            ),
            subject=ticket,
            township=BUFENG,
            **kw,
        )

    async def escalated(self, ticket: str, unit: UnitRef, at: dt.datetime, level: int = 1) -> str:
        return await self.send(
            dispatch.TicketEscalated(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                township_code=BUFENG,
                unit=unit,
                level=level,
                reason="超期未办结",
                escalated_at=at,
            ),
            subject=ticket,
            township=BUFENG,
        )

    async def returned(self, ticket: str, unit: UnitRef, at: dt.datetime) -> str:
        return await self.send(
            dispatch.TicketReturned(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                township_code=BUFENG,
                unit=unit,
                source="grid",
                reason="不属本单位职责",
                returned_at=at,
            ),
            subject=ticket,
            township=BUFENG,
        )

    async def reassigned(
        self, ticket: str, from_unit: UnitRef, to_unit: UnitRef, at: dt.datetime, reason_kind: str = "return"
    ) -> str:
        return await self.send(
            dispatch.TicketReassigned(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                category="street_occupation",
                township_code=BUFENG,
                from_unit=from_unit,
                to_unit=to_unit,
                reason_kind=reason_kind,
                reason="改派",
                reassigned_at=at,
            ),
            subject=ticket,
            township=BUFENG,
        )

    async def extended(self, ticket: str, unit: UnitRef, at: dt.datetime, days: int = 5) -> str:
        return await self.send(
            dispatch.TicketExtended(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                township_code=BUFENG,
                unit=unit,
                source="grid",
                value=days,
                time_unit="workday",
                reason="情况复杂",
                deadline=at + dt.timedelta(days=days),
                approved_at=at,
            ),
            subject=ticket,
            township=BUFENG,
        )

    async def created(
        self, ticket: str, at: dt.datetime, *, area: str, category: str, source: str = "hotline", township: str = BUFENG
    ) -> str:
        return await self.send(
            dispatch.TicketCreated(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                category=category,
                source=source,
                township_code=township,
                area_code=area,
                created_at=at,
            ),
            subject=ticket,
            township=township,
        )

    async def signed_for(
        self, ticket: str, unit: UnitRef, at: dt.datetime, *, within_limit: bool, source: str = "hotline"
    ) -> str:
        return await self.send(
            dispatch.TicketSignedFor(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                category="noise",
                township_code=unit.area_code,
                area_code=unit.area_code,
                unit=unit,
                source=source,
                signed_at=at,
                within_limit=within_limit,
            ),
            subject=ticket,
            township=unit.area_code,
        )

    async def callback(
        self, ticket: str, unit: UnitRef, at: dt.datetime, *, result: str, resolved: bool, attempt: int = 1
    ) -> str:
        return await self.send(
            dispatch.CallbackRecorded(
                ticket_id=ticket,
                number=f"GD-{ticket}",
                category="noise",
                township_code=unit.area_code,
                area_code=unit.area_code,
                unit=unit,
                source="hotline",
                result=result,
                resolved=resolved,
                attempt=attempt,
                recorded_at=at,
            ),
            subject=ticket,
            township=unit.area_code,
        )

    async def summons_issued(self, summons: str, unit: UnitRef, at: dt.datetime, respond_by: dt.datetime) -> str:
        return await self.send(
            dispatch.SummonsIssued(
                summons_id=summons,
                ticket_id="t-" + summons,
                township_code=BUFENG,
                unit=unit,
                respond_by=respond_by,
                issued_at=at,
            ),
            subject=summons,
            township=BUFENG,
        )

    async def summons_answered(self, summons: str, unit: UnitRef, at: dt.datetime, on_time: bool) -> str:
        return await self.send(
            dispatch.SummonsAnswered(
                summons_id=summons,
                ticket_id="t-" + summons,
                township_code=BUFENG,
                unit=unit,
                answered_at=at,
                on_time=on_time,
            ),
            subject=summons,
            township=BUFENG,
        )

    # --- enforcement ------------------------------------------------------------------------

    async def case_closed(self, case: str, unit: UnitRef, opened: dt.datetime, closed: dt.datetime) -> str:
        return await self.send(
            enforcement.CaseClosed(
                case_id=case,
                number=f"AJ-{case}",
                lead_id="l-" + case,
                township_code=BUFENG,
                unit=unit,
                outcome="penalty",
                opened_at=opened,
                closed_at=closed,
            ),
            subject=case,
            township=BUFENG,
        )

    async def case_overdue(self, case: str, unit: UnitRef, filed: dt.datetime, detected: dt.datetime) -> str:
        return await self.send(
            enforcement.CaseOverdue(
                case_id=case,
                number=f"AJ-{case}",
                township_code=BUFENG,
                unit=unit,
                filed_at=filed,
                deadline=filed + dt.timedelta(days=90),
                detected_at=detected,
            ),
            subject=case,
            township=BUFENG,
        )

    async def decision(self, case: str, fine_yuan: int, at: dt.datetime) -> str:
        return await self.send(
            enforcement.DecisionMade(
                case_id=case,
                number=f"AJ-{case}",
                township_code=BUFENG,
                procedure="ordinary",
                penalty="fine",
                fine_yuan=fine_yuan,
                decided_at=at,
            ),
            subject=case,
            township=BUFENG,
        )

    # --- approval ---------------------------------------------------------------------------

    async def accepted(self, app: str, clerk: str | None, at: dt.datetime, township: str = BUFENG, **kw: Any) -> str:
        return await self.send(
            approval.ApplicationAccepted(
                application_id=app,
                receipt_number=f"SL-{app}",
                item_code="item-1",
                township_code=township,
                competent_township_code=township,
                clerk_id=clerk,
                instant=False,
                accepted_at=at,
            ),
            subject=app,
            township=township,
            **kw,
        )

    async def completed(
        self, app: str, clerk: str | None, at: dt.datetime, on_time: bool, township: str = BUFENG
    ) -> str:
        return await self.send(
            approval.ApplicationCompleted(
                application_id=app,
                receipt_number=f"SL-{app}",
                item_code="item-1",
                township_code=township,
                clerk_id=clerk,
                outcome="approved",
                completed_at=at,
                on_time=on_time,
            ),
            subject=app,
            township=township,
        )

    async def overdue(self, app: str, clerk: str | None, at: dt.datetime, township: str = BUFENG) -> str:
        return await self.send(
            approval.ApplicationOverdue(
                application_id=app,
                receipt_number=f"SL-{app}",
                item_code="item-1",
                township_code=township,
                clerk_id=clerk,
                deadline=at,
                detected_at=at,
            ),
            subject=app,
            township=township,
        )

    async def notice(self, app: str, clerk: str | None, at: dt.datetime, in_time: bool, township: str = BUFENG) -> str:
        return await self.send(
            approval.NoticeIssued(
                application_id=app,
                notice_id=uid("n-"),
                township_code=township,
                clerk_id=clerk,
                missing_count=2,
                issued_at=at,
                in_time=in_time,
            ),
            subject=app,
            township=township,
        )

    async def rating(self, rating: str, clerk: str | None, level: int, at: dt.datetime, township: str = BUFENG) -> str:
        return await self.send(
            approval.RatingSubmitted(
                rating_id=rating,
                application_id="a-" + rating,
                township_code=township,
                clerk_id=clerk,
                level=level,
                bad=level <= 2,
                channel="on_site",
                rated_at=at,
            ),
            subject=rating,
            township=township,
        )

    async def rectified(
        self, rating: str, clerk: str | None, at: dt.datetime, on_time: bool, township: str = BUFENG
    ) -> str:
        return await self.send(
            approval.RatingRectified(
                rectification_id=uid("r-"),
                rating_id=rating,
                township_code=township,
                clerk_id=clerk,
                outcome="rectified",
                on_time=on_time,
                closed_at=at,
            ),
            subject=rating,
            township=township,
        )

    async def squad(
        self,
        squad_id: str,
        township: str,
        *,
        kind: str = "stationed",
        county_dept: str | None = "psb",
        weight: int = 60,
        **kw: Any,
    ) -> str:
        return await self.send(
            enforcement.SquadRegistered(
                squad_id=squad_id,
                name=f"执法中队{squad_id[-4:]}",
                township_code=township,
                kind=kind,
                county_dept=county_dept if kind == "stationed" else None,
                members=["officer.a", "officer.b"],
                township_weight_percent=weight if kind == "stationed" else 100,
                county_weight_percent=100 - weight if kind == "stationed" else 0,
                registered_at=local("2026-01-02 09:00"),
            ),
            subject=squad_id,
            township=township,
            **kw,
        )

    # --- grid ---------------------------------------------------------------------------------

    async def rostered(
        self, worker: str, grid_code: str, since: dt.date, *, name: str = "网格员", post: str = "full_time"
    ) -> str:
        township = grid_code[:9] + "000"
        return await self.send(
            grid.WorkerRostered(
                roster_id="r-" + worker,
                worker_id=worker,
                username=f"grid.{worker}",
                name=name,
                post=post,
                grid_code=grid_code,
                township_code=township,
                since=since,
            ),
            subject=worker,
            township=township,
        )

    async def household(self, household: str, grid_code: str, at: dt.datetime) -> str:
        township = grid_code[:9] + "000"
        return await self.send(
            grid.HouseholdRegistered(
                household_id=household, grid_code=grid_code, township_code=township, registered_at=at
            ),
            subject=household,
            township=township,
        )

    async def visit(self, worker: str, grid_code: str, at: dt.datetime) -> str:
        township = grid_code[:9] + "000"
        return await self.send(
            grid.VisitRecorded(
                visit_id=uid("v-"),
                grid_code=grid_code,
                township_code=township,
                worker_id=worker,
                kind="routine",
                visited_at=at,
            ),
            subject=worker,
            township=township,
        )

    async def visit_overdue(self, worker: str | None, grid_code: str, due_on: dt.date) -> str:
        township = grid_code[:9] + "000"
        return await self.send(
            grid.VisitOverdue(
                grid_code=grid_code,
                township_code=township,
                worker_id=worker,
                resident_id=uid("p-"),
                group="elderly",
                due_on=due_on,
            ),
            subject=grid_code,
            township=township,
        )

    async def patrol_overdue(self, worker: str | None, grid_code: str, due_on: dt.date) -> str:
        """A grid's missed daily patrol (grid.visit.overdue version 2: no resident)."""
        township = grid_code[:9] + "000"
        return await self.send(
            grid.VisitOverdue(
                grid_code=grid_code,
                township_code=township,
                worker_id=worker,
                subject="patrol",
                group="patrol",
                due_on=due_on,
                period="day",
            ),
            subject=f"patrol:{grid_code}",
            township=township,
        )

    async def diary(self, worker: str, grid_code: str, day: dt.date) -> str:
        township = grid_code[:9] + "000"
        return await self.send(
            grid.DiarySigned(
                diary_id=uid("d-"),
                grid_code=grid_code,
                township_code=township,
                worker_id=worker,
                day=day,
                signed_by="chief",
            ),
            subject=worker,
            township=township,
        )

    async def task(self, worker: str, grid_code: str, at: dt.datetime, *, on_time: bool = True) -> str:
        township = grid_code[:9] + "000"
        return await self.send(
            grid.TaskCompleted(
                task_id=uid("k-"),
                task_type="survey",
                grid_code=grid_code,
                township_code=township,
                worker_id=worker,
                due_on=at.date(),
                completed_at=at,
                on_time=on_time,
            ),
            subject=worker,
            township=township,
        )

    async def incident(self, incident: str, worker: str, grid_code: str, at: dt.datetime) -> str:
        reported = incident_reported(incident, worker, grid_code, at)
        return await self.send(reported, subject=incident, township=reported.township_code)

    async def voided(self, incident: str, township: str, at: dt.datetime) -> str:
        return await self.send(
            dispatch.TicketVoided(
                ticket_id=uid("t-"),
                number="GD-x",
                category="street_occupation",
                township_code=township,
                area_code=township,
                source="grid",
                source_ref=incident,
                reason="重复上报",
                voided_at=at,
            ),
            subject=incident,
            township=township,
        )

    async def post(self, path: str, who: Any, body: Any) -> Any:
        return await self.running.client.post(f"/api/assessment/v1{path}", json=body, headers=headers_for(who))

    # --- waiting ----------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until every consumer of the service has handled (and acked) everything published."""
        ctx = self.running.ctx
        js = await ctx.bus.wait_ready()

        async def drained() -> bool:
            for sub in ctx.consumers.subscriptions:
                info = await js.consumer_info(ctx.bus.stream, ctx.consumers.durable(sub))
                if info.num_pending or info.num_ack_pending:
                    return False
            return True

        await eventually(drained)


@pytest.fixture(scope="module")
async def assessment(service_runner):
    async with service_runner(spec) as running:
        if running.ctx.spec.seed is not None:
            await running.seed()
        yield running


@pytest.fixture(scope="module")
def feed(assessment) -> Feed:
    return Feed(assessment)
