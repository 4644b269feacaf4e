"""The gateway process: a bare ASGI front that sends ``/api/<service>/...`` to the proxy, the
identity administration ``/api/iam/...`` through the same access guard to the FastAPI app, and
everything else (auth, docs, health, metrics) to the FastAPI app directly."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from gateway import auditchain, docs, seed
from gateway.access import AccessGuard, GuardedApp, answer_problem
from gateway.audit import AuditLog
from gateway.auth import passwords
from gateway.auth.router import router as auth_router
from gateway.auth.service import Authenticator
from gateway.auth.tokens import AccessTokens
from gateway.clientinfo import AddressResolver
from gateway.config import GatewaySettings
from gateway.cors import GatewayCORS
from gateway.edge import Edge
from gateway.iam.changes import IdentityChanges
from gateway.iam.router import router as iam_router
from gateway.iam.rules import privileged_roles
from gateway.idempotency import IdempotencyStore
from gateway.limits import LoginLimits, SharedLoginThrottle, SharedRateLimiter
from gateway.models import metadata
from gateway.open311 import Open311Adapter
from gateway.openapi import MergedOpenAPI, enum_labels
from gateway.proxy import BodyTooLarge, Proxy, read_body
from gateway.webhooks.router import router as webhooks_router
from gateway.webhooks.worker import WebhookWorker
from jiceng_shared import county, personaldata
from jiceng_shared.areafeed import AreaCopy, follow_bucket, follow_in_registry
from jiceng_shared.asyncapi import asyncapi_document
from jiceng_shared.bus import EventBus
from jiceng_shared.db import Database, utcnow
from jiceng_shared.errors import Problem, install_problem_handlers, problem_response
from jiceng_shared.heap import freeze_startup_heap
from jiceng_shared.identity import InternalTokenSigner
from jiceng_shared.migrations import run_migrations
from jiceng_shared.observability import ObservabilityMiddleware, configure_logging, configure_tracing, metrics_response
from jiceng_shared.policy import Policy, load_policy
from jiceng_shared.service import NO_NATIVE_TELEMETRY, ServiceSpec
from jiceng_shared.textguard import BadCharactersGuard
from jiceng_shared.workdays import WorkdayCalendar, report_coverage

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
#: the map page and the map library it uses (vendored from npm, see static/leaflet/VENDORED.md)
STATIC = Path(__file__).resolve().parent / "static"
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
    """ASGI entry: the proxy takes service paths, the guard then the FastAPI app take ``/api/iam``,
    the FastAPI app takes the rest (and the lifespan). Bodies are limited on every path."""

    def __init__(
        self, api: FastAPI, proxy: Proxy, guard: AccessGuard, max_body_bytes: int, open311: Open311Adapter
    ) -> None:
        self.api = BadCharactersGuard(api)  # the services guard their own paths
        self.proxy = proxy
        self.open311 = open311
        self.guarded = GuardedApp(self.api, guard)
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
        elif self.proxy.handles(scope["path"]):
            await self.proxy(scope, receive, send)  # reads and limits the body itself
        elif self.open311.handles(scope["path"]):
            await self.open311(scope, receive, send)  # onto the proxy, with the client's identity
        else:
            if scope["method"] in ("POST", "PUT", "PATCH"):
                try:
                    receive = await buffered(scope, receive, self.max_body_bytes)
                except Problem as problem:
                    await answer_problem(scope, receive, send, problem)
                    return
            path = scope["path"]
            guarded = path.startswith("/api/") or path in ("/auth/me", "/auth/logout")
            app = self.guarded if guarded else self.api
            await app(scope, receive, send)


async def buffered(scope: Scope, receive: Receive, limit: int) -> Receive:
    """Read the (small) body of a gateway route within ``limit`` and hand it on in one message."""
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise Problem(400, "bad_request", "Bad Content-Length") from None
            if declared > limit:
                raise too_large(limit)
    try:
        body = await read_body(receive, limit)
    except BodyTooLarge:
        raise too_large(limit) from None
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # http.disconnect, when it comes

    return replay


def too_large(limit: int) -> Problem:
    return Problem(413, "payload_too_large", "Payload too large", f"at most {limit} bytes")


async def refuse_demo_credentials(db: Database, settings: GatewaySettings) -> None:
    """Production refuses to run while a demo account still opens with the development password."""
    from sqlalchemy import select

    from gateway.auth.passwords import verify_secret
    from gateway.models import User
    from jiceng_shared.devkeys import DEMO_PASSWORD
    from jiceng_shared.settings import InsecureConfiguration

    async with db.session() as session:
        hashes = set(
            (
                await session.scalars(
                    select(User.password_hash).where(
                        User.username.in_(seed.demo_usernames(county.registry(settings.county_dir))),
                        User.disabled.is_(False),
                    )
                )
            ).all()
        )
    for stored in hashes:  # the seed hashes once for all demo users: usually one verification
        if await verify_secret(stored, DEMO_PASSWORD):
            raise InsecureConfiguration(
                "refusing to start in production: demo accounts accept the development password; "
                "disable them or set their passwords"
            )


async def _follow_areas(bus: EventBus, areas: AreaCopy) -> None:
    """Keep the gateway's copy of the areas from svc-grid's bucket, resuming after any failure."""
    while True:
        try:
            await follow_bucket(bus, areas)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("area feed interrupted, resuming", exc_info=True)
            await asyncio.sleep(2)


def create_app(settings: GatewaySettings | None = None, policy: Policy | None = None) -> Any:
    settings = settings or GatewaySettings()
    settings.check_production()
    configure_logging("gateway", settings.log_level)
    configure_tracing("gateway", settings.otel_exporter_otlp_endpoint)
    # the audit log keeps the keyed hashes of the persons a call disclosed (personal access record)
    personaldata.configure(settings)
    passwords.configure(settings)
    policy = policy or load_policy()
    # a county or calendar file with an error stops the gateway here, naming file, record, problem
    county.install(settings.county_dir)
    calendar = WorkdayCalendar.from_settings(settings)
    db = Database.from_settings(settings, metadata=metadata, source="/gateway")
    tokens = AccessTokens(
        settings.access_private_key,
        settings.access_public_key,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    audit = AuditLog(db, queue_size=settings.audit_queue_size, flush_seconds=settings.audit_flush_seconds)
    throttle = SharedLoginThrottle(
        db,
        LoginLimits(
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_failure_window_seconds,
        ),
    )
    public_limiter = SharedRateLimiter(db, settings.public_rate_limit_per_minute)
    authenticator = Authenticator(
        db,
        tokens,
        cache_seconds=settings.principal_cache_seconds,
        throttle=throttle,
        audit=audit,
        mfa_roles=privileged_roles(policy) if settings.mfa_for_privileged_roles else frozenset(),
        totp_issuer=settings.totp_issuer,
        recovery_code_count=settings.recovery_code_count,
        session_idle_seconds=settings.session_idle_timeout_seconds,
        session_max_seconds=settings.session_max_seconds,
        password_max_age_days=settings.password_max_age_days,
    )
    signer = InternalTokenSigner(settings.internal_private_key, ttl_seconds=settings.internal_token_ttl_seconds)
    address = AddressResolver(settings.trusted_proxies)
    guard = AccessGuard(
        policy=policy,
        authenticate=authenticator.principal_for,
        audit=audit,
        address=address,
        public_limiter=public_limiter,
    )
    idempotency = IdempotencyStore(
        db,
        retention=dt.timedelta(hours=settings.idempotency_retention_hours),
        in_flight_seconds=settings.upstream_completion_seconds + 60,
    )
    proxy = Proxy(
        upstreams=settings.upstreams(),
        guard=guard,
        signer=signer,
        audit=audit,
        max_body_bytes=settings.max_body_bytes,
        timeout_seconds=settings.upstream_timeout_seconds,
        pool_size=settings.upstream_pool_size,
        idempotency=idempotency,
        completion_seconds=settings.upstream_completion_seconds,
    )

    def forget(subject: str | None) -> None:
        authenticator.invalidate(subject)
        if subject is not None:
            signer.forget(subject)

    changes = IdentityChanges(settings.nats_url, settings.invalidation_subject, forget)
    # the areas changed in svc-grid (jiceng_shared.areafeed): a binding on a retired grid is refused
    # without a restart, and the gateway's registry follows the changes like every service's
    areas = AreaCopy()
    areas.on_change(follow_in_registry(county.registry(settings.county_dir), utcnow))
    bus = EventBus(
        settings.nats_url,
        prefix=settings.events_prefix,
        stream=settings.stream_name,
        retention_days=settings.events_retention_days,
        client_name="gateway",
        replicas=settings.events_stream_replicas,
    )
    # webhooks for department systems: a durable consumer of the events and the delivery loop
    webhooks = WebhookWorker(db, bus, settings)
    changes.listen(settings.webhooks_changed_subject, webhooks.subscriptions.changed)

    async def subscriptions_changed() -> None:
        await changes.tell(settings.webhooks_changed_subject)

    webhooks.broadcast = subscriptions_changed

    async def prune_audit() -> None:
        await auditchain.prune(db, utcnow(), settings.audit_retention_days)

    async def sealing() -> None:
        """Chain the audit entries written meanwhile (every replica: they queue on the chain's head)."""
        while True:
            await asyncio.sleep(settings.audit_seal_seconds)
            try:
                await auditchain.seal_all(db, settings.audit_chain_algorithm)
            except Exception:
                log.warning("audit sealing failed; retrying", exc_info=True)

    async def housekeeping() -> None:
        """Expired idempotency keys, login failures and idle rate buckets are deleted regularly
        (by every replica: the deletes are idempotent)."""
        while True:
            await asyncio.sleep(settings.retention_prune_seconds)
            for prune in (idempotency.prune, throttle.prune, public_limiter.prune, prune_audit):
                try:
                    await prune()
                except Exception:
                    log.warning("gateway housekeeping failed", exc_info=True)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(run_migrations, MIGRATIONS, settings.migration_url)
        if settings.env == "production":
            try:
                await refuse_demo_credentials(db, settings)
            except Exception:
                await db.dispose()
                raise
        report_coverage(calendar, utcnow(), service="gateway")
        await audit.start()
        await proxy.start()
        await changes.start()
        background = [
            asyncio.create_task(bus.connect_forever(), name="nats-connect"),
            asyncio.create_task(_follow_areas(bus, areas), name="areas"),
            asyncio.create_task(housekeeping(), name="housekeeping"),
            asyncio.create_task(sealing(), name="audit-sealing"),
        ]
        await webhooks.start()
        freeze_startup_heap(settings.freeze_heap_after_start)
        try:
            yield
        finally:
            await webhooks.close()
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await bus.close()
            await changes.close()
            await proxy.close()
            await audit.close()
            await db.dispose()

    api = FastAPI(
        title="Jiceng 基层 — township governance platform",
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        generate_unique_id_function=lambda route: f"gateway_{route.name}",
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
    api.state.audit = audit
    api.state.address = address
    api.state.guard = guard
    api.state.idempotency = idempotency
    api.state.identity_changes = changes
    api.state.areas = areas
    api.state.webhooks = webhooks
    install_problem_handlers(api)

    api.include_router(auth_router)
    api.include_router(iam_router)
    api.include_router(webhooks_router)

    merged = MergedOpenAPI(
        base=lambda: own_openapi(api),
        upstreams=settings.upstreams(),
        signer=signer,
        policy=policy,
        session_factory=lambda: proxy.session,
    )

    @api.get(
        "/api/meta/v1/labels",
        tags=["contract"],
        summary="The Chinese label of every value of every closed set, by schema name (load once)",
    )
    async def labels() -> dict[str, dict[str, str]]:
        """``{"grid.IncidentStatus": {"closed": "已办结", ...}, ...}``: the ``x-enum-labels`` of the
        merged document, so the labels a front end shows are the contract's."""
        return enum_labels(await merged.document())

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(await merged.document())

    @api.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        return JSONResponse(asyncapi_document(settings.events_prefix, settings.nats_url))

    docs.install(api)

    @api.get("/map", include_in_schema=False)
    async def situational_map() -> HTMLResponse:
        """一张图: the command centre's map page (Leaflet vendored under /static, no CDN, no tiles);
        it logs in through /auth/token and reads /api/dispatch/v1/map/* with the caller's token."""
        return HTMLResponse((STATIC / "map.html").read_text(encoding="utf-8"))

    api.mount("/static", StaticFiles(directory=STATIC), name="static")

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        checks = {"database": False, "nats": changes.connected}
        try:
            await asyncio.wait_for(request.app.state.db.ping(), timeout=2)
            checks["database"] = True
        except Exception:
            pass
        if not all(checks.values()):
            failing = ", ".join(k for k, ok in checks.items() if not ok)
            return problem_response(503, "not_ready", "Not ready", f"unreachable: {failing}", checks=checks)
        # reported, never failing: without an official schedule deadlines count Monday-Friday
        coverage = report_coverage(calendar, utcnow(), service="gateway").as_json()
        return JSONResponse({"status": "ready", "checks": checks | {"calendar": coverage}})

    api.add_api_route("/metrics", metrics_response, include_in_schema=False)

    async def exchange(client_id: str, secret: str, at: str | None) -> str:
        token, _, _ = await authenticator.client_credentials_grant(client_id, secret, at)
        return token

    open311 = Open311Adapter(proxy, exchange=exchange, address=address, max_body_bytes=settings.max_body_bytes)
    gateway: Any = Gateway(api, proxy, guard, settings.max_body_bytes, open311)
    gateway = GatewayCORS(
        gateway,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Request-Id"],
        expose_headers=["Location", "Retry-After", "ETag", "X-Request-Id"],
        allow_credentials=False,  # bearer tokens, never cookies
        max_age=600,
    )
    app = ObservabilityMiddleware(Edge(gateway, address), service="gateway")
    app.api = api  # type: ignore[attr-defined]  # tests and tools reach the FastAPI app (state, lifespan)
    return app


def own_openapi(api: FastAPI) -> dict[str, Any]:
    from fastapi.openapi.utils import get_openapi

    return get_openapi(title=api.title, version=api.version, description=api.description, routes=api.routes)
