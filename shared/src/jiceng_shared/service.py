"""What every service process is made of, so each service only declares what is its own.

A service declares a :class:`ServiceSpec` (name, settings, tables, routers, event subscriptions,
background jobs, demo seed); :func:`create_service_app` turns it into a FastAPI app whose lifespan
migrates the database, connects to NATS, ensures the stream and the durable consumers, and runs
the outbox relay. Every ``/api/...`` path requires the gateway's internal token.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel
from sqlalchemy import MetaData, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from jiceng_shared import county, errors, personaldata
from jiceng_shared.aio import cancel_and_wait
from jiceng_shared.areafeed import AreaCopy, follow_in_registry, watch_areas
from jiceng_shared.bus import EventBus
from jiceng_shared.consumers import ConsumerGroup, Subscription
from jiceng_shared.db import Database, utcnow
from jiceng_shared.errors import install_problem_handlers, permission_denied, problem_response
from jiceng_shared.heap import freeze_startup_heap
from jiceng_shared.identity import InternalTokenError, InternalTokenVerifier, Principal
from jiceng_shared.migrations import run_migrations
from jiceng_shared.observability import ObservabilityMiddleware, configure_logging, configure_tracing, metrics_response
from jiceng_shared.openapi_problems import document_problems
from jiceng_shared.outbox import OutboxRelay
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of, paginate
from jiceng_shared.personaldata import DisclosureMiddleware
from jiceng_shared.settings import CommonSettings
from jiceng_shared.textguard import BadCharactersGuard
from jiceng_shared.workdays import WorkdayCalendar, report_coverage

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """Everything a request handler or an event handler of the service may need."""

    spec: ServiceSpec
    settings: Any
    db: Database
    bus: EventBus
    relay: OutboxRelay
    consumers: ConsumerGroup
    calendar: WorkdayCalendar
    #: the county's organisation (townships, villages, grids, organs, departments, stationed offices)
    org: county.Organisation = field(default_factory=county.current)
    extras: dict[str, Any] = field(default_factory=dict)
    #: the areas changed at run time in svc-grid (new, split, merged, retired grids...), kept
    #: current from the platform's area bucket by a background task (jiceng_shared.areafeed)
    areas: AreaCopy = field(default_factory=AreaCopy)

    def now(self) -> dt.datetime:
        """The service's "now": the wall clock, or a clock a test puts in ``extras["clock"]`` to stand
        on a given day (a holiday eve, the day after a deadline) instead of waiting for it."""
        clock = self.extras.get("clock")
        return clock().astimezone(dt.UTC) if clock is not None else utcnow()


def file_clock(path: Path) -> Callable[[], dt.datetime]:
    """The instant written in ``path``, or the wall clock while the file is absent or empty."""

    def now() -> dt.datetime:
        try:
            text = path.read_text().strip()
        except FileNotFoundError:
            text = ""
        return dt.datetime.fromisoformat(text) if text else utcnow()

    return now


BackgroundJob = Callable[[ServiceContext], Awaitable[None]]

#: FastAPI's own OpenTelemetry would open a second server span (and one per dependency) inside
#: ObservabilityMiddleware's; one span per request, shared by the gateway's raw ASGI path, is enough.
NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    settings_cls: type[CommonSettings]
    metadata: MetaData
    migrations_dir: Path
    routers: list[APIRouter]
    #: the event subscriptions; called with the context so handlers can use settings and calendar
    subscriptions: Callable[[ServiceContext], list[Subscription]] = lambda _ctx: []
    #: long-running jobs (deadline scanners...), each restarted if it fails
    background: list[BackgroundJob] = field(default_factory=list)
    seed: Callable[[ServiceContext], Awaitable[None]] | None = None
    version: str = "0.1.0"

    @property
    def api_prefix(self) -> str:
        return f"/api/{self.name}/v1"


def build_context(spec: ServiceSpec, settings: CommonSettings) -> ServiceContext:
    db = Database.from_settings(settings, metadata=spec.metadata, source=f"/svc-{spec.name}")
    bus = EventBus(
        settings.nats_url,
        prefix=settings.events_prefix,
        stream=settings.stream_name,
        retention_days=settings.events_retention_days,
        client_name=f"svc-{spec.name}",
        replicas=settings.events_stream_replicas,
    )
    relay = OutboxRelay(
        db,
        bus,
        service=spec.name,
        poll_seconds=settings.outbox_poll_seconds,
        sent_retention=dt.timedelta(days=settings.outbox_retention_days),
        inbox_retention=dt.timedelta(days=settings.inbox_retention_days),
        prune_interval_seconds=settings.retention_prune_seconds,
    )
    calendar = WorkdayCalendar.from_settings(settings)
    org = county.install(settings.county_dir)
    ctx = ServiceContext(spec, settings, db, bus, relay, consumers=None, calendar=calendar, org=org)  # type: ignore[arg-type]  # set below: the group needs ctx.now
    if settings.env == "test" and settings.clock_file is not None:
        ctx.extras["clock"] = file_clock(settings.clock_file)
    # areas changed in svc-grid reach this process's registry when they take effect (no restart)
    ctx.areas.on_change(follow_in_registry(ctx.org, ctx.now))
    ctx.consumers = ConsumerGroup(
        db,
        bus,
        spec.subscriptions(ctx),
        service=spec.name,
        max_deliver=settings.consumer_max_deliver,
        backoff_seconds=settings.consumer_backoff_seconds,
        concurrency=settings.consumer_concurrency,
        ack_wait_seconds=settings.consumer_ack_wait_seconds,
    )
    return ctx


async def _supervise(name: str, job: BackgroundJob, ctx: ServiceContext) -> None:
    while True:
        try:
            await job(ctx)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job failed, restarting", extra={"job": name})
            await asyncio.sleep(2)


#: the advisory lock (one per service database) held by the replica that runs the background jobs
JOBS_LOCK_KEY = 0x4A4A_0B5  # "jobs"


async def run_jobs_as_leader(ctx: ServiceContext, retry_seconds: float | None = None) -> None:
    """Run the service's background jobs in one replica only.

    On PostgreSQL the replica holding a session advisory lock on its own connection (outside the
    pools; behind PgBouncer it needs ``database_direct_url``) runs them; the others try again every
    ``job_leader_retry_seconds``. A leader that dies or loses its connection releases the lock with
    it (PostgreSQL drops a session's locks when the session ends), and its jobs stop at the next
    heartbeat. SQLite has one process: the jobs simply run.
    """
    jobs = ctx.spec.background
    if ctx.db.is_sqlite:
        await asyncio.gather(*(_supervise(getattr(j, "__name__", "job"), j, ctx) for j in jobs))
        return
    retry = retry_seconds if retry_seconds is not None else ctx.settings.job_leader_retry_seconds
    engine = ctx.db.lock_engine()
    while True:
        try:
            async with engine.connect() as conn:
                held = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": JOBS_LOCK_KEY})
                await conn.commit()
                if not held:
                    await conn.close()
                    await asyncio.sleep(retry)
                    continue
                log.info("this replica runs the background jobs", extra={"service": ctx.spec.name})
                ctx.extras["job_leader"] = True
                running = [
                    asyncio.create_task(_supervise(getattr(j, "__name__", "job"), j, ctx), name="job") for j in jobs
                ]
                try:
                    while True:  # the lock lives as long as this connection: check it still does
                        await asyncio.sleep(retry)
                        await conn.execute(text("SELECT 1"))
                        await conn.commit()
                finally:
                    ctx.extras["job_leader"] = False
                    await cancel_and_wait(running)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("job leadership lost or not reachable", extra={"error": repr(exc)[:300]})
            await asyncio.sleep(retry)


class InternalAuthMiddleware:
    """Every ``/api/`` path needs a valid internal token; without it: 401 and nothing else."""

    def __init__(self, app: ASGIApp, verifier: InternalTokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            token = None
            for key, value in scope["headers"]:
                if key == b"x-jiceng-internal":
                    token = value.decode("latin-1")
                    break
            try:
                if token is None:
                    raise InternalTokenError("missing")
                scope.setdefault("state", {})["principal"] = self.verifier.verify(token)
            except InternalTokenError:
                response = problem_response(401, "unauthenticated", "Authentication required")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_service_app(spec: ServiceSpec, settings: CommonSettings | None = None) -> FastAPI:
    settings = settings or spec.settings_cls()
    settings.check_production()
    personaldata.configure(settings)
    configure_logging(f"svc-{spec.name}", settings.log_level)
    configure_tracing(f"svc-{spec.name}", settings.otel_exporter_otlp_endpoint)
    # a county or a calendar file with an error stops the process here, naming file, record, problem
    county.install(settings.county_dir)
    WorkdayCalendar.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(run_migrations, spec.migrations_dir, settings.migration_url)
        ctx = build_context(spec, settings)
        app.state.ctx = ctx
        if getattr(app.state, "clock", None) is not None:  # a test starts the process on a chosen day
            ctx.extras["clock"] = app.state.clock
        report_coverage(ctx.calendar, ctx.now(), service=spec.name)
        tasks = [
            asyncio.create_task(ctx.bus.connect_forever(), name="nats-connect"),
            asyncio.create_task(ctx.relay.run(), name="outbox-relay"),
            asyncio.create_task(_supervise("areas", watch_areas, ctx), name="areas"),
        ]
        if spec.background:
            tasks.append(asyncio.create_task(run_jobs_as_leader(ctx), name="jobs"))
        await ctx.consumers.start()
        freeze_startup_heap(settings.freeze_heap_after_start)
        try:
            yield
        finally:
            await ctx.consumers.stop()
            await cancel_and_wait(tasks)
            await ctx.bus.close()
            await ctx.db.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        openapi_url=f"{spec.api_prefix}/openapi.json",
        # stable, readable operation ids (``dispatch_register_ticket``): generated clients name
        # their methods after them
        generate_unique_id_function=lambda route: f"{spec.name}_{route.name}",
        docs_url=None,
        redoc_url=None,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    app.state.spec = spec
    app.state.settings = settings
    _document_problems(app)
    install_problem_handlers(app)
    for router in spec.routers:
        app.include_router(router, prefix=spec.api_prefix)
    app.include_router(_dead_letter_router(spec), prefix=spec.api_prefix)
    app.add_api_route("/healthz", _healthz, include_in_schema=False)
    app.add_api_route("/readyz", _readyz, include_in_schema=False)
    app.add_api_route("/metrics", metrics_response, include_in_schema=False)
    # innermost: names the persons the answer is about, for the gateway's audit entry
    app.add_middleware(DisclosureMiddleware)
    # inside the authentication: an unauthenticated caller learns nothing but 401
    app.add_middleware(BadCharactersGuard)
    app.add_middleware(InternalAuthMiddleware, verifier=InternalTokenVerifier(settings.internal_public_key))
    app.add_middleware(ObservabilityMiddleware, service=f"svc-{spec.name}")
    return app


def _document_problems(app: FastAPI) -> None:
    """The app's OpenAPI document lists every operation's problem responses (see openapi_problems)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(plain())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document


async def _healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _readyz(request: Request) -> JSONResponse:
    ctx: ServiceContext | None = getattr(request.app.state, "ctx", None)
    required = {"database": False, "nats": False}
    if ctx is not None:
        try:
            await asyncio.wait_for(ctx.db.ping(), timeout=2)
            required["database"] = True
        except Exception:
            pass
        required["nats"] = ctx.bus.connected
    checks: dict[str, Any] = dict(required)
    # the calendar check reports, it never makes the process unready: without an official schedule
    # the uncovered days count Monday-Friday (and a warning is logged)
    if ctx is not None:
        checks["calendar"] = report_coverage(ctx.calendar, ctx.now(), service=ctx.spec.name).as_json()
    if all(required.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    failing = ", ".join(k for k, ok in required.items() if not ok)
    return errors.problem_response(503, "not_ready", "Not ready", f"unreachable: {failing}", checks=checks)


# --- dependencies for routers ---------------------------------------------------------------


# Dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker
# thread, a thread hop on every request for what is an attribute lookup.


async def get_ctx(request: Request) -> ServiceContext:
    return request.app.state.ctx


async def current_principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:  # only reachable if a route lives outside /api/
        raise errors.unauthenticated()
    return principal


def require(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency giving the caller, who must hold ``permission`` in at least one scope."""

    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if not principal.can(permission):
            raise permission_denied(permission)
        return principal

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency


Ctx = Annotated[ServiceContext, Depends(get_ctx)]
Caller = Annotated[Principal, Depends(current_principal)]


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.ctx.db.transaction() as session:
        yield session


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.ctx.db.session() as session:
        yield session


async def _snapshot_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.ctx.db.snapshot() as session:
        yield session


# The use case's session comes from a dependency instead of an ``async with ctx.db.transaction()``
# preamble in every route. ``scope="function"`` ends it (commit, or rollback on an error) as soon
# as the route function returns, before the response is sent: a failed commit is the caller's
# error response, never a 201 for a write that did not happen.
#: a transaction: committed when the route returns, rolled back if it raises
Tx = Annotated[AsyncSession, Depends(_write_session, scope="function")]
#: a read-only session (autocommit on PostgreSQL: no BEGIN/ROLLBACK round trips)
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
#: a read-only transaction seeing one moment: for reads of several statements that must agree, or
#: that set options for the transaction (``plan_for_these_values``)
SnapshotSession = Annotated[AsyncSession, Depends(_snapshot_session, scope="function")]


# --- dead letters: inspect and replay (ops) --------------------------------------------------


class DeadLetterOut(BaseModel):
    id: str
    consumer: str
    event_id: str | None
    event_type: str | None
    subject: str
    error: str
    deliveries: int
    failed_at: Any
    replayed_at: Any | None


def _dead_letter_router(spec: ServiceSpec) -> APIRouter:
    permission = f"{spec.name}.dead_letter.manage"
    router = APIRouter(prefix="/admin/dead-letters", tags=["operations"], dependencies=[Depends(require(permission))])

    @router.get("", response_model=Page[DeadLetterOut], summary="Events that failed every delivery, newest first")
    async def list_dead_letters(
        ctx: Ctx,
        session: ReadSession,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Page[DeadLetterOut]:
        table = ctx.db.infra.dead_letters
        stmt = paginate(select(table), table.c.failed_at, table.c.id, limit=limit, cursor=cursor)
        rows, next_cursor = page_of(list((await session.execute(stmt)).all()), limit, created="failed_at")
        return Page(items=[DeadLetterOut.model_validate(dict(r._mapping)) for r in rows], next_cursor=next_cursor)

    @router.post("/{dead_letter_id}/replay", summary="Apply a dead-lettered event again")
    async def replay(dead_letter_id: str, ctx: Ctx) -> dict[str, Any]:
        try:
            applied = await ctx.consumers.replay(dead_letter_id)
        except KeyError:
            raise errors.not_found("dead letter", dead_letter_id) from None
        except LookupError as exc:
            raise errors.Problem(409, "no_handler", "No handler", str(exc)) from None
        return {"id": dead_letter_id, "applied": applied}

    return router
