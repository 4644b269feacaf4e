"""The fault suite: nothing lost, nothing doubled, recovery bounded, under a steady incident load.

Every fault is caused on servers the test started itself: the six processes (SIGKILL and
restart), a private nats-server on a free port (kill -9 and restart), and the test's own database
(``ALLOW_CONNECTIONS false`` and its connections terminated); the machine's NATS and PostgreSQL
stay up. Reports go through the gateway with an ``Idempotency-Key`` and are retried with it, as a
department system would. After each fault every accepted incident must have exactly one ticket and
one lead, and no report may have created two incidents; the counts and recovery times are printed.

``make test`` runs the short form (a kill -9 of NATS, a SIGKILL of dispatch, grid's database
refusing connections for 3 s); ``make chaos`` (``JICENG_CHAOS=full``) runs the full suite: every
process in turn, NATS, 10 s of refused connections, and two replicas of every process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import pytest

from jiceng_shared.testing import web
from jiceng_shared.testing.chaos import refuse_connections
from jiceng_shared.testing.faults import Auditor, FaultStack, IncidentLoad, fault_stack
from jiceng_shared.topology import PROCESSES

pytestmark = pytest.mark.e2e

FULL = os.environ.get("JICENG_CHAOS") == "full"
#: the connection budget of one stack (README "Connection budget"; the test pools are 3, not 4)
MAX_CONNECTIONS = 40


@pytest.fixture(scope="module")
async def faulty(infra, databases, tmp_path_factory):
    if infra.database != "postgres":
        pytest.skip("the fault suite needs PostgreSQL")
    async with fault_stack(infra, databases, tmp_path_factory.mktemp("faults")) as running:
        yield running


async def _settle_and_check(stack: FaultStack, load: IncidentLoad, label: str, **figures: float) -> None:
    auditor = Auditor(stack.gateways[0])
    try:
        tally, waited = await auditor.settled(load)
    finally:
        await auditor.close()
    shown = " ".join(f"{k}={v:.2f}s" for k, v in figures.items())
    print(
        f"\n[{label}] accepted={tally.accepted} tickets={tally.tickets} leads={tally.leads} "
        f"unknown={len(load.unknown)} refused={len(load.refused)} answers={dict(load.answers)} "
        f"{shown} settled_after={waited:.2f}s"
    )
    assert not load.refused, f"reports refused for good: {load.refused}"
    assert tally.accepted > 0
    assert not tally.missing, f"{len(tally.missing)} accepted incidents without a ticket or a lead"
    assert not tally.doubled, f"{len(tally.doubled)} incidents with two tickets or leads"
    assert not tally.doubled_incidents, f"{len(tally.doubled_incidents)} reports created two incidents"


async def _sample_connections(stack: FaultStack, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):  # a sample missed (the shared server full) is no failure
            peak[0] = max(peak[0], await stack.connections())
        await asyncio.sleep(0.25)


async def test_short_form_nats_kill_process_kill_and_refused_database_under_one_load(faulty, infra):
    """The short form ``make test`` runs: one load through kill -9 of NATS, SIGKILL of dispatch and
    grid's database refusing connections for 3 s; the stack's connections sampled all along."""
    if FULL:
        pytest.skip("make chaos runs each fault on its own")
    peak, stop = [0], asyncio.Event()
    sampler = asyncio.create_task(_sample_connections(faulty, peak, stop))
    load = IncidentLoad(faulty.gateways, rate=4)
    auditor = Auditor(faulty.gateways[0])
    load.start()
    try:
        await asyncio.sleep(1.5)
        catch_up = await _nats_outage(faulty, load, auditor, seconds=2)
        restart = await faulty.restart("dispatch")
        recovery = await _database_outage(faulty, infra, load, "grid", seconds=3)
        await asyncio.sleep(1)
    finally:
        await load.stop()
        stop.set()
        await sampler
        await auditor.close()
    print(f"\n[connections] peak={peak[0]} of a budget of {MAX_CONNECTIONS}")
    await _settle_and_check(
        faulty, load, "short form", nats_catch_up=catch_up, dispatch_restart=restart, database_recovery=recovery
    )
    assert catch_up <= 10, f"caught up {catch_up:.1f} s after NATS returned"
    assert recovery <= 5, f"first acceptance {recovery:.1f} s after the database returned"
    assert load.answers["503"] > 0 and load.answers["500"] == 0
    assert 0 < peak[0] <= MAX_CONNECTIONS
    await load.close()


async def _nats_outage(stack: FaultStack, load: IncidentLoad, auditor: Auditor, seconds: float) -> float:
    """kill -9 of the test's NATS for ``seconds`` under load; the seconds from its restart until
    every incident accepted so far has its ticket and its lead."""
    stack.nats.kill()
    await asyncio.sleep(seconds)  # reports are still accepted: their events wait in the outboxes
    accepted = set(load.accepted.values())
    await asyncio.to_thread(stack.nats.start)
    return await auditor.caught_up(load, accepted)


async def _database_outage(stack: FaultStack, infra, load: IncidentLoad, service: str, seconds: float) -> float:
    """The service's database refuses connections for ``seconds``; the seconds from its return
    until the next report is accepted."""
    async with refuse_connections(infra.pg_admin_dsn, stack.database(service)):
        await asyncio.sleep(seconds)
    back = time.monotonic()
    seen = len(load.accepted)
    while len(load.accepted) == seen and time.monotonic() - back < 15:
        await asyncio.sleep(0.05)
    return time.monotonic() - back


full_only = pytest.mark.skipif(not FULL, reason="make chaos (JICENG_CHAOS=full)")


@full_only
async def test_kill_9_of_nats_under_load_is_caught_up_within_10_s(faulty):
    load = IncidentLoad(faulty.gateways, rate=4)
    auditor = Auditor(faulty.gateways[0])
    load.start()
    try:
        await asyncio.sleep(2)
        catch_up = await _nats_outage(faulty, load, auditor, seconds=5)
        await asyncio.sleep(1)
    finally:
        await load.stop()
        await auditor.close()
    await _settle_and_check(faulty, load, "nats kill -9", catch_up=catch_up)
    assert catch_up <= 10, f"caught up after {catch_up:.1f} s"
    await load.close()


@full_only
@pytest.mark.parametrize("victim", [p.name for p in PROCESSES])
async def test_sigkill_and_restart_under_load_loses_and_doubles_nothing(faulty, victim):
    load = IncidentLoad(faulty.gateways, rate=4)
    load.start()
    try:
        await asyncio.sleep(2)
        restart = await faulty.restart(victim)
        await asyncio.sleep(2)
    finally:
        await load.stop()
    await _settle_and_check(faulty, load, f"SIGKILL {victim}", restart=restart)
    await load.close()


@full_only
@pytest.mark.parametrize("service", ["grid", "dispatch"])
async def test_a_database_refusing_connections_for_10_s_answers_503_and_recovers_within_5_s(faulty, infra, service):
    load = IncidentLoad(faulty.gateways, rate=4)
    auditor = Auditor(faulty.gateways[0])
    load.start()
    try:
        await asyncio.sleep(1.5)
        recovery = await _database_outage(faulty, infra, load, service, seconds=10)
        if service != "grid":  # a consumer's database: recovered once the backlog has its tickets
            recovery += await auditor.caught_up(load, set(load.accepted.values()))
        await asyncio.sleep(1.5)
    finally:
        await load.stop()
        await auditor.close()
    await _settle_and_check(faulty, load, f"{service} database refused 10s", recovery=recovery)
    if service == "grid":  # the acceptor's database: callers were told to come back, never a 500
        assert load.answers["503"] > 0 and load.answers["500"] == 0
    assert recovery <= 5, f"first acceptance {recovery:.1f} s after the database returned"
    await load.close()


@full_only
async def test_one_stack_stays_within_its_connection_budget_under_load(faulty):
    peak = [0]
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_connections(faulty, peak, stop))
    load = IncidentLoad(faulty.gateways, rate=8)
    load.start()
    try:
        await asyncio.sleep(6)
    finally:
        await load.stop()
        stop.set()
        await sampler
    print(f"\n[connections] peak={peak[0]} of a budget of {MAX_CONNECTIONS}")
    assert 0 < peak[0] <= MAX_CONNECTIONS
    await _settle_and_check(faulty, load, "connection budget")
    await load.close()


@full_only
async def test_two_replicas_of_every_process_under_load_with_kills(infra, databases, tmp_path_factory):
    if infra.database != "postgres":
        pytest.skip("needs PostgreSQL")
    async with fault_stack(infra, databases, tmp_path_factory.mktemp("replicas"), replicas=2) as two:
        load = IncidentLoad(two.gateways, rate=6)
        load.start()
        try:
            await asyncio.sleep(3)
            for name in ("grid", "dispatch", "enforcement"):  # one replica of each dies, its twin goes on
                await asyncio.to_thread(two.replicas[1].kill, name)
                await asyncio.sleep(1.5)
                two.replicas[1].start(name)
            await asyncio.to_thread(two.replicas[1].wait_ready, 60, ["grid", "dispatch", "enforcement"])
            await asyncio.sleep(2)
        finally:
            await load.stop()
        await _settle_and_check(two, load, "two replicas")
        await load.close()
        # one login-throttle limit across both gateways
        async with web.client() as c:
            statuses = []
            for i in range(6):
                response = await c.post(
                    two.gateways[i % 2] + "/auth/token",
                    data={"grant_type": "password", "username": "assessor.bufeng", "password": "wrong"},
                )
                statuses.append(response.status_code)
        print(f"\n[two replicas] login attempts alternating between gateways: {statuses}")
        assert statuses == [400] * 5 + [429]
