"""The proxy's HTTP/1.1 client (gateway.upstream) against a small real HTTP server (aiohttp's)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from gateway.upstream import NotReached, Upstream, UpstreamError
from jiceng_shared.stack import free_port

BIG = b"x" * (3 * 1024 * 1024)


@pytest.fixture(scope="module")
async def server():
    async def small(request: web.Request) -> web.Response:
        return web.json_response({"path": request.path_qs, "seen": request.headers.get("x-seen")})

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read(), headers={"x-length": request.headers["content-length"]})

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(BIG), 256 * 1024):
            await response.write(BIG[start : start + 256 * 1024])
        await response.write_eof()
        return response

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    async def broken(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-length": "100"})
        await response.prepare(request)
        await response.write(b"only part")
        request.transport.close()
        return response

    app = web.Application()
    app.router.add_get("/small", small)
    app.router.add_post("/echo", echo)
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/slow", slow)
    app.router.add_get("/broken", broken)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def pool(url: str) -> Upstream:
    return Upstream(url, slots=asyncio.Semaphore(4))


async def test_an_answer_read_to_the_end_leaves_its_connection_for_the_next_request(server):
    upstream = pool(server)
    async with upstream.request("GET", b"/small?a=1", [(b"x-seen", b"yes")], b"", timeout=5) as answer:
        first = answer
        assert answer.status == 200
        assert b'"path": "/small?a=1"' in await answer.read()
    async with upstream.request("GET", b"/small", [], b"", timeout=5) as answer:
        assert answer is first  # the same keep-alive connection
        assert b'"seen": "yes"' not in await answer.read()
    upstream.close()


async def test_a_body_is_sent_with_its_length(server):
    upstream = pool(server)
    async with upstream.request("POST", b"/echo", [], b"hello", timeout=5) as answer:
        assert (await answer.read(), answer.header(b"x-length")) == (b"hello", "5")
    async with upstream.request("POST", b"/echo", [], b"", timeout=5) as answer:
        assert answer.header(b"x-length") == "0"
    upstream.close()


async def test_a_large_chunked_answer_streams_whole_and_in_order(server):
    upstream = pool(server)
    async with upstream.request("GET", b"/chunked", [], b"", timeout=5) as answer:
        assert answer.content_length is None
        received = [chunk async for chunk in answer.iter_any()]
    assert b"".join(received) == BIG
    upstream.close()


async def test_a_service_silent_past_the_timeout_raises_timeout_error(server):
    upstream = pool(server)
    with pytest.raises(TimeoutError):
        async with upstream.request("GET", b"/slow", [], b"", timeout=0.2):
            pass
    upstream.close()


async def test_an_answer_broken_off_raises_and_its_connection_is_not_reused(server):
    upstream = pool(server)
    with pytest.raises(UpstreamError):
        async with upstream.request("GET", b"/broken", [], b"", timeout=5) as answer:
            await answer.read()
    async with upstream.request("GET", b"/small", [], b"", timeout=5) as answer:
        assert answer.status == 200
    upstream.close()


async def test_a_refused_connection_is_not_reached():
    upstream = pool(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(NotReached):
        async with upstream.request("GET", b"/", [], b"", timeout=5):
            pass
