"""Tickets (工单), the reports merged into them, and every step of their journey."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from dispatch.db import Base
from dispatch.tickets.rules import SUPERVISED_STATUSES, LimitUnit
from jiceng_shared.contracts.common import UnitKindValue, UnitRef
from jiceng_shared.personaldata import Encrypted, lookup

#: the predicate of the overdue filter's partial index: the statuses whose clock runs
SUPERVISED_PREDICATE = "status IN (" + ", ".join(f"'{status.value}'" for status in SUPERVISED_STATUSES) + ")"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_township_category_status", "township_code", "category", "status"),
        Index("ix_tickets_created", "created_at", "id"),
        # a list filtered on one column, newest first: without these the newest-first walk of
        # ix_tickets_created reads every newer row that does not match (linear in the table)
        Index("ix_tickets_status_created", "status", "created_at", "id"),
        Index("ix_tickets_unit_created", "unit_code", "created_at", "id"),
        Index("ix_tickets_category_created", "category", "created_at", "id"),
        Index("ix_tickets_source_created", "source", "created_at", "id"),
        Index("ix_tickets_area_created", "area_code", "created_at", "id"),
        # the overdue filter, newest first, over the tickets whose clock runs only: the closed ones,
        # nearly all of a year's, are never in it (queries.supervised, whose literal list the
        # planner matches with this predicate)
        Index(
            "ix_tickets_supervised_created",
            "created_at",
            "id",
            postgresql_where=text(SUPERVISED_PREDICATE),
            sqlite_where=text(SUPERVISED_PREDICATE),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(60), index=True)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any] | None]
    #: the location's longitude and latitude as numbers (set with it): the map reads a township's
    #: 10,000 points without the database decoding 10,000 JSON documents
    lng: Mapped[float | None]
    lat: Mapped[float | None]
    township_code: Mapped[str] = mapped_column(String(12))
    #: the most specific area: the grid code for grid reports, else the township code (scope key)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    #: grid | hotline | department | centre
    source: Mapped[str] = mapped_column(String(20), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(64))
    #: the department whose system (or the hotline) posted the ticket; it may read it back
    intake_dept: Mapped[str | None] = mapped_column(String(20), index=True)
    reporter_id: Mapped[str | None] = mapped_column(String(64))
    #: the caller's contact, encrypted at rest (SM4, jiceng_shared.personaldata); the phone found
    #: by its keyed hash (the same caller's duplicate)
    caller_name: Mapped[str | None] = mapped_column(Encrypted(subject="name"))
    caller_phone: Mapped[str | None] = mapped_column(Encrypted(subject="phone"))
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    #: when the (first) report was made: the reference time of duplicate detection
    reported_at: Mapped[dt.datetime]

    # the handling unit (snapshot of its UnitRef); dept is the scope key of the unit's staff
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    unit_dept: Mapped[str | None] = mapped_column(String(20), index=True)
    unit_kind: Mapped[UnitKindValue | None] = mapped_column(String(30))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    unit_area_code: Mapped[str | None] = mapped_column(String(12))
    cooperating_units: Mapped[list[Any]]
    #: the responsibility-list version the ticket was routed with; later versions never rewrite it
    responsibility_version: Mapped[int | None]

    # limits, copied from the category at intake so a later change of the category does not move them
    urgent: Mapped[bool] = mapped_column(default=False)
    dispatch_limit_minutes: Mapped[int]
    handle_limit_value: Mapped[int]
    handle_limit_unit: Mapped[LimitUnit] = mapped_column(String(20))
    #: by when a returned or unroutable ticket must be dispatched (again)
    dispatch_due_at: Mapped[dt.datetime | None]
    #: dispatch-limit supervision: when its warning is due (None once raised), the 督办 level reached
    #: and when the next level is reached
    dispatch_warn_at: Mapped[dt.datetime | None]
    dispatch_level: Mapped[int] = mapped_column(default=0)
    dispatch_escalate_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: 签收: the response limit copied from the category, by when the unit must sign for the ticket
    #: (None once signed), and when it did
    response_limit_minutes: Mapped[int | None]
    response_due_at: Mapped[dt.datetime | None]
    response_warn_at: Mapped[dt.datetime | None]
    response_level: Mapped[int] = mapped_column(default=0)
    response_escalate_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    signed_at: Mapped[dt.datetime | None]
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

    #: 作废: the reason (VoidReason) of a voided report
    void_reason: Mapped[str | None] = mapped_column(String(30))
    #: 挂账: a pending request's written reasons; while parked, since when and the state to resume to
    park_reason: Mapped[str | None] = mapped_column(Text)
    parked_at: Mapped[dt.datetime | None]
    parked_from: Mapped[str | None] = mapped_column(String(20))
    #: 回访: callbacks recorded, how many reopened the ticket, the last result
    callback_count: Mapped[int] = mapped_column(default=0)
    callback_reopens: Mapped[int] = mapped_column(default=0)
    callback_result: Mapped[str | None] = mapped_column(String(30))
    verified_at: Mapped[dt.datetime | None]

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

    @validates("caller_phone")
    def _hash_caller_phone(self, _key: str, value: str | None) -> str | None:
        """Every assignment of the phone sets its look-up hash too."""
        self.caller_phone_hash = lookup(value) if value is not None else None
        return value

    @property
    def unit(self) -> UnitRef | None:
        return unit_of(self)

    def set_unit(self, unit: UnitRef | None) -> None:
        self.unit_code = unit.code if unit else None
        self.unit_dept = unit.dept if unit else None
        self.unit_kind = unit.kind if unit else None
        self.unit_name = unit.name if unit else None
        self.unit_area_code = unit.area_code if unit else None


def unit_of(ticket: Ticket | Any) -> UnitRef | None:
    """The handling unit of a ticket, or of a row of its unit columns (a statement's RETURNING)."""
    if ticket.unit_code is None or ticket.unit_kind is None:
        return None
    return UnitRef(
        code=ticket.unit_code,
        area_code=ticket.unit_area_code or "",
        dept=ticket.unit_dept or "",
        name=ticket.unit_name or "",
        kind=ticket.unit_kind,
    )


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
    reported_at: Mapped[dt.datetime] = mapped_column(index=True)
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


class TicketCallback(Base):
    """A satisfaction callback (回访) of a citizen's ticket, by the centre or the originating system."""

    __tablename__ = "ticket_callbacks"
    __table_args__ = (UniqueConstraint("ticket_id", "attempt"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    attempt: Mapped[int]
    #: CallbackResult
    result: Mapped[str] = mapped_column(String(30))
    resolved: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)
    #: centre | the originating department
    channel: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
