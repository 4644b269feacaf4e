"""The grid admission list (网格准入清单, 001), versioned, and the tasks pushed down to grid workers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grid.db import Base


class AdmissionList(Base):
    """One version of a county's list of task types that may be pushed down to grid workers."""

    __tablename__ = "admission_lists"
    __table_args__ = (UniqueConstraint("county_code", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(12), index=True)
    version: Mapped[int]
    effective_from: Mapped[dt.date]
    #: [{"code": ..., "name": ..., "department": ...}]
    task_types: Mapped[list[Any]]
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime]


class GridTask(Base):
    __tablename__ = "grid_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_type: Mapped[str] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: the assigning department (None: the township itself)
    dept: Mapped[str | None] = mapped_column(String(40))
    due_on: Mapped[dt.date]
    #: the version of the admission list the task was admitted under
    list_version: Mapped[int]
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]


class TaskAssignment(Base):
    """The task on one grid: assigned → completed (reported back by the grid worker)."""

    __tablename__ = "task_assignments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("grid_tasks.id"), index=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12))
    dept: Mapped[str | None] = mapped_column(String(40))
    #: assigned | completed
    status: Mapped[str] = mapped_column(String(20), index=True)
    report: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[dt.datetime | None]
    on_time: Mapped[bool | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
