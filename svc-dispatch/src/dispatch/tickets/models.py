"""Tickets (工单), the reports merged into them, and every step of their journey."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db import Base
from jiceng_shared.contracts.common import UnitRef


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_township_category_status", "township_code", "category", "status"),
        Index("ix_tickets_created", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(60), index=True)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any] | None]
    township_code: Mapped[str] = mapped_column(String(12))
    #: the most specific area: the grid code for grid reports, else the township code (scope key)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    #: grid | hotline | department | centre
    source: Mapped[str] = mapped_column(String(20), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(64))
    #: the department whose system (or the hotline) posted the ticket; it may read it back
    intake_dept: Mapped[str | None] = mapped_column(String(20), index=True)
    reporter_id: Mapped[str | None] = mapped_column(String(64))
    caller_name: Mapped[str | None] = mapped_column(String(50))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    #: when the (first) report was made: the reference time of duplicate detection
    reported_at: Mapped[dt.datetime]

    # the handling unit (snapshot of its UnitRef); dept is the scope key of the unit's staff
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    unit_dept: Mapped[str | None] = mapped_column(String(20), index=True)
    unit_kind: Mapped[str | None] = mapped_column(String(30))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    unit_area_code: Mapped[str | None] = mapped_column(String(12))
    cooperating_units: Mapped[list[Any]]
    #: the responsibility-list version the ticket was routed with; later versions never rewrite it
    responsibility_version: Mapped[int | None]

    # limits, copied from the category at intake so a later change of the category does not move them
    urgent: Mapped[bool] = mapped_column(default=False)
    dispatch_limit_minutes: Mapped[int]
    handle_limit_value: Mapped[int]
    handle_limit_unit: Mapped[str] = mapped_column(String(20))
    #: by when a returned or unroutable ticket must be dispatched (again)
    dispatch_due_at: Mapped[dt.datetime | None]
    assigned_at: Mapped[dt.datetime | None]
    deadline: Mapped[dt.datetime | None] = mapped_column(index=True)
    warn_at: Mapped[dt.datetime | None]
    warning: Mapped[bool] = mapped_column(default=False)
    escalation_level: Mapped[int] = mapped_column(default=0)
    #: when the next escalation level is reached (None: no further level)
    escalate_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # extension (延期): the most the category allows, what was granted, and a pending request,
    # all in the unit of the handling limit
    extension_max_value: Mapped[int | None]
    extended_value: Mapped[int] = mapped_column(default=0)
    extension_requested_value: Mapped[int | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)

    outcome: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    on_time: Mapped[bool | None]
    rework_count: Mapped[int] = mapped_column(default=0)
    lead_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36))
    #: time of the last change of state; events about older facts do not move the ticket back
    state_at: Mapped[dt.datetime]

    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def unit(self) -> UnitRef | None:
        if self.unit_code is None:
            return None
        return UnitRef(
            code=self.unit_code,
            area_code=self.unit_area_code or "",
            dept=self.unit_dept or "",
            name=self.unit_name or "",
            kind=self.unit_kind,  # type: ignore[arg-type]
        )

    def set_unit(self, unit: UnitRef | None) -> None:
        self.unit_code = unit.code if unit else None
        self.unit_dept = unit.dept if unit else None
        self.unit_kind = unit.kind if unit else None
        self.unit_name = unit.name if unit else None
        self.unit_area_code = unit.area_code if unit else None


class TicketReport(Base):
    """A report behind a ticket: the first one, and each duplicate merged into it (并单)."""

    __tablename__ = "ticket_reports"
    # one incident (or one external call reference of one intake department) belongs to one ticket
    __table_args__ = (UniqueConstraint("source", "origin", "source_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    #: who owns the reference: "grid" for incidents, the intake department for calls
    origin: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(40))
    reporter_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any] | None]
    reported_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    merged: Mapped[bool] = mapped_column(default=False)
    correlation_id: Mapped[str] = mapped_column(String(64))


class TicketStep(Base):
    """The timeline: append-only, one row per step, with who did it and from which request."""

    __tablename__ = "ticket_steps"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64))
