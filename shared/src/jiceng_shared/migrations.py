"""Alembic, shared: each service keeps its own history under ``migrations/``; the mechanics are here.

A service's ``migrations/env.py`` is two lines: import its ``metadata`` and call :func:`run_env`.
On PostgreSQL the upgrade holds an advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

INFRASTRUCTURE_TABLES = frozenset({"outbox", "inbox", "dead_letters", "counters"})


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    return cfg


def new_revision(migrations_dir: Path, database_url: str, message: str) -> None:
    """Autogenerate a revision against an up-to-date database (``make migration``)."""
    cfg = alembic_config(migrations_dir, database_url)
    command.upgrade(cfg, "head")
    template = migrations_dir / "script.py.mako"  # one template for every service, lent for the call
    template.write_text((Path(__file__).parent / "migration_template.py.mako").read_text())
    try:
        script = command.revision(cfg, message=message, autogenerate=True)
    finally:
        template.unlink()
    if script is not None and not isinstance(script, list) and script.down_revision is None:
        _add_infrastructure_calls(Path(script.path))


def _add_infrastructure_calls(path: Path) -> None:
    """A service's first revision also creates the shared outbox/inbox/dead-letter/counter tables."""
    source = path.read_text()
    source = source.replace(
        "import jiceng_shared.db\n",
        "import jiceng_shared.db\nfrom jiceng_shared.tables import create_infrastructure_tables, drop_infrastructure_tables\n",
    )
    source = source.replace(
        "def upgrade() -> None:\n", "def upgrade() -> None:\n    create_infrastructure_tables(op)\n"
    )
    source = source.rstrip("\n") + "\n    drop_infrastructure_tables(op)\n"
    path.write_text(source)


def run_migrations(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (call from a thread without a running event loop)."""
    if database_url.startswith("sqlite"):
        Path(database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(metadata: MetaData, settings_cls: Any) -> None:
    """Body of every service's ``env.py``."""
    url = context.config.attributes.get("database_url") or settings_cls().database_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, metadata))


def _do_run(connection: Connection, metadata: MetaData) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
        include_object=_not_infrastructure,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # replicas starting together queue here; the later ones then find the schema current
            lock = zlib.crc32(",".join(sorted(metadata.tables)).encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
        context.run_migrations()


def _not_infrastructure(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    """Autogenerate leaves the shared tables alone: first migrations create them with one call."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", name) not in INFRASTRUCTURE_TABLES


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_do_run, metadata)
    await engine.dispose()


def _main(argv: list[str]) -> int:
    """``python -m jiceng_shared.migrations <process> "<message>"``: autogenerate a revision."""
    import importlib
    import tempfile

    if len(argv) != 2:
        print(
            'usage: python -m jiceng_shared.migrations <gateway|approval|enforcement|grid|dispatch|assessment> "message"'
        )
        return 2
    spec = importlib.import_module(f"{argv[0]}.main").spec()
    with tempfile.TemporaryDirectory() as tmp:
        new_revision(spec.migrations_dir, f"sqlite+aiosqlite:///{tmp}/{argv[0]}.db", argv[1])
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
