"""The background job of visits: the overdue scan, every ``visit_overdue_scan_seconds``."""

from __future__ import annotations

import asyncio
import logging

from grid.visits.service import scan
from jiceng_shared.service import ServiceContext

log = logging.getLogger(__name__)


async def overdue_visits(ctx: ServiceContext) -> None:
    while True:
        try:
            await scan(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("overdue visit scan failed")
        await asyncio.sleep(ctx.settings.visit_overdue_scan_seconds)
