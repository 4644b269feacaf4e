"""svc-approval's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jiceng_shared.service import ServiceSpec, create_service_app

from approval.config import ApprovalSettings
from approval.models import metadata

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="approval",
        title="svc-approval · 一窗受理",
        description="One-window approval and public services (审批服务一窗口): catalogue, applications, one-time notices, deadlines, ratings.",
        settings_cls=ApprovalSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[],
    )


def create_app(settings: ApprovalSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
