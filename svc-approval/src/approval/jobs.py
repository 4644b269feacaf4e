"""The deadline scanner (background job): deemed acceptances, overdue reports, invitations to rate.

Every pass is idempotent (each row is marked when handled) and takes rows with SKIP LOCKED, so
replicas can run it side by side. There is no SMS gateway: an invitation to rate is recorded on
the application (timestamp and a public timeline entry) for a notification system to pick up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from sqlalchemy.orm.exc import StaleDataError

from approval.applications import jobs as application_jobs
from approval.deps import window_env
from approval.ratings import service as ratings
from jiceng_shared.service import ServiceContext

log = logging.getLogger(__name__)


async def scan(ctx: ServiceContext, at: dt.datetime | None = None) -> dict[str, int]:
    """One pass at ``at`` (default: the service clock); returns what it did."""
    env = window_env(ctx)
    if at is not None:
        env = dataclasses.replace(env, now=at)
    batch = ctx.settings.scan_batch_size
    async with ctx.db.transaction() as session:
        deemed = await application_jobs.deem_accepted(session, env, batch=batch)
    async with ctx.db.transaction() as session:
        overdue = await application_jobs.report_overdue(session, env, batch=batch)
    async with ctx.db.transaction() as session:
        invited = await ratings.invite_unrated(
            session, now=env.now, after_days=ctx.settings.rating_invite_after_days, batch=batch
        )
    return {"deemed_accepted": deemed, "overdue": overdue, "invited": invited}


async def deadline_scanner(ctx: ServiceContext) -> None:
    while True:
        try:
            done = await scan(ctx)
            if any(done.values()):
                log.info("deadline scan", extra=done)
        except StaleDataError:
            # a clerk changed one of the rows meanwhile; the next pass sees the new state
            log.info("deadline scan lost a race; retrying next pass")
        await asyncio.sleep(ctx.settings.scan_interval_seconds)
