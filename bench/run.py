"""``make bench``: start the platform on fresh databases, measure, write bench/results.json.

Runs against PostgreSQL and NATS on 127.0.0.1 when reachable (like the tests), else SQLite files
and a local nats-server. Each part adds its keys to the results; the file keeps keys of parts not
run this time (``--only gateway``), so figures are never silently lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import command_map
import faults
import grid_reads
import lists
import loop1
import loop1cpu

import approval
import gateway
from jiceng_shared.stack import Stack, free_port
from jiceng_shared.testing.infra import prepare
from jiceng_shared.testing.plugin import Databases, delete_stream
from jiceng_shared.topology import PROCESSES

RESULTS = Path(__file__).parent / "results.json"
PARTS = {
    "loop1cpu": loop1cpu,
    "gateway": gateway,
    "loop1": loop1,
    "approval": approval,
    "grid": grid_reads,
    "map": command_map,
    "faults": faults,
    "lists": lists,
}


class ConnectionSampler:
    """Samples the connections the main stack's processes hold (pg_stat_activity) in a thread."""

    def __init__(self, infra: object, databases: Databases) -> None:
        self.infra = infra
        self.names = list(databases.created)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        from jiceng_shared.testing.chaos import connections_of

        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a sample missed while the database is busy
                # the stack's own: the bench's loaders connect to the same databases
                found = await connections_of(self.infra.pg_admin_dsn, self.names, processes_only=True)  # type: ignore[attr-defined]
                self.peak = max(self.peak, found)
            await asyncio.sleep(0.25)

    def __enter__(self) -> ConnectionSampler:
        if self.infra.database == "postgres":  # type: ignore[attr-defined]
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


def start_stack(work: Path) -> tuple[Stack, Databases, str, object]:
    infra = prepare(work)
    for note in infra.notes:
        print(f"[bench] {note}")
    databases = Databases(infra, work)
    prefix = f"b{uuid.uuid4().hex[:10]}"
    env = dict(os.environ) | {
        "JICENG_ENV": "test",
        "JICENG_NATS_URL": infra.nats_url,
        "JICENG_EVENTS_PREFIX": prefix,
        "JICENG_DATA_DIR": str(work),
        **loop1.BENCH_ENV,
    }
    for process in PROCESSES:
        env[f"{process.env_prefix}DATABASE_URL"] = asyncio.run(databases.create(process.name))
    stack = Stack(env=env, log_dir=work / "logs", ports={p.name: free_port() for p in PROCESSES})
    stack.start(seed=True)
    stack.wait_ready(120)
    return stack, databases, prefix, infra


def figures_peak(results: dict, parts: list[str]) -> int:
    return int(results.get("fault_stack_pg_connections_peak", 0)) if "faults" in parts else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(PARTS), action="append")
    args = parser.parse_args()
    # in PARTS order whatever the command line's: the lists part, which loads many rows into the
    # stack's databases, always runs last
    parts = [name for name in PARTS if name in (args.only or PARTS)]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    password = os.environ.get("JICENG_DEMO_PASSWORD", "demo")
    with tempfile.TemporaryDirectory(prefix="jiceng-bench-") as tmp:
        if parts == ["faults"]:  # the fault part starts a stack of its own: no main stack needed
            infra = prepare(Path(tmp))
            stack, databases, prefix = None, Databases(infra, Path(tmp)), None
        else:
            stack, databases, prefix, infra = start_stack(Path(tmp))
        try:
            ctx = {
                "gateway": stack.url("gateway") if stack else None,
                "services": {name: stack.url(name) for name in stack.ports} if stack else {},
                "pids": {name: proc.pid for name, proc in stack.procs.items()} if stack else {},
                "password": password,
                "nats_url": infra.nats_url,  # type: ignore[attr-defined]
                "prefix": prefix,
                "env": stack.env,
                "infra": infra,
                "databases": databases,
                "stack": stack,
            }
            with ConnectionSampler(infra, databases) as sampler:
                for name in parts:
                    print(f"[bench] {name} ...", flush=True)
                    figures = PARTS[name].measure(ctx)
                    print(json.dumps({k: v for k, v in figures.items() if not k.endswith("_detail")}, indent=2))
                    results.update(figures)
                    # keys a part no longer reports (renamed figures) leave the file with it
                    for key in set(getattr(PARTS[name], "REPLACES", ())) - set(figures):
                        results.pop(key, None)
            if infra.database == "postgres":  # type: ignore[attr-defined]
                # the connections one stack holds at peak: the main stack under the loads, and the
                # fault stack through its NATS outage (target ≤ 40)
                results["pg_connections_peak"] = max(sampler.peak, figures_peak(results, parts))
        finally:
            if stack is not None:
                stack.stop()
                asyncio.run(delete_stream(infra.nats_url, prefix))  # type: ignore[attr-defined]
            asyncio.run(databases.drop_all())
    results["environment"] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": infra.database,  # type: ignore[attr-defined]
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"[bench] wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
