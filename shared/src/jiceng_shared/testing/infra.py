"""Real infrastructure for tests: PostgreSQL and NATS on 127.0.0.1, started when installed but stopped.

``JICENG_TEST_DB`` chooses the database: ``postgres`` (required), ``sqlite``, or ``auto`` (the
default: PostgreSQL when reachable or startable, else SQLite files with a clear notice).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from jiceng_shared.stack import ensure_nats, port_open

PG_HOST = os.environ.get("JICENG_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("JICENG_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("JICENG_TEST_PG_USER", "postgres")
NATS_URL = os.environ.get("JICENG_TEST_NATS_URL", "nats://127.0.0.1:4222")


@dataclass(frozen=True)
class TestInfra:
    nats_url: str
    #: "postgres" or "sqlite"
    database: str
    notes: tuple[str, ...]

    @property
    def pg_admin_dsn(self) -> str:
        return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"

    def database_url(self, name: str, sqlite_dir: Path) -> str:
        if self.database == "postgres":
            return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        return f"sqlite+aiosqlite:///{sqlite_dir / (name + '.db')}"


def _start_postgres() -> str | None:
    """Start an installed but stopped PostgreSQL cluster (Debian's pg_ctlcluster); returns what was done."""
    if shutil.which("pg_ctlcluster") is None:
        return None
    versions = sorted(Path(p).name for p in glob.glob("/etc/postgresql/*"))
    for version in versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            check=False,
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if port_open(PG_HOST, PG_PORT):
            return f"started PostgreSQL {', '.join(versions)} with pg_ctlcluster"
        time.sleep(0.3)
    return None


def prepare(store_dir: Path) -> TestInfra:
    notes: list[str] = []
    choice = os.environ.get("JICENG_TEST_DB", "auto")
    database = "sqlite"
    if choice in ("auto", "postgres"):
        if port_open(PG_HOST, PG_PORT):
            database = "postgres"
        else:
            started = _start_postgres()
            if started:
                notes.append(started)
                database = "postgres"
            elif choice == "postgres":
                raise RuntimeError(
                    f"PostgreSQL is required (JICENG_TEST_DB=postgres) but nothing answers at {PG_HOST}:{PG_PORT} "
                    "and no installed cluster could be started (pg_ctlcluster not found)"
                )
            else:
                notes.append(
                    f"PostgreSQL is missing (nothing at {PG_HOST}:{PG_PORT}, no pg_ctlcluster): "
                    "database tests run on SQLite files instead"
                )
    proc = ensure_nats(NATS_URL, store_dir / "nats")
    if proc is not None:
        notes.append(f"started nats-server with JetStream at {NATS_URL}")
    return TestInfra(nats_url=NATS_URL, database=database, notes=tuple(notes))
