"""svc-grid's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from grid import consumers, seed
from grid.areas.router import router as areas_router
from grid.config import GridSettings
from grid.diaries.router import router as diaries_router
from grid.disputes.router import router as disputes_router
from grid.incidents.router import router as incidents_router
from grid.models import metadata
from grid.people.router import router as people_router
from grid.residents.router import router as residents_router
from grid.roster.router import router as roster_router
from grid.tasks.router import router as tasks_router
from grid.visits.jobs import overdue_visits
from grid.visits.router import router as visits_router
from jiceng_shared.service import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="grid",
        title="svc-grid · 网格治理",
        description="Grid governance: the area tree and grids, grid workers, base data (residents), visits, diaries, incidents.",
        settings_cls=GridSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[
            areas_router,
            incidents_router,
            residents_router,
            roster_router,
            visits_router,
            diaries_router,
            people_router,
            tasks_router,
            disputes_router,
        ],
        background=[overdue_visits],
        subscriptions=consumers.subscriptions,
        seed=seed.seed,
    )


def create_app(settings: GridSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
