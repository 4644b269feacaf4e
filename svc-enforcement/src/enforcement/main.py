"""svc-enforcement's application: its routers, events and demo data on the shared service frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from enforcement import consumers, seed
from enforcement.cases import jobs as case_jobs
from enforcement.cases.router import router as cases_router
from enforcement.config import EnforcementSettings
from enforcement.decisions.router import reviewers as reviewers_router
from enforcement.decisions.router import router as decisions_router
from enforcement.disclosure.router import router as disclosure_router
from enforcement.hearings.router import router as hearings_router
from enforcement.inspections.router import router as inspections_router
from enforcement.items.router import router as items_router
from enforcement.leads.router import router as leads_router
from enforcement.models import metadata
from enforcement.officers.router import router as officers_router
from enforcement.payments.router import router as payments_router
from enforcement.records.router import router as records_router
from enforcement.service_of_documents.router import router as service_router
from enforcement.squads.router import router as squads_router
from jiceng_shared.service import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="enforcement",
        title="svc-enforcement · 综合执法",
        description="Comprehensive administrative enforcement (综合执法一队伍): enforcement items, leads, cases, records, decisions, transfers.",
        settings_cls=EnforcementSettings,
        metadata=metadata,
        migrations_dir=MIGRATIONS,
        routers=[
            items_router,
            officers_router,
            leads_router,
            cases_router,
            decisions_router,
            reviewers_router,
            hearings_router,
            service_router,
            payments_router,
            disclosure_router,
            inspections_router,
            squads_router,
            records_router,
        ],
        subscriptions=consumers.subscriptions,
        background=[case_jobs.watch],
        seed=seed.seed,
    )


def create_app(settings: EnforcementSettings | None = None) -> FastAPI:
    return create_service_app(spec(), settings)
