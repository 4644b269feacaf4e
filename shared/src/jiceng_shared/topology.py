"""The processes of the platform and their default local ports (``make run``, tests, gateway upstreams)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Process:
    name: str
    #: the Python package run with ``python -m <package> serve``
    package: str
    port: int
    #: environment-variable prefix of its settings
    env_prefix: str


GATEWAY = Process("gateway", "gateway", 8000, "GATEWAY_")
SERVICES = (
    Process("approval", "approval", 8101, "APPROVAL_"),
    Process("enforcement", "enforcement", 8102, "ENFORCEMENT_"),
    Process("grid", "grid", 8103, "GRID_"),
    Process("dispatch", "dispatch", 8104, "DISPATCH_"),
    Process("assessment", "assessment", 8105, "ASSESSMENT_"),
)
PROCESSES = (GATEWAY, *SERVICES)
SERVICE_BY_NAME = {p.name: p for p in SERVICES}
