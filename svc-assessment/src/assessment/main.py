"""svc-assessment's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from assessment import consumers, seed
from assessment.appeals.router import router as appeals_router
from assessment.centres.router import router as centres_router
from assessment.config import AssessmentSettings
from assessment.evidence.router import router as evidence_router
from assessment.exports.router import router as exports_router
from assessment.gridworkers.router import router as gridworkers_router
from assessment.hotline.router import router as hotline_router
from assessment.items.router import router as items_router
from assessment.models import metadata
from assessment.periods.router import router as periods_router
from assessment.stationed.router import router as stationed_router
from assessment.units.router import router as units_router
from assessment.window.router import router as window_router
from jiceng_shared.service import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="assessment",
        title="svc-assessment · 考核",
        description="Assessment (考核): scores and indicators for grid workers, window staff and handling units, computed from events.",
        settings_cls=AssessmentSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[
            units_router,
            window_router,
            periods_router,
            items_router,
            hotline_router,
            gridworkers_router,
            stationed_router,
            evidence_router,
            appeals_router,
            exports_router,
            centres_router,
        ],
        subscriptions=consumers.subscriptions,
        seed=seed.seed,
    )


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
