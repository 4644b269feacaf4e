"""Fixtures of the cross-service tests: the running stack, logins through its gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.identity import Binding, Principal
from jiceng_shared.testing import web

DEMO_PASSWORD = "demo"


def client_secret(client_id: str) -> str:
    return f"{client_id}-secret-{DEMO_PASSWORD}"  # the demo seed's rule (gateway.seed.client_secret)


@dataclass
class Caller:
    """A logged-in demo identity: its token and the principal the gateway sees (from /auth/me)."""

    login: str
    token: str
    principal: Principal

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Platform:
    stack: Any
    url: str
    callers: dict[str, Caller] = field(default_factory=dict)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return web.client(self.url, **kwargs)

    async def login(self, name: str, *, fresh: bool = False) -> Caller:
        """Log in a demo user or a demo department system (client id ``client.*``), once per session
        (``fresh``: a session of its own, not kept, e.g. to log out of)."""
        if name in self.callers and not fresh:
            return self.callers[name]
        async with self.client() as c:
            if name.startswith("client."):
                data = {"grant_type": "client_credentials", "client_id": name, "client_secret": client_secret(name)}
            else:
                data = demo_login_form(name, DEMO_PASSWORD)
            response = await c.post("/auth/token", data=data)
            assert response.status_code == 200, f"{name} cannot log in: {response.text}"
            token = response.json()["access_token"]
            me = (await c.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
        principal = Principal(
            subject=me["subject"],
            name=me["name"],
            kind=me["kind"],
            client_id=me["client_id"],
            bindings=tuple(Binding(b["role"], b["area"], b["dept"]) for b in me["bindings"]),
        )
        caller = Caller(name, token, principal)
        if not fresh:
            self.callers[name] = caller
        return caller


@pytest.fixture(scope="session")
async def platform(stack) -> Platform:
    return Platform(stack=stack, url=stack.url("gateway"))
