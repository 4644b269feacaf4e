"""The service's notion of "now": the wall clock, or a clock a test puts in ``ctx.extras["clock"]``.

Deadlines here run over days and holidays; tests move this clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt

from jiceng_shared.db import utcnow
from jiceng_shared.service import ServiceContext


def now(ctx: ServiceContext) -> dt.datetime:
    clock = ctx.extras.get("clock")
    return clock().astimezone(dt.timezone.utc) if clock is not None else utcnow()
