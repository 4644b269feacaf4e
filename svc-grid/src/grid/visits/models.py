"""Visits and patrols recorded in a grid, and the overdue notices already published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_grid_day", "grid_code", "visited_on"),
        Index("ix_visits_resident_day", "resident_id", "visited_on"),
        Index("ix_visits_worker_day", "worker_id", "visited_on"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: patrol | home_visit (VisitKind)
    kind: Mapped[str] = mapped_column(String(20))
    resident_id: Mapped[str | None] = mapped_column(String(36))
    household_no: Mapped[str | None] = mapped_column(String(30), index=True)
    visited_at: Mapped[dt.datetime]
    #: the local (county) date of ``visited_at``: what the schedule counts
    visited_on: Mapped[dt.date]
    location: Mapped[dict[str, Any]]
    #: the point lies outside the grid's polygon: recorded, and flagged for review
    outside_grid: Mapped[bool] = mapped_column(default=False)
    found: Mapped[str] = mapped_column(Text)
    done: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]]
    #: who did the visit (identity) and, when a B post covered, the absent A worker it counts for
    worker_id: Mapped[str] = mapped_column(String(64))
    worker_name: Mapped[str] = mapped_column(String(100))
    covering_for: Mapped[str | None] = mapped_column(String(64))
    incident_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime]


class OverdueNotice(Base):
    """One ``grid.visit.overdue`` per missed obligation: (who, group, the missed period's last day)."""

    __tablename__ = "visit_overdue_notices"

    #: a resident id, or ``household:<household_no>``, or ``patrol:<grid_code>``
    subject_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    group: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_on: Mapped[dt.date] = mapped_column(primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    published_at: Mapped[dt.datetime]
