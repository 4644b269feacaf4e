"""What the application use cases share: permissions, the environment, scope checks and small writers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from approval.applications import rules
from approval.applications.models import Application, ApplicationMaterial, ApplicationStep, Receipt
from jiceng_shared import outbox
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found, permission_denied, scope_denied
from jiceng_shared.identity import Principal
from jiceng_shared.observability import request_id_var
from jiceng_shared.scope import scope_filter
from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

READ = "approval.application.read"
ACCEPT = "approval.application.accept"
PROXY = "approval.application.proxy"
NOTIFY = "approval.notice.issue"
SUPPLEMENT = "approval.application.supplement"
#: the back office of the competent unit
DECIDE = "approval.application.decide"
HANDOUT = "approval.application.handout"
PAUSE = "approval.application.pause"
EXTEND = "approval.extension.request"
APPROVE_EXTENSION = "approval.extension.approve"
NOTE = "approval.application.note"
VIOLATION_READ = "approval.violation.read"


@dataclass(frozen=True)
class Env:
    """What a use case needs besides the database: the calendar, the configured rules, and now."""

    calendar: WorkdayCalendar
    rules: rules.WindowRules
    now: dt.datetime
    appeal_route: str = ""

    @property
    def today(self) -> dt.date:
        return self.calendar.local_date(self.now)

    @property
    def year(self) -> int:
        return self.now.astimezone(COUNTY_ZONE).year


# --- scope helpers ---------------------------------------------------------------------------


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """Rows of the accepting side or of the competent side (cross-township: both see it)."""
    return or_(
        scope_filter(principal, permission, Application.area_code, Application.competent_dept),
        scope_filter(principal, permission, Application.competent_area_code, Application.competent_dept),
    )


def covers_either(principal: Principal, permission: str, app: Application) -> bool:
    return principal.covers(permission, app.area_code, app.competent_dept) or principal.covers(
        permission, app.competent_area_code, app.competent_dept
    )


def require_either(principal: Principal, permission: str, app: Application) -> None:
    if covers_either(principal, permission, app):
        return
    if not principal.can(permission):
        raise permission_denied(permission)
    raise scope_denied()


async def load(
    session: AsyncSession, principal: Principal, application_id: str, if_match: int | None = None
) -> Application:
    app = await session.scalar(select(Application).where(Application.id == application_id, readable(principal)))
    if app is None:
        raise not_found("application", application_id)
    if if_match is not None and app.version != if_match:
        raise Problem(
            412,
            "version_mismatch",
            "Changed by someone else",
            f"the application is at version {app.version}, not {if_match}; reload and retry",
            current_version=app.version,
        )
    return app


def invalid_state(app: Application, action: str) -> Problem:
    label = rules.STATUS_LABELS.get(app.status, app.status)
    return Problem(
        409, "invalid_state", "Not allowed now", f"cannot {action} an application that is {app.status} ({label})"
    )


# --- small writers ---------------------------------------------------------------------------


class Adds(Protocol):
    """Where new rows go: the session (the unit of work flushes them), or :class:`NewRows`."""

    def add(self, instance: object) -> None: ...


def add_step(
    session: Adds,
    app: Application,
    action: str,
    note: str,
    at: dt.datetime,
    *,
    public: bool,
    actor: Principal | None,
) -> None:
    session.add(
        ApplicationStep(
            id=new_id(),
            application_id=app.id,
            at=at,
            action=action,
            status=app.status,
            note=note,
            public=public,
            actor_id=actor.subject if actor else None,
            actor_name=actor.name if actor else None,
            request_id=request_id_var.get(),
        )
    )


def add_receipt(session: Adds, app: Application, kind: str, number: str, env: Env, content: dict[str, Any]) -> None:
    session.add(
        Receipt(
            id=new_id(),
            application_id=app.id,
            kind=kind,
            number=number,
            issued_at=env.now,
            issued_on=env.today,
            content=content,
        )
    )


#: parents first (foreign keys): every class a new application's rows may be
_NEW_ROW_MODELS = (Application, ApplicationMaterial, ApplicationStep, Receipt)


class NewRows:
    """The rows of an application received in this request, written at once with its event.

    A new application is written once, in its final state, together with its event
    (``emit(together_with=...)``: one statement on PostgreSQL): the ORM's unit of work (identity
    map, change tracking, one flush and one round trip per table) cost more CPU than the INSERTs
    themselves on every acceptance at the window. Rows that change again in the request go to the
    session instead (:meth:`to_session`), which then tracks them as before.
    """

    def __init__(self) -> None:
        self.rows: dict[type[Any], list[Any]] = {m: [] for m in _NEW_ROW_MODELS}

    def add(self, instance: object) -> None:
        self.rows[type(instance)].append(instance)

    def to_session(self, session: AsyncSession) -> None:
        for rows in self.rows.values():
            session.add_all(rows)

    def tables(self) -> list[outbox.NewRows]:
        """Each table's rows as column values, parents first."""
        return [outbox.rows_of(rows) for rows in self.rows.values() if rows]


async def emit_for(session: AsyncSession, app: Application, payload: Any, new: NewRows | None = None) -> None:
    """Emit ``payload`` about ``app``; with ``new``, the rows of the new application are written with it."""
    await outbox.emit(
        session,
        payload,
        subject=app.id,
        township=app.township_code,
        correlation_id=app.correlation_id,
        together_with=new.tables() if new else (),
    )


def local_time(instant: dt.datetime | None) -> str:
    return instant.astimezone(COUNTY_ZONE).strftime("%Y-%m-%d %H:%M") if instant else ""


def set_deadline(app: Application, env: Env) -> None:
    assert app.accepted_at is not None
    if app.kind == "instant":
        app.deadline = rules.instant_deadline(app.accepted_at, limit_minutes=env.rules.instant_limit_minutes)
    else:
        assert app.limit_workdays is not None
        app.deadline = rules.committed_deadline(
            env.calendar,
            app.accepted_at,
            limit_workdays=app.limit_workdays,
            extension_workdays=app.extension_days,
            paused_workdays=app.paused_days,
        )
