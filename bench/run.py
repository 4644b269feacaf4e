"""``make bench``: start the platform on fresh databases, measure, write bench/results.json.

Runs against PostgreSQL and NATS on 127.0.0.1 when reachable (like the tests), else SQLite files
and a local nats-server. Each part adds its keys to the results; the file keeps keys of parts not
run this time (``--only gateway``), so figures are never silently lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import grid_reads  # noqa: E402
import loop1  # noqa: E402

import approval  # noqa: E402
import gateway  # noqa: E402
from jiceng_shared.stack import Stack, free_port  # noqa: E402
from jiceng_shared.testing.infra import prepare  # noqa: E402
from jiceng_shared.testing.plugin import Databases, delete_stream  # noqa: E402
from jiceng_shared.topology import PROCESSES  # noqa: E402

RESULTS = Path(__file__).parent / "results.json"
PARTS = {"gateway": gateway, "loop1": loop1, "approval": approval, "grid": grid_reads}


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
    stack.seed()
    stack.start()
    stack.wait_ready(120)
    return stack, databases, prefix, infra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(PARTS), action="append")
    args = parser.parse_args()
    parts = args.only or list(PARTS)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    password = os.environ.get("JICENG_DEMO_PASSWORD", "demo")
    with tempfile.TemporaryDirectory(prefix="jiceng-bench-") as tmp:
        stack, databases, prefix, infra = start_stack(Path(tmp))
        try:
            ctx = {
                "gateway": stack.url("gateway"),
                "services": {name: stack.url(name) for name in stack.ports},
                "password": password,
                "nats_url": infra.nats_url,  # type: ignore[attr-defined]
                "prefix": prefix,
                "env": stack.env,
            }
            for name in parts:
                print(f"[bench] {name} ...", flush=True)
                figures = PARTS[name].measure(ctx)
                print(json.dumps({k: v for k, v in figures.items() if not k.endswith("_detail")}, indent=2))
                results.update(figures)
        finally:
            stack.stop()
            asyncio.run(databases.drop_all())
            asyncio.run(delete_stream(infra.nats_url, prefix))  # type: ignore[attr-defined]
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
