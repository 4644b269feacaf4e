"""Every process's copy of the areas administered in svc-grid, kept current without a restart.

svc-grid publishes each change of a village/community or grid (created, redrawn, recounted,
split, merged, retired, imported) as ``grid.area.changed`` through its outbox, on the
platform's stream. That stream keeps events ``events_retention_days`` only, so a process started
next month could not rebuild the areas by replaying it. svc-grid therefore also keeps the latest
version of every changed area in a JetStream key-value bucket, ``<events prefix>_areas`` (one key
per area code, history 1, no age limit), written by its own durable consumer of those events
(:func:`state_subscription`). Every process (:func:`watch_areas`, started by the service frame;
the gateway runs :func:`follow_bucket` itself) watches the bucket: it first receives the latest version of every area ever changed, then each
change as it is published, and applies them to its :class:`AreaCopy` (``ctx.areas``). A process
that restarts, or a new replica, thus knows every change since the county's files were loaded,
and no process needs a restart to see a new grid.

The copy holds the areas changed at run time only; the areas of the county's files are the
organisation registry's (``ctx.org``, :mod:`jiceng_shared.county`). The service frame registers
:func:`follow_in_registry` on every process's copy, so each change reaches the process's
registry when it takes effect (at once, or at its ``effective_from`` when that is later): scope
checks, dispatch routing and assessment, which look areas up there, see a new grid without a
restart, and a retired one leaves their lookups.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from pydantic import ValidationError

from jiceng_shared import county
from jiceng_shared.consumers import Subscription
from jiceng_shared.contracts.grid import AreaChanged
from jiceng_shared.events import CloudEvent

if TYPE_CHECKING:
    from nats.js import JetStreamContext
    from nats.js.kv import KeyValue
    from sqlalchemy.ext.asyncio import AsyncSession

    from jiceng_shared.bus import EventBus
    from jiceng_shared.service import ServiceContext

log = logging.getLogger(__name__)

Listener = Callable[[AreaChanged], None]


class AreaCopy:
    """The latest version of each area changed at run time, as this process knows it."""

    def __init__(self) -> None:
        self._areas: dict[str, AreaChanged] = {}
        self._listeners: list[Listener] = []
        #: set once the feed has delivered every area known when the process started
        self.loaded = asyncio.Event()

    def apply(self, area: AreaChanged) -> bool:
        """Keep ``area`` if it is newer than what the copy holds; True when it changed the copy."""
        known = self._areas.get(area.code)
        if known is not None and known.area_version >= area.area_version:
            return False
        self._areas[area.code] = area
        for listener in self._listeners:
            try:
                listener(area)
            except Exception:
                log.exception("area listener failed", extra={"area": area.code})
        return True

    def on_change(self, listener: Listener) -> None:
        """Call ``listener`` with every area applied from now on (and those applied already)."""
        self._listeners.append(listener)
        for area in list(self._areas.values()):
            listener(area)

    def get(self, code: str) -> AreaChanged | None:
        return self._areas.get(code)

    def active(self, code: str, at: dt.datetime | None = None) -> bool | None:
        """Whether the area is in use (at ``at``); None when it never changed at run time."""
        area = self._areas.get(code)
        if area is None:
            return None
        if at is not None and area.effective_from > at:
            # the latest version is not in force yet: a new area is not there yet, a retired one still is
            return area.area_version > 1 and area.status == "retired"
        return area.status == "active"

    def children(self, parent_code: str) -> list[AreaChanged]:
        return sorted((a for a in self._areas.values() if a.parent_code == parent_code), key=lambda a: a.code)

    def __len__(self) -> int:
        return len(self._areas)


def apply_to_registry(org: county.Organisation, area: AreaChanged) -> None:
    """Make the registry show ``area``'s latest version (a village/community or grid added,
    updated or retired). A change the registry refuses is logged, never raised: the copy stays."""
    try:
        if area.kind in ("village", "community"):
            if area.status == "retired":
                org.retire_village(area.code)
            else:
                org.add_village(area.code, area.name, area.kind, area.township_code)
        elif area.kind == "grid":
            if area.status == "retired":
                org.retire_grid(area.code)
            else:
                org.add_grid(
                    area.code,
                    area.name,
                    area.parent_code,
                    households=area.households or 0,
                    people=area.people or 0,
                    dense=area.dense,
                    polygon=area.polygon,
                )
    except county.AreaChangeError as exc:
        log.warning("the registry refused an area change", extra={"area": area.code, "error": str(exc)})


def follow_in_registry(org: county.Organisation, now: Callable[[], dt.datetime]) -> Listener:
    """A listener applying each change to ``org`` once it is in force (scheduled when it is later)."""

    def listener(area: AreaChanged) -> None:
        delay = (area.effective_from - now()).total_seconds()
        if delay <= 0:
            apply_to_registry(org, area)
            return
        asyncio.get_running_loop().call_later(delay, apply_to_registry, org, area)

    return listener


def bucket_name(events_prefix: str) -> str:
    return f"{events_prefix}_areas".replace(".", "_").replace("-", "_")


async def open_bucket(js: JetStreamContext, events_prefix: str) -> KeyValue:
    bucket = bucket_name(events_prefix)
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        try:
            return await js.create_key_value(
                KeyValueConfig(
                    bucket=bucket,
                    history=1,
                    storage=StorageType.FILE,
                    description="latest version of every area changed in svc-grid (grid.area.changed)",
                )
            )
        except Exception:
            return await js.key_value(bucket)


async def watch_areas(ctx: ServiceContext) -> None:
    """Background job of every service: keep ``ctx.areas`` from the bucket (restarted if it fails)."""
    await follow_bucket(ctx.bus, ctx.areas)


async def follow_bucket(bus: EventBus, copy: AreaCopy) -> None:
    """Apply every area of the bucket to ``copy``, then each change as it comes (runs until cancelled)."""
    js = await bus.wait_ready()
    kv = await open_bucket(js, bus.prefix)
    watcher = await kv.watchall()
    try:
        while True:
            entry = await watcher.updates(timeout=None)
            if entry is None:  # every area known at start has been delivered
                copy.loaded.set()
                log.info("areas loaded", extra={"areas": len(copy)})
                continue
            if not entry.value:
                continue  # a deleted key (an operator's purge): the copy keeps what it knew
            try:
                copy.apply(AreaChanged.model_validate_json(entry.value))
            except ValidationError:
                log.exception("unreadable area in the bucket", extra={"key": entry.key})
    finally:
        await watcher.stop()


# --- svc-grid's side: the bucket follows the events ----------------------------------------------


async def _store(kv: KeyValue, area: AreaChanged) -> None:
    """Put ``area`` under its code unless the bucket holds a newer version (optimistic, retried)."""
    value = area.model_dump_json().encode()
    for _ in range(10):
        try:
            entry = await kv.get(area.code)
        except KeyNotFoundError:
            try:
                await kv.create(area.code, value)
                return
            except Exception:
                continue
        if entry.value and AreaChanged.model_validate_json(entry.value).area_version >= area.area_version:
            return
        try:
            await kv.update(area.code, value, last=entry.revision)
            return
        except KeyWrongLastSequenceError:
            continue
    raise RuntimeError(f"could not store area {area.code}")


def state_subscription(ctx: ServiceContext) -> Subscription:
    """svc-grid's durable consumer of its own ``grid.area.changed``: the bucket's only writer."""
    bucket: dict[str, Any] = {}

    async def on_area_changed(_session: AsyncSession, event: CloudEvent) -> None:
        if "kv" not in bucket:
            bucket["kv"] = await open_bucket(await ctx.bus.wait_ready(), ctx.bus.prefix)
        await _store(bucket["kv"], event.payload(AreaChanged))

    return Subscription("area-state", AreaChanged.event_type, {AreaChanged.event_type: on_area_changed})
