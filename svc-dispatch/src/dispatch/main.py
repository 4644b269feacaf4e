"""svc-dispatch's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jiceng_shared.service import ServiceSpec, create_service_app

from dispatch.config import DispatchSettings
from dispatch.models import metadata

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="dispatch",
        title="svc-dispatch · 综合指挥调度",
        description="The command centre (指挥调度一中心): categories, the responsibility list, tickets, routing, deadlines, supervision, summons, verification.",
        settings_cls=DispatchSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[],
    )


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
