"""svc-assessment's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jiceng_shared.service import ServiceSpec, create_service_app

from assessment.config import AssessmentSettings
from assessment.models import metadata

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="assessment",
        title="svc-assessment · 考核",
        description="Assessment (考核): scores and indicators for grid workers, window staff and handling units, computed from events.",
        settings_cls=AssessmentSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[],
    )


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
