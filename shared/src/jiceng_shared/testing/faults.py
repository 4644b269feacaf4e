"""The fault suite's tools: a stack on a private NATS, a steady incident load through the gateways,
and the one-ticket-one-lead check (used by tests/test_faults.py and bench/run.py).

The load reports incidents like a department system that retries: each report has its own
``Idempotency-Key`` (also written in its description) and is retried with the same key after a
connection error, a 5xx, a 409 (in progress) or a 429 until it is accepted or its deadline passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from jiceng_shared.stack import Stack, free_port
from jiceng_shared.testing import web
from jiceng_shared.testing.chaos import PrivateNats, connections_of, database_name
from jiceng_shared.testing.journey import BUFENG_GRIDS, GRID_ORIGIN, PASSWORD
from jiceng_shared.topology import PROCESSES

REPORTER = "grid_worker.bufeng"


@dataclass
class FaultStack:
    """One or two replicas of every process (each replica set with its own gateway) on a private
    NATS server the test started, sharing the databases and the event stream."""

    replicas: list[Stack]
    nats: PrivateNats
    prefix: str
    database_urls: dict[str, str]
    admin_dsn: str

    @property
    def gateways(self) -> list[str]:
        return [s.url("gateway") for s in self.replicas]

    def database(self, process: str) -> str:
        return database_name(self.database_urls[process])

    async def connections(self) -> int:
        return await connections_of(self.admin_dsn, [database_name(u) for u in self.database_urls.values()])

    async def restart(self, name: str, replica: int = 0, timeout: float = 60) -> float:
        """SIGKILL one process and start it again; returns the seconds until it is ready."""
        stack = self.replicas[replica]
        await asyncio.to_thread(stack.kill, name)
        started = time.monotonic()
        stack.start(name)
        await asyncio.to_thread(stack.wait_ready, timeout, [name])
        return time.monotonic() - started


@contextlib.asynccontextmanager
async def fault_stack(
    infra: Any, databases: Any, work_dir: Path, *, replicas: int = 1, **extra_env: str
) -> AsyncIterator[FaultStack]:
    from jiceng_shared.testing.plugin import stack_env

    nats = PrivateNats(work_dir / "nats")
    nats.start()
    stacks: list[Stack] = []
    try:
        prefix = f"f{uuid.uuid4().hex[:10]}"
        env = await stack_env(
            infra,
            databases,
            nats_url=nats.url,
            prefix=prefix,
            data_dir=work_dir,
            # a report never merges with another as a duplicate: each must get its own ticket
            DISPATCH_DUPLICATE_RADIUS_METERS="0",
            # a keyed report the gateway answered 504 is awaited 10 s at most
            GATEWAY_UPSTREAM_COMPLETION_SECONDS="10",
            JICENG_JOB_LEADER_RETRY_SECONDS="1",
            # an event delivered to a process that was killed is delivered again 5 s later
            JICENG_CONSUMER_ACK_WAIT_SECONDS="5",
            # a second stack beside the test session's: small pools (about 18 connections), so the
            # machine's shared PostgreSQL keeps room for everyone (bench/faults.py sets the default 4)
            **({"JICENG_DATABASE_POOL_SIZE": "2"} | extra_env),
        )
        urls = {p.name: env[f"{p.env_prefix}DATABASE_URL"] for p in PROCESSES}
        stacks = [
            Stack(env=env, log_dir=work_dir / f"logs-{i}", ports={p.name: free_port() for p in PROCESSES})
            for i in range(replicas)
        ]
        # the first seeds the shared databases; the replicas start on them once it is ready
        stacks[0].start(seed=True)
        await asyncio.to_thread(stacks[0].wait_ready, 120)
        for stack in stacks[1:]:
            stack.start()
        for stack in stacks[1:]:
            await asyncio.to_thread(stack.wait_ready, 120)
        yield FaultStack(stacks, nats, prefix, urls, infra.pg_admin_dsn)
    finally:
        for stack in stacks:
            await asyncio.to_thread(stack.stop)
        nats.stop()  # whatever failed on the way: the test's NATS never outlives it


@dataclass
class IncidentLoad:
    """A steady load of incident reports spread over the gateways, retried with their keys."""

    gateways: list[str]
    rate: float = 4.0
    #: how long one report is retried before its outcome counts as unknown (seconds)
    patience: float = 45.0
    accepted: dict[str, str] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    refused: dict[str, int] = field(default_factory=dict)
    answers: Counter[str] = field(default_factory=Counter)
    first_accept_after: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clients = [web.client(g, timeout=10) for g in self.gateways]
        self._tasks: set[asyncio.Task[None]] = set()
        self._token: str | None = None
        self._sent = 0
        self._stop = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    async def token(self) -> str:
        if self._token is None:
            for _ in range(60):
                with contextlib.suppress(httpx.HTTPError):
                    response = await self.clients[0].post(
                        "/auth/token", data={"grant_type": "password", "username": REPORTER, "password": PASSWORD}
                    )
                    if response.status_code == 200:
                        self._token = response.json()["access_token"]
                        break
                await asyncio.sleep(0.5)
            assert self._token is not None, "no login through the gateway"
        return self._token

    def start(self) -> None:
        self._stop.clear()
        self._runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop reporting and wait for every report in flight to be accepted or given up."""
        self._stop.set()
        if self._runner is not None:
            await self._runner
        if self._tasks:
            await asyncio.wait(self._tasks)

    async def close(self) -> None:
        await self.stop()
        for client in self.clients:
            await client.aclose()

    async def _run(self) -> None:
        await self.token()
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while not self._stop.is_set():
            task = asyncio.create_task(self._report(self._sent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._sent += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def _body(self, key: str, n: int) -> dict[str, Any]:
        grid = BUFENG_GRIDS[n % 2]
        lng0, lat0 = GRID_ORIGIN[grid]
        spot = (n * 7919) % 9000
        point = [round(lng0 + 0.0005 + (spot % 95) * 0.0001, 6), round(lat0 + 0.0005 + (spot // 95) * 0.0001, 6)]
        return {
            "category": "street_occupation",
            "description": f"故障测试 {key}",
            "grid_code": grid,
            "location": {"type": "Point", "coordinates": point},
            "attachments": [{"name": "现场.jpg", "media_type": "image/jpeg", "size": 1000, "sha256": "d" * 64}],
        }

    async def _report(self, n: int) -> None:
        key = f"load-{uuid.uuid4().hex}"
        body = self._body(key, n)
        headers = {"Authorization": f"Bearer {await self.token()}", "Idempotency-Key": key}
        deadline = time.monotonic() + self.patience
        attempt = 0
        while time.monotonic() < deadline:
            client = self.clients[(n + attempt) % len(self.clients)]
            attempt += 1
            try:
                response = await client.post("/api/grid/v1/incidents", json=body, headers=headers)
            except httpx.HTTPError:
                self.answers["connection_error"] += 1
                await asyncio.sleep(0.5)
                continue
            self.answers[str(response.status_code)] += 1
            if response.status_code in (200, 201):
                self.accepted[key] = response.json()["id"]
                return
            if response.status_code in (409, 429, 502, 503, 504):
                wait = float(response.headers.get("retry-after", "0.5"))
                await asyncio.sleep(min(wait, 1.0))
                continue
            self.refused[key] = response.status_code
            return
        self.unknown.add(key)


async def _all_items(client: httpx.AsyncClient, token: str, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        body = response.json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


@dataclass
class Tally:
    accepted: int
    tickets: int
    leads: int
    #: incidents whose ticket or lead is missing, and incidents with more than one
    missing: list[str]
    doubled: list[str]
    #: reports (keys) that created more than one incident
    doubled_incidents: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.doubled and not self.doubled_incidents


class Auditor:
    """Counts, through the gateway, the incidents, tickets and leads of the accepted reports."""

    def __init__(self, gateway: str) -> None:
        self.client = web.client(gateway)
        self.tokens: dict[str, str] = {}

    async def close(self) -> None:
        await self.client.aclose()

    async def _token(self, user: str) -> str:
        if user not in self.tokens:
            response = await self.client.post(
                "/auth/token", data={"grant_type": "password", "username": user, "password": PASSWORD}
            )
            response.raise_for_status()
            self.tokens[user] = response.json()["access_token"]
        return self.tokens[user]

    async def tally(self, load: IncidentLoad) -> Tally:
        wanted = set(load.accepted.values())
        tickets = await _all_items(self.client, await self._token("dispatcher.bufeng"), "/api/dispatch/v1/tickets")
        leads = await _all_items(
            self.client, await self._token("enforcement_officer.bufeng"), "/api/enforcement/v1/leads"
        )
        incidents = await _all_items(self.client, await self._token(REPORTER), "/api/grid/v1/incidents")
        per_ticket = Counter(t["source_ref"] for t in tickets if t["source_ref"] in wanted)
        per_lead = Counter(lead["correlation_id"] for lead in leads if lead["correlation_id"] in wanted)
        per_key = Counter(
            i["description"].split(" ", 1)[1] for i in incidents if i["description"].startswith("故障测试 ")
        )
        missing = sorted(i for i in wanted if per_ticket[i] == 0 or per_lead[i] == 0)
        doubled = sorted(i for i in wanted if per_ticket[i] > 1 or per_lead[i] > 1)
        return Tally(
            accepted=len(wanted),
            tickets=sum(per_ticket.values()),
            leads=sum(per_lead.values()),
            missing=missing,
            doubled=doubled,
            doubled_incidents=sorted(k for k, n in per_key.items() if n > 1),
        )

    async def caught_up(self, load: IncidentLoad, incidents: set[str], timeout: float = 30) -> float:
        """Seconds until these accepted incidents all have their ticket and lead (or the timeout)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            tally = await self.tally(load)
            if not incidents & set(tally.missing):
                break
            await asyncio.sleep(0.25)
        return time.monotonic() - started

    async def settled(self, load: IncidentLoad, timeout: float = 90) -> tuple[Tally, float]:
        """Wait until every accepted report has its ticket and its lead; (tally, seconds waited)."""
        started = time.monotonic()
        while True:
            tally = await self.tally(load)
            if not tally.missing or time.monotonic() - started > timeout:
                return tally, time.monotonic() - started
            await asyncio.sleep(0.5)
