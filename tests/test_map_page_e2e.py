"""The map page (一张图) through the gateway in headless Chromium: Leaflet served from the gateway
itself (vendored from npm; no CDN, no tiles), the demo grids coloured by their tickets, and an open
ticket listed under its grid. Skips when no Chromium is installed."""

from __future__ import annotations

import asyncio
import re
import shutil

import pytest

from jiceng_shared.testing import web
from jiceng_shared.testing.journey import Journey

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture
async def journey(stack):
    j = Journey(stack.url("gateway"))
    yield j
    await j.close()


async def dump_dom(url: str) -> str:
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=90)
    return out.decode()


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
async def test_the_map_page_shows_the_demo_grids_and_an_open_ticket(stack, journey):
    gateway = stack.url("gateway")
    async with web.client(gateway) as c:
        page = await c.get("/map")
        assert page.status_code == 200 and "/static/leaflet/leaflet.js" in page.text
        assert "cdn" not in page.text.lower() and "tile" not in re.sub(
            r"<script.*?</script>", "", page.text, flags=re.S
        )
        assert (await c.get("/static/leaflet/leaflet.js")).status_code == 200
    incident = await journey.report_incident("public_security_hazard")
    ticket = await journey.one(
        "dispatcher.bufeng", "/api/dispatch/v1/tickets", correlation_id=incident["correlation_id"]
    )
    token = (await journey.headers("dispatcher.bufeng"))["Authorization"].removeprefix("Bearer ")
    dom = await dump_dom(f"{gateway}/map#token={token}")
    assert 'data-loaded="true"' in dom, dom[-2000:]
    assert "320971100201001" in dom and "网格" in dom  # the demo grids of Bufeng
    assert "leaflet-interactive" in dom  # the grids drawn as polygons
    assert ticket["number"] in dom  # the open ticket listed under its grid
    assert "暂无预警" in dom  # the early warnings read (one page of {items}): none in the demo
