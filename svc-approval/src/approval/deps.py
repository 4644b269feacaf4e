"""What routers take from the service context: the configured rules, the clock, If-Match."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Header, Response

from approval.applications.common import Env
from approval.applications.rules import WindowRules
from approval.catalogue.rules import StatutoryLimits
from jiceng_shared.errors import Problem
from jiceng_shared.service import ServiceContext


def statutory_limits(ctx: ServiceContext) -> StatutoryLimits:
    s = ctx.settings
    return StatutoryLimits(
        s.decision_ceiling_workdays,
        s.decision_extension_workdays,
        s.joint_ceiling_workdays,
        s.joint_extension_workdays,
        s.issue_limit_workdays,
    )


def window_env(ctx: ServiceContext) -> Env:
    s = ctx.settings
    rules = WindowRules(s.instant_limit_minutes, s.notice_window_workdays, statutory_limits(ctx))
    return Env(ctx.calendar, rules, ctx.now(), s.appeal_route)


def today(ctx: ServiceContext) -> dt.date:
    return ctx.calendar.local_date(ctx.now())


async def if_match(value: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version the caller last saw (``"3"``, ``W/"3"`` or ``3``); a stale one answers 412."""
    if value is None:
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Problem(400, "invalid_if_match", "Invalid If-Match", 'If-Match carries the version, e.g. "3"')
    return int(raw)


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
