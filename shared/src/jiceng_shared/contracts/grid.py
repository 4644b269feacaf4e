"""Events published by svc-grid."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import BaseModel

from jiceng_shared.contracts.common import GeoPoint
from jiceng_shared.events import EventPayload


class AttachmentMeta(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str


class IncidentReported(EventPayload):
    event_type = "grid.incident.reported"

    incident_id: str
    number: str
    category: str
    description: str
    location: GeoPoint
    grid_code: str
    township_code: str
    reporter_id: str
    attachments: list[AttachmentMeta] = []
    reported_at: dt.datetime


class VisitRecorded(EventPayload):
    event_type = "grid.visit.recorded"

    visit_id: str
    grid_code: str
    township_code: str
    worker_id: str
    resident_id: str | None = None
    kind: str
    visited_at: dt.datetime
    household_no: str | None = None
    #: the absent A worker the visit counts for, when the B post did it (002 art. 22)
    covering_for: str | None = None
    #: the visit's point lies outside the grid (recorded, flagged for review)
    outside_grid: bool = False


class VisitOverdue(EventPayload):
    """One missed obligation of the visit schedule (002 art. 19), published once.

    Version 2 (2026-11): the grid's daily patrol is an obligation too, so ``resident_id`` is
    ``None`` for ``subject`` ``patrol`` (version 1 required it and left patrols unpublished).
    ``subject`` tells the three apart; the event's CloudEvents ``subject`` is the obligation's key
    (the resident id, ``household:<household_no>`` or ``patrol:<grid_code>``).
    """

    event_type = "grid.visit.overdue"
    version: ClassVar[int] = 2

    grid_code: str
    township_code: str
    worker_id: str | None = None
    #: person | household | patrol
    subject: str = "person"
    #: the person visited; for a household its head; None for a patrol
    resident_id: str | None = None
    #: the register (solitary_elderly, ...), ``household`` or ``patrol``
    group: str
    due_on: dt.date
    #: for a household's obligation: the household (``resident_id`` is then its head)
    household_no: str | None = None
    #: day | workday | week | month | half_year | year
    period: str | None = None


class DiarySigned(EventPayload):
    event_type = "grid.diary.signed"

    diary_id: str
    grid_code: str
    township_code: str
    worker_id: str
    day: dt.date
    signed_by: str


class WorkerRostered(EventPayload):
    """A person took a post on a grid's roster (网格长, 专职网格员, 网格辅助员)."""

    event_type = "grid.worker.rostered"

    roster_id: str
    worker_id: str
    username: str | None = None
    name: str
    #: chief | full_time | auxiliary
    post: str
    grid_code: str
    township_code: str
    since: dt.date


class WorkerLeft(EventPayload):
    event_type = "grid.worker.left"

    roster_id: str
    worker_id: str
    grid_code: str
    township_code: str
    until: dt.date


class HouseholdRegistered(EventPayload):
    """A household registered in a grid: the candidates of assessment's satisfaction draw (no
    personal data leaves grid; respondents are reached through grid's own record)."""

    event_type = "grid.household.registered"

    household_id: str
    grid_code: str
    township_code: str
    registered_at: dt.datetime


class HouseholdDeregistered(EventPayload):
    event_type = "grid.household.deregistered"

    household_id: str
    grid_code: str
    township_code: str
    reason: str
    deregistered_at: dt.datetime


class TaskCompleted(EventPayload):
    """A grid worker reported back on a task of the admission list (网格准入清单)."""

    event_type = "grid.task.completed"

    task_id: str
    task_type: str
    grid_code: str
    township_code: str
    worker_id: str
    due_on: dt.date
    completed_at: dt.datetime
    on_time: bool


class AreaChanged(EventPayload):
    """A village/community or grid was created, redrawn, recounted, split, merged or retired.

    One event per area and version: a split publishes the old grid retired and each part created
    (their ``predecessors`` / ``successors`` name each other). The payload is the area's whole
    state from ``effective_from`` on, so a consumer keeps its copy by taking the highest
    ``area_version`` of each ``code``. Demo/county areas loaded from files are version 1 and published
    only when they change.
    """

    event_type = "grid.area.changed"

    code: str
    name: str
    #: village | community | grid
    kind: str
    parent_code: str
    township_code: str
    #: GeoJSON Polygon/MultiPolygon (WGS-84), None when the area has no drawn boundary
    polygon: dict[str, Any] | None = None
    #: active | retired
    status: str
    effective_from: dt.datetime
    #: the area's version number (1, 2, ...); "version" names the payload schema's version
    area_version: int
    #: created | redrawn | recounted | split | merged | retired | imported
    change: str
    grid_type: str | None = None
    households: int | None = None
    people: int | None = None
    dense: bool = False
    #: grids this one replaced (a split's parts, a merge's result)
    predecessors: list[str] = []
    #: grids that replaced this one (a split or merged grid)
    successors: list[str] = []
