"""Background scans of applications (approval/jobs.py runs them): deemed acceptances (law art. 32)
and overdue reports, each once.

Rows are taken with SKIP LOCKED, so replicas can scan side by side.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from approval.applications.backoffice import mark_overdue
from approval.applications.common import Env
from approval.applications.models import Application
from approval.applications.service import accept_application


async def deem_accepted(session: AsyncSession, env: Env, *, batch: int) -> int:
    """Received applications whose notice window passed without a notice count as accepted (art. 32)."""
    stmt = (
        select(Application)
        .where(Application.status == "received", Application.notice_due < env.now)
        .order_by(Application.notice_due)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    apps = list((await session.scalars(stmt)).all())
    for app in apps:
        await accept_application(session, app, env, clerk=None)
    return len(apps)


async def report_overdue(session: AsyncSession, env: Env, *, batch: int) -> int:
    """Report, once each, applications past their limit (instant 15 minutes, promised days, hand-out)."""
    found = 0
    running = (
        select(Application)
        .where(
            or_(
                # an instant item runs until the result is out; a committed one until its decision
                and_(Application.kind == "instant", Application.status.in_(("accepted", "decided"))),
                and_(
                    Application.kind == "committed",
                    Application.status == "accepted",
                    Application.paused_since.is_(None),
                ),
            ),
            Application.deadline < env.now,
            Application.overdue_reported_at.is_(None),
        )
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    for app in (await session.scalars(running)).all():
        assert app.deadline is not None
        await mark_overdue(session, app, "instant" if app.kind == "instant" else "decision", app.deadline, env)
        found += 1
    issuing = (
        select(Application)
        .where(
            Application.status == "decided",
            Application.issue_deadline < env.now,
            Application.issue_overdue_reported_at.is_(None),
        )
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    for app in (await session.scalars(issuing)).all():
        assert app.issue_deadline is not None
        await mark_overdue(session, app, "issue", app.issue_deadline, env)
        found += 1
    return found
