"""pytest fixtures shared by every test suite of the project (loaded by the root ``conftest.py``).

- ``infra``: PostgreSQL and NATS on 127.0.0.1, started when installed but stopped;
- ``service_runner``: runs one service in-process on a fresh database and its own event stream,
  with an httpx client on the app (``ASGITransport``) and its real lifespan (relay, consumers);
- ``stack``: the six processes as real OS processes on fresh PostgreSQL databases (end-to-end);
- ``headers_for``: the gateway's internal token for a principal, to call a service directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import importlib.util
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError

from jiceng_shared import devkeys
from jiceng_shared.events import EventPayload, build_event, nats_subject
from jiceng_shared.identity import INTERNAL_HEADER, Binding, InternalTokenSigner, Principal
from jiceng_shared.service import ServiceContext, ServiceSpec, create_service_app
from jiceng_shared.testing.infra import TestInfra, prepare

T = TypeVar("T")

# gateway/ is named like its package: import the real package before any conftest below it is
# collected, or pytest's importlib mode turns the folder into a namespace module "gateway"
with contextlib.suppress(ImportError):
    importlib.import_module("gateway")

_signer = InternalTokenSigner(devkeys.INTERNAL_PRIVATE_KEY)

#: a retention-prune interval no test run reaches (a year)
NO_TIMED_PRUNE = 365 * 24 * 3600


def principal(
    *bindings: tuple[str, str] | tuple[str, str, str | None],
    name: str = "tester",
    subject: str | None = None,
    kind: str = "user",
    username: str | None = None,
) -> Principal:
    """A principal with bindings given as (role, area) or (role, area, dept)."""
    return Principal(
        subject=subject or f"test-{uuid.uuid4().hex[:8]}",
        name=name,
        kind=kind,  # type: ignore[arg-type]  # tests also build kinds the gateway never issues
        bindings=tuple(Binding(b[0], b[1], b[2] if len(b) > 2 else None) for b in bindings),
        username=username,
    )


def demo_principal(username: str) -> Principal:
    """The principal of a demo user of demo-data.md, as the gateway would forward it."""
    from jiceng_shared import demo

    user = demo.USER_BY_NAME[username]
    return principal(*user.bindings, name=user.display_name, subject=f"demo-{username}", username=username)


def headers_for(who: Principal) -> dict[str, str]:
    return {INTERNAL_HEADER: _signer.token_for(who)}


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, interval: float = 0.05) -> T:
    """Await ``check()`` until it returns a truthy value (or raise its last AssertionError)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: BaseException | None = None
    while True:
        try:
            value = await check()
            if value:
                return value
        except AssertionError as exc:
            last = exc
        if asyncio.get_running_loop().time() > deadline:
            if last:
                raise last
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


@dataclass
class RunningService:
    app: Any
    ctx: ServiceContext
    client: httpx.AsyncClient
    prefix: str

    async def publish(
        self,
        payload: EventPayload,
        *,
        subject: str,
        township: str,
        correlation_id: str | None = None,
        source: str = "/test",
        time: dt.datetime | None = None,
    ) -> str:
        """Publish an event on this service's stream as another service would (real JetStream)."""
        event = build_event(
            payload, source=source, subject=subject, township=township, correlation_id=correlation_id, time=time
        )
        js = await self.ctx.bus.wait_ready()
        await js.publish(
            nats_subject(self.prefix, payload.event_type),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": event.id},
        )
        return event.id

    async def drained(self, subscription: str, *, timeout: float = 15.0) -> None:
        """Wait until the subscription's durable consumer has handled and acked all it was sent."""
        sub = self.ctx.consumers.by_name[subscription]
        js = await self.ctx.bus.wait_ready()

        async def done() -> bool:
            info = await js.consumer_info(self.ctx.bus.stream, self.ctx.consumers.durable(sub))
            return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0

        await eventually(done, timeout=timeout)

    async def seed(self) -> None:
        assert self.ctx.spec.seed is not None
        await self.ctx.spec.seed(self.ctx)


class ServiceClock:
    """Stands a running service on a chosen instant (``ServiceContext.now``): tests travel to a
    holiday eve or past a deadline instead of waiting for it."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.at: dt.datetime | None = None

    def set(self, at: dt.datetime) -> dt.datetime:
        self.at = at.astimezone(dt.UTC)
        self.ctx.extras["clock"] = lambda: self.at
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        assert self.at is not None, "set the clock first"
        return self.set(self.at + dt.timedelta(**delta))

    def now(self) -> dt.datetime:
        return self.at or dt.datetime.now(dt.UTC)

    def reset(self) -> None:
        self.ctx.extras.pop("clock", None)
        self.at = None


class StackClock:
    """The clock of every service of the end-to-end stack (``JICENG_CLOCK_FILE``): a test stands
    them all on one instant, and ``reset`` gives them the wall clock back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.at: dt.datetime | None = None

    def set(self, at: dt.datetime) -> dt.datetime:
        self.at = at.astimezone(dt.UTC)
        self.path.write_text(self.at.isoformat())
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        assert self.at is not None, "set the clock first"
        return self.set(self.at + dt.timedelta(**delta))

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)
        self.at = None


class Databases:
    """Fresh databases for one test session, dropped at its end."""

    def __init__(self, infra: TestInfra, sqlite_dir: Path) -> None:
        self.infra = infra
        self.sqlite_dir = sqlite_dir
        self.created: list[str] = []
        #: per migrations directory, a database migrated to its head once this session, copied
        self._templates: dict[Path, str] = {}
        self._templates_lock = asyncio.Lock()

    async def create(self, label: str, *, migrated_by: Path | None = None) -> str:
        """A fresh database; ``migrated_by``: at the head of that migrations directory already, as a
        copy of a template migrated once a session (PostgreSQL): a service's migrations take about
        a second of DDL, a copy a tenth, and a session creates a hundred service databases. The
        service's own migration at start then finds nothing to do."""
        name = f"jt_{label}_{uuid.uuid4().hex[:8]}"
        if self.infra.database == "postgres":
            template = await self._template(label, migrated_by) if migrated_by and migrated_by.is_dir() else None
            await self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            self.created.append(name)
        return self.infra.database_url(name, self.sqlite_dir)

    async def _template(self, label: str, migrations: Path) -> str:
        from jiceng_shared.migrations import run_migrations

        async with self._templates_lock:
            if migrations not in self._templates:
                name = f"jt_{label}_template_{uuid.uuid4().hex[:8]}"
                await self._admin(f'CREATE DATABASE "{name}"')
                self.created.append(name)
                await asyncio.to_thread(run_migrations, migrations, self.infra.database_url(name, self.sqlite_dir))
                self._templates[migrations] = name
            return self._templates[migrations]

    async def _admin(self, statement: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.infra.pg_admin_dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    async def drop_all(self, *, at_once: int = 8) -> None:
        """Drop the session's databases, several at a time: each DROP DATABASE waits for a checkpoint
        (1.7 s each on this machine), and drops waiting together share one (12 took 5 s, not 20)."""
        if self.infra.database != "postgres" or not self.created:
            return
        import asyncpg

        slots = asyncio.Semaphore(at_once)

        async def drop(name: str) -> None:
            async with slots:
                conn = await asyncpg.connect(self.infra.pg_admin_dsn)
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await conn.close()

        await asyncio.gather(*(drop(name) for name in self.created))
        self.created.clear()


async def delete_stream(nats_url: str, prefix: str) -> None:
    """Delete the run's event stream and its area bucket (jiceng_shared.areafeed)."""
    from jiceng_shared.areafeed import bucket_name

    nc = await nats.connect(nats_url)
    try:
        for stream in (prefix.upper(), f"KV_{bucket_name(prefix)}"):
            with contextlib.suppress(NotFoundError):
                await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: runs the six processes through the gateway")


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> TestInfra:
    found = prepare(tmp_path_factory.mktemp("infra"))
    for note in found.notes:
        print(f"\n[jiceng tests] {note}")
    return found


@pytest.fixture(scope="session")
async def databases(infra: TestInfra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Databases]:
    dbs = Databases(infra, tmp_path_factory.mktemp("sqlite"))
    yield dbs
    await dbs.drop_all()


@pytest.fixture(scope="session")
def service_runner(infra: TestInfra, databases: Databases) -> Callable[..., Any]:
    @asynccontextmanager
    async def run(
        spec_factory: Callable[[], ServiceSpec],
        *,
        wait_for_nats: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
        **overrides: Any,
    ) -> AsyncIterator[RunningService]:
        """Run the service; ``clock`` stands it on a chosen instant from its start (``ServiceClock``
        does the same once it runs), ``overrides`` are settings."""
        spec = spec_factory()
        # each run starts from the county's files: area changes an earlier run applied to the
        # process's registry (jiceng_shared.areafeed → ctx.org) must not leak into this one
        from jiceng_shared import county

        county._registry.clear()
        prefix = overrides.get("events_prefix") or f"t{uuid.uuid4().hex[:10]}"
        settings = spec.settings_cls(
            **{
                "database_url": await databases.create(
                    spec.name, migrated_by=spec.migrations_dir if overrides.get("migrate_on_start", True) else None
                ),
                "nats_url": infra.nats_url,
                "events_prefix": prefix,
                "env": "test",
                "outbox_poll_seconds": 0.2,
                "consumer_backoff_seconds": [0.05, 0.1, 0.2],
                # several suites (and developers) share one PostgreSQL of 100 connections
                "database_pool_size": 3,
                # tests travel in time, both ways: the retention prune runs when a test calls it,
                # never on a timer while another test stands the clock weeks away from its rows
                "retention_prune_seconds": NO_TIMED_PRUNE,
                # hundreds of services start in one test process (jiceng_shared.heap)
                "freeze_heap_after_start": False,
                **overrides,
            }
        )
        app = create_service_app(spec, settings)
        app.state.clock = clock
        try:
            async with app.router.lifespan_context(app):
                ctx: ServiceContext = app.state.ctx
                if wait_for_nats:
                    await asyncio.wait_for(ctx.bus.wait_ready(), timeout=15)
                    for sub in ctx.consumers.subscriptions:
                        await ctx.consumers.ensure_consumer(sub)
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
                    yield RunningService(app, ctx, client, prefix)
        finally:
            if "events_prefix" not in overrides:  # a stream of its own; a shared one is its owner's
                await delete_stream(infra.nats_url, prefix)

    return run


async def stack_env(
    infra: TestInfra, databases: Databases, *, nats_url: str, prefix: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of a test stack: fresh databases, a private event stream, small pools."""
    from jiceng_shared.topology import PROCESSES

    env = (
        dict(os.environ)
        | {
            "JICENG_ENV": "test",
            "JICENG_NATS_URL": nats_url,
            "JICENG_EVENTS_PREFIX": prefix,
            "JICENG_DATA_DIR": str(data_dir),
            "JICENG_LOG_LEVEL": "WARNING",
            "JICENG_OUTBOX_POLL_SECONDS": "0.5",
            "JICENG_CONSUMER_BACKOFF_SECONDS": "[0.1, 0.2, 0.5]",
            # a stack holds at most 30 connections (README "Connection budget") of PostgreSQL's 100,
            # so several test runs can share the machine's server
            "JICENG_DATABASE_POOL_SIZE": "3",
            # the end-to-end tests call public routes far more often than a person would; the limit
            # itself is tested in gateway/tests
            "GATEWAY_PUBLIC_RATE_LIMIT_PER_MINUTE": "1000000",
            # absent: the wall clock; ``StackClock`` writes it to travel in every service at once
            "JICENG_CLOCK_FILE": str(data_dir / "clock"),
            # as in the service runner: no timed retention prune while tests move the clock
            "JICENG_RETENTION_PRUNE_SECONDS": str(NO_TIMED_PRUNE),
            # the deadline jobs look every 2 s, not every 30-60: a test that moves the clock past a
            # limit sees the job's work in seconds instead of waiting out the interval
            "DISPATCH_SUPERVISION_SCAN_SECONDS": "2",
            "APPROVAL_SCAN_INTERVAL_SECONDS": "2",
            "ENFORCEMENT_OVERDUE_SCAN_SECONDS": "2",
            # an event delivered to a process killed by a crash test comes again 10 s later, not 30
            # (applied twice it is not: the inbox drops a redelivery, whatever its timing)
            "JICENG_CONSUMER_ACK_WAIT_SECONDS": "10",
        }
        | extra
    )
    for process in PROCESSES:
        env[f"{process.env_prefix}DATABASE_URL"] = await databases.create(
            process.name, migrated_by=migrations_of(process.package)
        )
    return env


def migrations_of(package: str) -> Path:
    """A process's migrations directory (``<package dir>/migrations``), found without importing it."""
    found = importlib.util.find_spec(package)
    assert found is not None and found.origin is not None, package
    return Path(found.origin).resolve().parents[2] / "migrations"


@pytest.fixture(scope="session")
def otlp_receiver() -> Any:
    """Where the end-to-end stack's processes export their spans (OTLP/HTTP), as to a collector."""
    from jiceng_shared.testing.otlp import OTLPReceiver

    receiver = OTLPReceiver().start()
    yield receiver
    receiver.stop()


@asynccontextmanager
async def _running_stack(
    infra: TestInfra, databases: Databases, data_dir: Path, extra_env: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    from jiceng_shared.stack import Stack, free_port
    from jiceng_shared.topology import PROCESSES

    prefix = f"e{uuid.uuid4().hex[:10]}"
    env = await stack_env(
        infra, databases, nats_url=infra.nats_url, prefix=prefix, data_dir=data_dir, **(extra_env or {})
    )
    running = Stack(env=env, log_dir=data_dir / "logs", ports={p.name: free_port() for p in PROCESSES})
    running.clock = StackClock(data_dir / "clock")  # type: ignore[attr-defined]  # the tests' handle on the stack's clock
    try:
        running.start(seed=True)
        await asyncio.to_thread(running.wait_ready, 120)
        yield running
    finally:
        await asyncio.to_thread(running.stop)
        await delete_stream(infra.nats_url, prefix)


@pytest.fixture(scope="session")
async def stack(
    infra: TestInfra, databases: Databases, tmp_path_factory: pytest.TempPathFactory, otlp_receiver: Any
) -> AsyncIterator[Any]:
    """All six processes, on fresh databases, a private event stream and free ports (the demo
    county), exporting their spans to the test's OTLP receiver."""
    otlp = {"JICENG_OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.endpoint}
    async with _running_stack(infra, databases, tmp_path_factory.mktemp("stack"), otlp) as running:
        yield running


@pytest.fixture(scope="module")
async def stack_for(
    infra: TestInfra, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """A factory: ``await stack_for(county_dir)`` starts the six processes on another county
    (``JICENG_COUNTY_DIR``; ``env`` adds variables), once per county directory and module: stopped
    when the module ends, so it does not hold its 30 connections and its timers through the rest
    of the session."""
    stacks = contextlib.AsyncExitStack()
    started: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}

    async def start(county_dir: Path | str, env: dict[str, str] | None = None) -> Any:
        key = (str(Path(county_dir).resolve()), tuple(sorted((env or {}).items())))
        if key not in started:
            extra = {"JICENG_COUNTY_DIR": key[0], **(env or {})}
            started[key] = await stacks.enter_async_context(
                _running_stack(infra, databases, tmp_path_factory.mktemp("stack_county"), extra)
            )
        return started[key]

    async with stacks:
        yield start
