"""Nothing lost, nothing doubled: SIGKILL a consumer process while incidents are in flight.

Incidents are reported through the gateway while dispatch (then enforcement) is killed without
any chance to clean up and started again. Every incident must end with exactly one ticket and
exactly one lead: the outbox re-publishes what was committed but not acknowledged, JetStream
redelivers what was delivered but not acked, and the inbox drops what was applied already.
"""

from __future__ import annotations

import asyncio

import pytest

from jiceng_shared.testing.journey import Journey, distinct_points
from jiceng_shared.testing.plugin import eventually

pytestmark = pytest.mark.e2e
BATCH = 40


async def _report_all(journey: Journey, points: list[tuple[str, tuple[float, float]]]) -> list[str]:
    created = await asyncio.gather(*(journey.report_incident("street_occupation", grid=g, point=p) for g, p in points))
    return [c["id"] for c in created]


async def _all_items(journey: Journey, user: str, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        body = (await journey.get(user, path, **params)).json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


async def _assert_one_ticket_and_one_lead_each(journey: Journey, incident_ids: list[str]) -> None:
    wanted = set(incident_ids)

    async def complete() -> bool:
        tickets = [
            t
            for t in await _all_items(journey, "dispatcher.bufeng", "/api/dispatch/v1/tickets")
            if t["source_ref"] in wanted
        ]
        leads = [
            lead
            for lead in await _all_items(journey, "enforcement_officer.bufeng", "/api/enforcement/v1/leads")
            if lead["correlation_id"] in wanted
        ]
        return len(tickets) >= len(wanted) and len(leads) >= len(wanted) and (tickets, leads)

    tickets, leads = await eventually(complete, timeout=90, interval=0.5)
    await asyncio.sleep(2)  # a late duplicate would show up now
    tickets = [
        t
        for t in await _all_items(journey, "dispatcher.bufeng", "/api/dispatch/v1/tickets")
        if t["source_ref"] in wanted
    ]
    leads = [
        lead
        for lead in await _all_items(journey, "enforcement_officer.bufeng", "/api/enforcement/v1/leads")
        if lead["correlation_id"] in wanted
    ]
    assert sorted(t["source_ref"] for t in tickets) == sorted(wanted), "one ticket per incident"
    assert sorted(lead["correlation_id"] for lead in leads) == sorted(wanted), "one lead per incident"
    assert len({lead["ticket_id"] for lead in leads}) == len(wanted)


@pytest.mark.parametrize("victim", ["dispatch", "enforcement"])
async def test_killing_a_consumer_mid_stream_loses_and_doubles_nothing(stack, victim):
    journey = Journey(stack.url("gateway"))
    offset = 0 if victim == "dispatch" else 2 * BATCH
    points = distinct_points(offset + 2 * BATCH)[offset:]
    try:
        first = asyncio.create_task(_report_all(journey, points[:BATCH]))
        await asyncio.sleep(0.3)  # part of the first batch is being handled right now
        await asyncio.to_thread(stack.kill, victim)
        ids = await first
        ids += await _report_all(journey, points[BATCH:])  # reported while the consumer is down
        stack.start(victim)
        await asyncio.to_thread(stack.wait_ready, 60, [victim])
        await _assert_one_ticket_and_one_lead_each(journey, ids)
    finally:
        if victim not in stack.procs:
            stack.start(victim)
            await asyncio.to_thread(stack.wait_ready, 60, [victim])
        await journey.close()
