"""NUL characters and lone surrogates are refused by every service with 422 naming the field,
before any business number is drawn (PostgreSQL refuses NUL in text: it used to be a 500 after the
number was spent). One shared guard in the service frame; shown on four services' routes."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import func, select

from jiceng_shared.testing.plugin import demo_principal, headers_for

CASES = [
    # service, method, path, query, JSON body (raw text), the fields to be named
    (
        "grid",
        "POST",
        "/api/grid/v1/incidents",
        {},
        '{"category": "street_occupation", "description": "占道\\u0000经营", "grid_code": "320971100201001",'
        ' "location": {"type": "Point", "coordinates": [120.3, 33.3]}, "attachments": [{"name": "\\ud83d.jpg"}]}',
        ["description", "attachments.0.name"],
    ),
    (
        "dispatch",
        "POST",
        "/api/dispatch/v1/tickets",
        {},
        '{"channel": "hotline", "title": "\\udc00", "description": "ok"}',
        ["title"],
    ),
    ("approval", "POST", "/api/approval/v1/applications", {"x": "a\x00"}, '{"applicant": {"name": "ok"}}', ["x"]),
    ("enforcement", "GET", "/api/enforcement/v1/leads", {"status": "new\x00", "q": "fine"}, None, ["status"]),
]


@pytest.mark.parametrize(("service", "method", "path", "params", "body", "fields"), CASES, ids=[c[0] for c in CASES])
async def test_bad_characters_are_refused_before_any_work(service_runner, service, method, path, params, body, fields):
    spec = importlib.import_module(f"{service}.main").spec
    headers = headers_for(demo_principal("county_admin")) | {"content-type": "application/json"}
    async with service_runner(spec) as svc:
        response = await svc.client.request(method, path, params=params, content=body, headers=headers)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == "invalid_characters"
        assert [e["field"] for e in problem["errors"]] == fields
        assert response.headers["content-type"] == "application/problem+json"
        counters = svc.ctx.db.infra.counters
        async with svc.ctx.db.session() as session:
            assert await session.scalar(select(func.count()).select_from(counters)) == 0, "no number drawn"
