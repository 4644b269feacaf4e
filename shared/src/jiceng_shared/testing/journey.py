"""Helpers for end-to-end journeys through the gateway (as the demo users of demo-data.md)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from jiceng_shared.devkeys import demo_login_form
from jiceng_shared.testing import web
from jiceng_shared.testing.plugin import eventually

PASSWORD = "demo"
BUFENG = "320971100000"
BUFENG_GRIDS = ("320971100201001", "320971100201002")
#: the south-west corners of the demo grids of Bufeng (each a 0.01° square)
GRID_ORIGIN = {"320971100201001": (120.300, 33.300), "320971100201002": (120.310, 33.300)}

#: a demo user's token is reused by every journey of the test process for this long (well inside
#: the gateway's 15-minute token lifetime and 30-minute idle timeout): an administrative login
#: takes a TOTP code, which counts once (RFC 6238 §5.2), so logging county_admin in for every
#: test would wait for fresh codes, 30 s at a time
TOKEN_REUSE_SECONDS = 300.0
#: (gateway, username) → (access token, monotonic time of its login)
_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}


async def demo_token(client: httpx.AsyncClient, username: str) -> str:
    """A demo user's access token at the gateway ``client`` speaks to, logged in once per
    ``TOKEN_REUSE_SECONDS``."""
    key = (str(client.base_url), username)
    cached = _TOKENS.get(key)
    if cached is not None and time.monotonic() - cached[1] < TOKEN_REUSE_SECONDS:
        return cached[0]
    response = await client.post("/auth/token", data=demo_login_form(username, PASSWORD))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    _TOKENS[key] = (token, time.monotonic())
    return token


class Journey:
    """An async client of the gateway holding one token per demo user."""

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway
        self.client = web.client(gateway)
        self._tokens: dict[str, str] = {}
        # one login per user even when many requests start at once: the gateway counts attempts
        # in flight against the login throttle
        self._login_lock = asyncio.Lock()

    async def close(self) -> None:
        await self.client.aclose()

    async def headers(self, username: str) -> dict[str, str]:
        async with self._login_lock:
            return await self._headers(username)

    async def _headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            self._tokens[username] = await demo_token(self.client, username)
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    async def get(self, username: str, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params or None, headers=await self.headers(username))

    async def post(
        self, username: str, path: str, json: Any = None, *, idempotency_key: str | None = None
    ) -> httpx.Response:
        headers = await self.headers(username)
        if idempotency_key:
            headers = headers | {"Idempotency-Key": idempotency_key}
        return await self.client.post(path, json=json, headers=headers)

    async def ok(
        self,
        username: str,
        path: str,
        json: Any = None,
        status: int | tuple[int, ...] = (200, 201),
        *,
        idempotency_key: str | None = None,
    ) -> Any:
        response = await self.post(username, path, json, idempotency_key=idempotency_key)
        expected = status if isinstance(status, tuple) else (status,)
        assert response.status_code in expected, f"{path}: {response.status_code} {response.text}"
        return response.json()

    async def report_incident(
        self,
        category: str,
        *,
        point: tuple[float, float] | None = None,
        grid: str = BUFENG_GRIDS[0],
        reporter: str = "grid_worker.bufeng",
    ) -> dict[str, Any]:
        # the default point lies off the lattice of distinct_points (> 50 m from each), so it never
        # merges with their reports as a duplicate
        lng, lat = point or (GRID_ORIGIN[grid][0] + 0.0099, GRID_ORIGIN[grid][1] + 0.0099)
        body = {
            "category": category,
            "description": f"{category} 现场上报",
            "grid_code": grid,
            "location": {"type": "Point", "coordinates": [lng, lat]},
            "attachments": [{"name": "现场.jpg", "media_type": "image/jpeg", "size": 81234, "sha256": "c" * 64}],
        }
        # a creation carries an Idempotency-Key, as a client that may retry it should
        return await self.ok(reporter, "/api/grid/v1/incidents", body, status=201, idempotency_key=str(uuid.uuid4()))

    async def one(self, username: str, path: str, **params: Any) -> dict[str, Any]:
        """Wait until the list at ``path`` (filtered by ``params``) holds exactly one item, and return it."""

        async def found() -> dict[str, Any] | None:
            response = await self.get(username, path, **params)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            assert len(items) <= 1, f"{path} {params}: {len(items)} items"
            return items[0] if items else None

        return await eventually(found, timeout=30)

    async def until(self, username: str, path: str, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            response = await self.get(username, path)
            assert response.status_code == 200, response.text
            body = response.json()
            return body if predicate(body) else None

        return await eventually(check, timeout=timeout)


def distinct_points(count: int, grids: tuple[str, ...] = BUFENG_GRIDS) -> list[tuple[str, tuple[float, float]]]:
    """Points on a lattice ~100 m apart inside the grids, so no two reports are duplicates."""
    points = []
    for grid in grids:
        lng0, lat0 = GRID_ORIGIN[grid]
        for i in range(9):
            for j in range(9):
                points.append((grid, (round(lng0 + 0.0005 + i * 0.0011, 6), round(lat0 + 0.0005 + j * 0.0011, 6))))
    assert count <= len(points), f"at most {len(points)} distinct points"
    return points[:count]


def current_period() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
