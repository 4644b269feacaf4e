"""Async SQLAlchemy 2 engine and sessions for PostgreSQL (asyncpg) and SQLite (aiosqlite).

Every service builds its tables on a ``MetaData`` from :func:`make_metadata` so constraint
names are stable across both databases and Alembic can drop and rename them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, MetaData, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import NullPool

from jiceng_shared.columns import NAMING_CONVENTION as NAMING_CONVENTION
from jiceng_shared.columns import JSONDocument as JSONDocument
from jiceng_shared.columns import UTCDateTime as UTCDateTime
from jiceng_shared.columns import make_metadata as make_metadata
from jiceng_shared.tables import add_infrastructure_tables


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: how the declarative bases map annotations to column types
TYPE_ANNOTATION_MAP: dict[Any, Any] = {
    dt.datetime: UTCDateTime(),
    dict[str, Any]: JSONDocument(),
    list[Any]: JSONDocument(),
}


def make_base(metadata: MetaData | None = None) -> type[DeclarativeBase]:
    """A declarative base on a fresh ``MetaData``. A module the type checker reads declares its
    base as a class instead (``class Base(DeclarativeBase)`` with ``metadata = make_metadata()``
    and ``type_annotation_map = TYPE_ANNOTATION_MAP``): a base returned by a call is not a type to it.
    """
    md = metadata or make_metadata()

    class Base(DeclarativeBase):
        metadata = md
        type_annotation_map = TYPE_ANNOTATION_MAP

    return Base


def rowcount(result: Any) -> int:
    """The rows an INSERT, UPDATE or DELETE touched (``session.execute`` is typed as returning a
    plain ``Result``; for those statements it is a ``CursorResult``, which has the count)."""
    return cast("CursorResult[Any]", result).rowcount


#: a parameter the caller must give (it has no value of its own in the statement)
_GIVEN: Any = object()


class DriverStatement(NamedTuple):
    """A statement compiled once for the driver: its SQL, and its parameters in order with each
    one's conversion (its column type's bind processor: encryption, JSON), if it has one, and the
    value the statement itself gives it (a literal of the statement, like a status compared to)."""

    sql: str
    params: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]
    #: the parameters the caller gives: a row without one leaves its column to the column's default
    names: frozenset[str]

    def args(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            (values[name] if own is _GIVEN else values.get(name, own))
            if convert is None
            else convert(values[name] if own is _GIVEN else values.get(name, own))
            for name, convert, own in self.params
        )


#: statements as the driver runs them, per statement and dialect
_FOR_THE_DRIVER: dict[tuple[Any, str], DriverStatement] = {}


def for_the_driver(stmt: Any, dialect: Dialect) -> DriverStatement:
    """``stmt`` (a statement built once: an INSERT, UPDATE, DELETE or a hot SELECT) compiled once,
    to be run as the driver's SQL (on a session's connection, in its transaction, or on the
    driver's connection itself): through SQLAlchemy's statement cache, every run keys, looks up and
    processes each parameter one by one, which for a hot write (an outbox event with a hundred-odd
    parameters, an audit entry) cost more CPU than the rest of the write."""
    key = (stmt, dialect.name)
    found = _FOR_THE_DRIVER.get(key)
    if found is None:
        compiled = stmt.compile(dialect=dialect)
        names = compiled.positiontup or []
        own = {n: _GIVEN if compiled.binds[n].value is None else compiled.binds[n].value for n in names}
        found = DriverStatement(
            str(compiled),
            tuple((n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect), own[n]) for n in names),
            frozenset(n for n in names if own[n] is _GIVEN),
        )
        if len(_FOR_THE_DRIVER) > 1000:  # statements are built once per shape; bound anyway
            _FOR_THE_DRIVER.clear()
        _FOR_THE_DRIVER[key] = found
    return found


def dialect_insert(session_or_conn: Any, table: Any) -> Any:
    """An INSERT supporting ``on_conflict_do_nothing`` on the session's database."""
    name = session_or_conn.bind.dialect.name if hasattr(session_or_conn, "bind") else session_or_conn.dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


async def run_compiled(session: AsyncSession, stmt: Any, params: dict[str, Any]) -> Any:
    """``session.execute(stmt, params)``, on PostgreSQL as the driver's SQL compiled once
    (:func:`for_the_driver`) on the session's connection, after flushing what the session holds
    pending (as its autoflush would). For a hot statement built once: through the session its
    cache key, ORM execution context and result cost more CPU than running it. Its rows come as the
    driver gives them (no result processing: a JSON column is decoded by the driver already)."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return await session.execute(stmt, params)
    compiled = for_the_driver(stmt, dialect)
    await session.flush()
    return await (await session.connection()).exec_driver_sql(compiled.sql, compiled.args(params))


@asynccontextmanager
async def pooled_driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """The driver's (asyncpg's) connection of a connection from ``engine``'s pool, for fixed SQL
    run on it directly. SQLAlchemy sees nothing raised there: a connection the server cut (a
    restart, an outage) would go back to the pool as good and fail every use until its recycle.
    So one that is closed after an error, or that failed below PostgreSQL's errors, is invalidated
    (the pool opens a new one), as SQLAlchemy does for what runs through it."""
    import asyncpg

    async with engine.connect() as conn:
        raw: Any = (await conn.get_raw_connection()).driver_connection
        try:
            yield raw
        except BaseException as exc:
            if (
                raw.is_closed()
                or not isinstance(exc, asyncpg.PostgresError)
                or isinstance(exc, asyncpg.exceptions.OperatorInterventionError)
            ):
                await conn.invalidate()
            raise


async def driver(session: AsyncSession) -> Any | None:
    """The session's asyncpg connection, inside the session's transaction; None on SQLite.

    A statement run through an ORM session costs several times its run on the driver (its
    parameters keyed, processed, the result wrapped): measured alone, an INSERT of three values
    ~850 µs through ``session.execute`` against ~150 µs on the driver. Hot statements whose SQL is
    fixed (the inbox's, the outbox's) take this path. The adapter of SQLAlchemy's asyncpg dialect
    sends BEGIN lazily, with its first statement: it is begun here if not yet, so what runs on the
    driver is committed or rolled back with the session (``_start_transaction`` and
    ``_transaction`` are the adapter's own; SQLAlchemy is pinned, and a test holds them to this).
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
    if adapted._transaction is None and not adapted.autocommit:  # type: ignore[union-attr]
        await adapted._start_transaction()  # type: ignore[union-attr]
    return adapted.driver_connection  # type: ignore[union-attr]


async def plan_for_these_values(session: AsyncSession) -> None:
    """Have PostgreSQL plan the rest of this transaction's statements for their values.

    Statements are prepared and kept per connection, and after five runs PostgreSQL may settle on a
    generic plan that is blind to the values. For a query whose best plan depends on them (a
    township with 10,000 open tickets, or one with ten) that plan can cost several times the one
    made for the values: the map's query took 55 ms of database CPU instead of 20. Planning each
    time costs about a millisecond. ``SET LOCAL``: the session must be a transaction; nothing to do
    on SQLite, which plans every statement anew.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


class Database:
    """One engine and session factory per process.

    ``on_commit`` callbacks get the outbox rows a session wrote (``session.info["outbox"]``) right
    after its commit, so the relay publishes them at once; a rollback forgets them.
    """

    def __init__(
        self,
        url: str,
        *,
        metadata: MetaData,
        source: str,
        echo: bool = False,
        pool_size: int = 4,
        counter_pool_size: int = 1,
        pgbouncer: bool = False,
        direct_url: str = "",
    ) -> None:
        self.url = url
        self.source = source
        self.infra = add_infrastructure_tables(metadata)
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # A fixed pool: at a peak, work waits a moment for a connection rather than opening one
            # that is closed right after (each opening costs a handshake and a TLS attempt).
            # No pre-ping: it is a round trip before every statement batch; a connection that died is
            # invalidated by SQLAlchemy on its first error, and all are renewed every half hour.
            # A database that refuses connections fails the checkout at once (503); the pool timeout
            # only bounds the wait for a busy pool, which a burst may fill for a while.
            kwargs.update(pool_size=pool_size, max_overflow=0, pool_timeout=30, pool_recycle=1800)
            kwargs["connect_args"] = {
                "timeout": 10,
                "command_timeout": 60,
                # named in pg_stat_activity: which process holds which connections
                "server_settings": {"application_name": application_name(source)},
            }
            if pgbouncer:
                kwargs["connect_args"] |= pgbouncer_connect_args()
                url = _without_statement_cache(url)
        self.pgbouncer = pgbouncer and not self.is_sqlite
        #: the database itself, not PgBouncer: session-level advisory locks need a real session
        self.direct_url = direct_url or self.url
        self._lock_engine: AsyncEngine | None = None
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._commit_callbacks: list[Callable[[list[Any]], None]] = []
        # business numbers are drawn outside the business transaction (see numbers.py), through a
        # pool of their own: drawing one from the main pool while holding a connection of it could
        # starve it when every connection is held by a request waiting for a second one
        # (connections open lazily: a process that draws no numbers, like the gateway, opens none)
        self.counter_engine: AsyncEngine | None = None
        if not self.is_sqlite and counter_pool_size > 0:
            self.counter_engine = create_async_engine(
                url,
                pool_size=counter_pool_size,
                max_overflow=0,
                pool_timeout=30,
                pool_recycle=1800,
                isolation_level="AUTOCOMMIT",
                connect_args=kwargs["connect_args"]
                | {
                    "server_settings": kwargs["connect_args"]["server_settings"]
                    | _counter_server_settings(self.pgbouncer)
                },
            )

        class _Session(Session):
            """A session class of this database only, so commit hooks do not leak across engines."""

        event.listen(_Session, "after_commit", self._after_commit)
        event.listen(_Session, "after_rollback", self._after_rollback)
        self.sessionmaker = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            sync_session_class=_Session,
            info={"source": source, "infra": self.infra, "counter_engine": self.counter_engine},
        )
        # reads on PostgreSQL run in autocommit: no BEGIN/ROLLBACK round trips around a SELECT
        # (SQLite keeps its own transactions: its BEGIN IMMEDIATE is what orders the writers)
        read_engine = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessionmaker = async_sessionmaker(
            read_engine, expire_on_commit=False, info={"source": source, "infra": self.infra}
        )
        # a report made of several queries reads one moment: on PostgreSQL a read-only REPEATABLE
        # READ transaction (autocommit gives each statement its own); SQLite's transaction
        # (BEGIN IMMEDIATE) is one moment already
        snapshot_engine = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        )
        self.snapshot_sessionmaker = async_sessionmaker(
            snapshot_engine, expire_on_commit=False, info={"source": source, "infra": self.infra}
        )

    @classmethod
    def from_settings(cls, settings: Any, *, metadata: MetaData, source: str) -> Database:
        """The database of a process as its settings (``CommonSettings``) describe it."""
        return cls(
            settings.database_url,
            metadata=metadata,
            source=source,
            pool_size=settings.database_pool_size,
            counter_pool_size=settings.database_counter_pool_size,
            pgbouncer=settings.database_pgbouncer,
            direct_url=settings.database_direct_url,
        )

    def lock_engine(self) -> AsyncEngine:
        """One connection, straight to the database, for the session lock of the job leader."""
        if self._lock_engine is None:
            # no pool: a replica that did not get the lock closes its connection until the next try
            self._lock_engine = create_async_engine(
                self.direct_url,
                poolclass=NullPool,
                connect_args={"timeout": 10, "server_settings": {"application_name": application_name(self.source)}},
            )
        return self._lock_engine

    def on_commit(self, callback: Callable[[list[Any]], None]) -> None:
        self._commit_callbacks.append(callback)

    def _after_commit(self, session: Session) -> None:
        rows = session.info.pop("outbox", None)
        if rows:
            for callback in self._commit_callbacks:
                callback(rows)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop("outbox", None)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (autocommit on PostgreSQL): write with :meth:`transaction`."""
        async with self.read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A session for reads that must agree with each other: every statement sees the database
        as it was at the first one, whatever commits meanwhile (a verification, a consistent report)."""
        async with self.snapshot_sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def rows_alone(self, stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows of one read statement (built once) in a transaction of its own: on PostgreSQL on
        a pooled connection outside any, as the driver's SQL (BEGIN and COMMIT around a lone
        statement are two round trips more), on SQLite through a session. For the loops that poll,
        most of whose passes find nothing: one round trip a pass. Rows come as the driver gives them
        (asyncpg records, SQLAlchemy rows on SQLite): read them by position or column name."""
        if self.is_sqlite:
            async with self.session() as session:
                return list((await session.execute(stmt, params or {})).all())
        compiled = for_the_driver(stmt, self.engine.dialect)
        async with pooled_driver(self.engine) as conn:
            return list(await conn.fetch(compiled.sql, *compiled.args(params or {})))

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.counter_engine is not None:
            await self.counter_engine.dispose()
        if self._lock_engine is not None:
            await self._lock_engine.dispose()


def _counter_server_settings(pgbouncer: bool) -> dict[str, Any]:
    """The counter connections commit without waiting for the WAL flush: a second flush per number
    drawn, on top of the business transaction's. Safe: a number reaches a committed row only
    through the business transaction, whose commit flushes the WAL up to it and so the counter's
    increment with it; a crash can only take back a number no committed row holds. PgBouncer
    refuses startup parameters it does not know, so behind it the counters flush as before."""
    return {} if pgbouncer else {"synchronous_commit": "off"}


#: what every process's connections are named after in pg_stat_activity
APPLICATION_PREFIX = "jiceng"


def application_name(source: str) -> str:
    """The PostgreSQL application name of a process's connections (its events' source
    ``/svc-grid`` → ``jiceng-svc-grid``)."""
    return APPLICATION_PREFIX + source.replace("/", "-")


def pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg behind PgBouncer in transaction pooling: no statement cache, and unique names for
    the statements SQLAlchemy prepares (a name reused on another server connection would clash)."""
    return {"statement_cache_size": 0, "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4()}__"}


def _without_statement_cache(url: str) -> str:
    """SQLAlchemy's asyncpg dialect keeps its own prepared-statement cache: off behind PgBouncer."""
    if "prepared_statement_cache_size" in url:
        return url
    return url + ("&" if "?" in url else "?") + "prepared_statement_cache_size=0"


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers wait instead of failing."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
