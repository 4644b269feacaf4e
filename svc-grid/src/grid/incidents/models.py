"""Incidents reported from the grid, and the steps of their journey."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(60), index=True)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any]]
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    reporter_id: Mapped[str] = mapped_column(String(64), index=True)
    reporter_name: Mapped[str] = mapped_column(String(100))
    attachments: Mapped[list[Any]]
    #: reported → registered → dispatched → handled → closed; reopened after a failed verification
    status: Mapped[str] = mapped_column(String(20), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(36), index=True)
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    handling_unit: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(36), index=True)
    #: time of the newest ticket event applied; older ones arriving late are ignored
    last_event_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    # a list filtered on one column, newest first, reads only matching rows (cursor pagination)
    __table_args__ = (
        Index("ix_incidents_status_created", "status", "created_at", "id"),
        Index("ix_incidents_grid_created", "grid_code", "created_at", "id"),
        Index("ix_incidents_category_created", "category", "created_at", "id"),
    )


class IncidentStep(Base):
    __tablename__ = "incident_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
