"""The gateway in-process on a fresh database with the demo identities, without upstream services
(calls that pass the access decision end in 502, which is all these tests need)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from gateway.config import GatewaySettings
from gateway.main import MIGRATIONS, create_app
from gateway.seed import seed
from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.policy import Policy
from jiceng_shared.stack import free_port
from jiceng_shared.testing.plugin import delete_stream

#: per gateway database, the demo TOTP steps its logins have used (each code logs in once)
TOTP_STEPS: dict[str, dict[str, int]] = {}


@dataclass
class RunningGateway:
    app: Any
    settings: GatewaySettings
    #: the demo TOTP steps this gateway's database has seen
    totp_steps: dict[str, int] = field(default_factory=dict)
    #: tokens handed out by token(), reused while they work
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def state(self) -> Any:
        return self.app.api.state

    def client(self, address: str = "10.0.0.1") -> httpx.AsyncClient:
        """A client calling from ``address`` (throttles count per address)."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway")

    async def token(self, username: str, password: str = "demo", address: str | None = None) -> str:
        """An access token of a demo user: the one from an earlier call while it still works (a TOTP
        code logs in once, so the administrators' logins are few), else a new login."""
        async with self.client(address or f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}") as c:
            kept = self.tokens.get((username, password))
            if kept is not None:
                me = await c.get("/auth/me", headers={"Authorization": f"Bearer {kept}"})
                if me.status_code == 200:
                    return kept
            form = demo_login_form(username, password, self.totp_steps)
            response = await c.post("/auth/token", data=form)
        # the TOTP step handed out and the wall clock's, should a code ever be refused as used again
        assert response.status_code == 200, (response.text, self.totp_steps.get(username), time.time() // 30)
        self.tokens[(username, password)] = response.json()["access_token"]
        return response.json()["access_token"]

    async def flush_audit(self) -> None:
        await self.state.audit.flush()


def gateway_settings(database_url: str, nats_url: str, prefix: str, **overrides: Any) -> GatewaySettings:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: proxied calls answer 502
    values: dict[str, Any] = {
        f"upstream_{s}": dead for s in ("approval", "enforcement", "grid", "dispatch", "assessment")
    }
    values |= {
        "database_url": database_url,
        "nats_url": nats_url,
        "events_prefix": prefix,
        "env": "test",
        "audit_flush_seconds": 0.01,
        # many gateways start in one test process (jiceng_shared.heap)
        "freeze_heap_after_start": False,
    }
    return GatewaySettings(**(values | overrides))


@pytest.fixture(scope="session")
def make_gateway(infra, databases):
    """``async with make_gateway(**settings) as gw``: a seeded gateway on a fresh database.

    ``database_url`` and ``events_prefix`` may be given to run a second replica beside a first;
    ``policy`` replaces the route tables (tests of the proxy with routes of their own).
    """

    @contextlib.asynccontextmanager
    async def run(*, policy: Policy | None = None, **overrides: Any) -> AsyncIterator[RunningGateway]:
        fresh = "database_url" not in overrides
        database_url = overrides.pop("database_url", None) or await databases.create(
            "gateway", migrated_by=MIGRATIONS if overrides.get("migrate_on_start", True) else None
        )
        own_stream = "events_prefix" not in overrides
        prefix = overrides.pop("events_prefix", None) or f"t{uuid.uuid4().hex[:10]}"
        settings = gateway_settings(database_url, infra.nats_url, prefix, **overrides)
        app = create_app(settings, policy)
        try:
            async with app.api.router.lifespan_context(app.api):
                if fresh:
                    await seed(SimpleNamespace(settings=settings, db=app.api.state.db))  # type: ignore[arg-type]
                await asyncio.wait_for(app.api.state.identity_changes.subscribed.wait(), timeout=15)
                # replicas on one database share what their demo logins have used
                yield RunningGateway(app, settings, TOTP_STEPS.setdefault(database_url, {}))
        finally:
            if own_stream:  # the stream and area bucket the gateway made for its area feed
                await delete_stream(infra.nats_url, prefix)

    return run


@pytest.fixture(scope="module")
async def gw(make_gateway):
    async with make_gateway() as running:
        yield running
