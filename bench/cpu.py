"""CPU time per unit of work, from /proc: the stack's processes and their PostgreSQL backends.

On a shared machine wall-clock rates say how busy the neighbours were; CPU seconds spent by our
own processes per incident (or per request) do not. A :class:`CpuMeter` samples utime + stime of
every stack process (children included) and of every PostgreSQL backend serving one of the stack's
databases (matched to its process by database name, from pg_stat_activity). A backend that ends
between two samples takes its last CPU with it: the services keep pooled connections, so that is
rare, and the figure errs low, never high.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return 0.0
    # fields after "(comm)": state=0 ... utime=11 stime=12
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            kids = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except (FileNotFoundError, PermissionError):
            continue
        for kid in map(int, kids):
            found += [kid, *_children(kid)]
    return found


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class CpuMeter:
    """Snapshot CPU seconds per stack process and per database's PostgreSQL backends."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.pids: dict[str, int] = dict(ctx.get("pids") or {})
        infra = ctx.get("infra")
        self.admin_dsn = getattr(infra, "pg_admin_dsn", None) if getattr(infra, "database", "") == "postgres" else None
        # database name → process: Databases.create names them jt_<process>_<hex>
        self.databases = {name: name.split("_")[1] for name in getattr(ctx.get("databases"), "created", [])}

    async def _backends(self) -> dict[int, str]:
        if not self.admin_dsn or not self.databases:
            return {}
        import asyncpg

        conn = await asyncpg.connect(self.admin_dsn)
        try:
            rows = await conn.fetch(
                "SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1::text[])", list(self.databases)
            )
        finally:
            await conn.close()
        return {row["pid"]: self.databases[row["datname"]] for row in rows}

    def snapshot(self) -> dict[str, Any]:
        processes = {}
        for name, pid in self.pids.items():
            processes[name] = sum(_proc_cpu_seconds(p) for p in [pid, *_children(pid)])
        backends = asyncio.run(self._backends())
        return {
            "at": time.monotonic(),
            "processes": processes,
            "backends": {pid: (owner, _proc_cpu_seconds(pid)) for pid, owner in backends.items()},
        }

    @staticmethod
    def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
        """CPU seconds spent between two snapshots, per process and ``postgres`` (all backends)."""
        spent = {name: after["processes"][name] - before["processes"].get(name, 0.0) for name in after["processes"]}
        postgres = 0.0
        for pid, (_owner, cpu) in after["backends"].items():
            # a backend born in between counts from zero
            postgres += cpu - before["backends"].get(pid, (None, 0.0))[1]
        spent["postgres"] = postgres
        spent["seconds"] = after["at"] - before["at"]
        return spent


def per_unit_ms(
    work: dict[str, float], idle: dict[str, float] | None, units: int, names: list[str] | None = None
) -> dict[str, float]:
    """CPU ms per unit of work per process; the idle rate (per second) times the phase subtracted."""
    out: dict[str, float] = {}
    for name, seconds in work.items():
        if name == "seconds" or (names is not None and name not in names):
            continue
        if idle is not None and idle.get("seconds"):
            seconds -= idle.get(name, 0.0) / idle["seconds"] * work["seconds"]
        out[name] = round(max(seconds, 0.0) * 1000 / max(units, 1), 2)
    out["total"] = round(sum(out.values()), 2)
    return out
