"""svc-approval's application: its routers, events, background job and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from approval import consumers, jobs, seed
from approval.applications.router import router as applications_router
from approval.catalogue.router import router as catalogue_router
from approval.config import ApprovalSettings
from approval.frontdesk.router import router as frontdesk_router
from approval.models import metadata
from approval.public.router import router as public_router
from approval.ratings.router import router as ratings_router
from jiceng_shared.service import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="approval",
        title="svc-approval · 一窗受理",
        description=(
            "One-window approval and public services (审批服务一窗口): the service-item catalogue, applications "
            "with one-time notices and working-day deadlines, back-office decisions and one exit, ratings and "
            "rectifications, first-inquiry responsibility and A/B posts."
        ),
        settings_cls=ApprovalSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[catalogue_router, applications_router, ratings_router, frontdesk_router, public_router],
        subscriptions=consumers.subscriptions,
        background=[jobs.deadline_scanner],
        seed=seed.seed,
    )


def create_app(settings: ApprovalSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
