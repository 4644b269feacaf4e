"""The service's notion of "now".

Deadlines, return windows and supervision all compare against it. It is the wall clock unless
``ctx.extras["clock"]`` holds another callable: tests set one to stand on a given day (a
holiday eve, the day after a deadline) instead of waiting for it.
"""

from __future__ import annotations

import datetime as dt

from jiceng_shared.db import utcnow
from jiceng_shared.service import ServiceContext


def now(ctx: ServiceContext) -> dt.datetime:
    clock = ctx.extras.get("clock")
    return clock() if clock is not None else utcnow()
