"""svc-dispatch's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from dispatch import consumers, seed
from dispatch.callbacks.router import router as callbacks_router
from dispatch.categories.router import router as categories_router
from dispatch.config import DispatchSettings
from dispatch.joint.router import router as joint_router
from dispatch.map.router import router as map_router
from dispatch.models import metadata
from dispatch.open311.router import router as open311_router
from dispatch.responsibilities.router import router as responsibilities_router
from dispatch.summons.router import router as summons_router
from dispatch.supervision.jobs import supervise, watch_spikes
from dispatch.supervision.router import router as supervision_router
from dispatch.tickets.router import router as tickets_router
from jiceng_shared.service import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="dispatch",
        title="svc-dispatch · 综合指挥调度",
        description="The command centre (指挥调度一中心): categories, the responsibility list, tickets, routing, deadlines, supervision, summons, verification.",
        settings_cls=DispatchSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[
            categories_router,
            responsibilities_router,
            tickets_router,
            callbacks_router,
            supervision_router,
            summons_router,
            joint_router,
            map_router,
            open311_router,
        ],
        subscriptions=consumers.subscriptions,
        background=[supervise, watch_spikes],
        seed=seed.seed,
    )


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
