"""The gateway process: a bare ASGI front that sends ``/api/<service>/...`` to the proxy and
everything else (auth, docs, health, metrics) to a small FastAPI app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import Receive, Scope, Send

from jiceng_shared.asyncapi import asyncapi_document
from jiceng_shared.db import Database
from jiceng_shared.errors import install_problem_handlers, problem_response
from jiceng_shared.identity import InternalTokenSigner
from jiceng_shared.migrations import run_migrations
from jiceng_shared.observability import ObservabilityMiddleware, configure_logging, configure_tracing, metrics_response
from jiceng_shared.policy import load_policy
from jiceng_shared.service import NO_NATIVE_TELEMETRY, ServiceSpec

from gateway import seed
from gateway.auth.router import router as auth_router
from gateway.auth.service import Authenticator
from gateway.auth.tokens import AccessTokens
from gateway.config import GatewaySettings
from gateway.models import metadata
from gateway.openapi import MergedOpenAPI
from gateway.proxy import Proxy

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
DESCRIPTION = """The township governance platform (基层整合审批服务执法力量).

Log in with **Authorize** (password grant, e.g. `dispatcher.bufeng` / `demo`), then call any
service under `/api/<service>/v1`. Errors are RFC 9457 `application/problem+json` with a stable
`code`; lists are cursor-paginated (`limit`, `cursor` → `items`, `next_cursor`).
Every operation names the permission it needs (`x-permission`); `/auth/me` lists yours."""


def spec() -> ServiceSpec:
    """The gateway's database and demo seed, for the shared command line (migrate, seed, serve)."""
    return ServiceSpec(
        name="gateway",
        title="gateway",
        description="",
        settings_cls=GatewaySettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[],
        seed=seed.seed,
    )


class Gateway:
    """ASGI entry: the proxy takes service paths, the FastAPI app takes the rest (and the lifespan)."""

    def __init__(self, api: FastAPI, proxy: Proxy) -> None:
        self.api = api
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.proxy.handles(scope["path"]):
            await self.proxy(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(settings: GatewaySettings | None = None) -> Any:
    settings = settings or GatewaySettings()
    settings.check_production()
    configure_logging("gateway", settings.log_level)
    configure_tracing("gateway", settings.otel_exporter_otlp_endpoint)
    policy = load_policy()
    db = Database(settings.database_url, metadata=metadata, source="/gateway")
    tokens = AccessTokens(
        settings.access_private_key,
        settings.access_public_key,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    authenticator = Authenticator(db, tokens, cache_seconds=settings.principal_cache_seconds)
    signer = InternalTokenSigner(settings.internal_private_key, ttl_seconds=settings.internal_token_ttl_seconds)
    proxy = Proxy(
        upstreams=settings.upstreams(),
        policy=policy,
        authenticate=authenticator.principal_for,
        signer=signer,
        max_body_bytes=settings.max_body_bytes,
        timeout_seconds=settings.upstream_timeout_seconds,
        pool_size=settings.upstream_pool_size,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(run_migrations, MIGRATIONS, settings.database_url)
        await proxy.start()
        try:
            yield
        finally:
            await proxy.close()
            await db.dispose()

    api = FastAPI(
        title="Jiceng 基层 — township governance platform",
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        swagger_ui_oauth2_redirect_url=None,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    api.state.settings = settings
    api.state.db = db
    api.state.authenticator = authenticator
    api.state.signer = signer
    install_problem_handlers(api)
    api.include_router(auth_router)

    merged = MergedOpenAPI(
        base=lambda: _own_openapi(api),
        upstreams=settings.upstreams(),
        signer=signer,
        policy=policy,
        session_factory=lambda: proxy.session,
    )

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(await merged.document())

    @api.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        return JSONResponse(asyncapi_document(settings.events_prefix, settings.nats_url))

    @api.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Jiceng API",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        )

    @api.get("/docs/oauth2-redirect", include_in_schema=False)
    async def docs_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        try:
            await asyncio.wait_for(request.app.state.db.ping(), timeout=2)
        except Exception:  # noqa: BLE001 - not ready is the answer
            return problem_response(503, "not_ready", "Not ready", "unreachable: database", checks={"database": False})
        return JSONResponse({"status": "ready", "checks": {"database": True}})

    api.add_api_route("/metrics", metrics_response, include_in_schema=False)
    return ObservabilityMiddleware(Gateway(api, proxy), service="gateway")


def _own_openapi(api: FastAPI) -> dict[str, Any]:
    from fastapi.openapi.utils import get_openapi

    return get_openapi(title=api.title, version=api.version, description=api.description, routes=api.routes)
