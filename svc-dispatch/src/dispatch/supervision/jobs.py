"""The supervision job: a pass over every ticket with a limit to watch, now and then every
``supervision_scan_seconds`` (the rules and the orders are in ``service.py``)."""

from __future__ import annotations

import asyncio
import logging

from dispatch.summons.service import mark_missed
from dispatch.supervision.service import BATCH, supervise_pass
from dispatch.tickets.service import env_of
from jiceng_shared.service import ServiceContext

log = logging.getLogger(__name__)


async def scan(ctx: ServiceContext) -> int:
    """One supervision pass over every due ticket and every summons past its time; returns how many
    were looked at."""
    total = 0
    for step in (supervise_pass, mark_missed):
        while True:
            async with ctx.db.transaction() as session:
                changed = await step(session, env_of(ctx))
            total += changed
            if changed < BATCH:
                break
    return total


async def supervise(ctx: ServiceContext) -> None:
    """The background job: a pass now, then every ``supervision_scan_seconds``."""
    while True:
        try:
            await scan(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("supervision pass failed")
        await asyncio.sleep(ctx.settings.supervision_scan_seconds)


async def spike_scan(ctx: ServiceContext) -> int:
    """One early-warning pass over today's reports; returns how many warnings were raised."""
    from dispatch.map.service import spike_pass

    async with ctx.db.transaction() as session:
        return len(await spike_pass(session, env_of(ctx)))


async def watch_spikes(ctx: ServiceContext) -> None:
    """The background job of early warning: a pass every ``spike_scan_seconds``."""
    while True:
        try:
            await spike_scan(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("early-warning pass failed")
        await asyncio.sleep(ctx.settings.spike_scan_seconds)
