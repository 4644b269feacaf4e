"""Handling units and the facts counted for them.

Facts are insert-only rows, one per thing that happened (an assignment, a closure, a reopen...),
each with the month it counts in. Indicators are counted from them when read, so the result
never depends on the order events arrived in: a closure followed (in time) by a reopen is not a
closure any more, whichever of the two events came first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class Unit(Base):
    """A handling unit as the events name it (``<area code>:<department>``)."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the unit's own area: its township, or the county for a county department (scope key)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    dept: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime]


class TicketAssignment(Base):
    """A ticket given to a unit as its primary handler (once per ticket and unit): 应结案 unless the
    unit handed it off correctly (see :class:`TicketHandoff`)."""

    __tablename__ = "ticket_assignments"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code"),
        Index("ix_ticket_assignments_unit_period", "unit_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    assigned_at: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime | None]
    #: end of the window in which the unit may return the ticket as outside its remit (退单)
    return_by: Mapped[dt.datetime | None]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class TicketHandoff(Base):
    """A ticket leaving a unit: returned (退单), transferred (移送) or moved by the centre (改派).

    One row per ticket, unit and kind (the earliest): ``dispatch.ticket.returned`` and the
    centre's ``dispatch.ticket.reassigned`` after it describe the same return. A correct hand-off
    takes the ticket out of the unit's 应结案 (it counts for the unit that finally handles it); a
    return after the window does not.
    """

    __tablename__ = "ticket_handoffs"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code", "kind"),
        Index("ix_ticket_handoffs_unit_period", "unit_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(80))
    to_unit_code: Mapped[str | None] = mapped_column(String(80))
    #: return | transfer | reassignment
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7), index=True)
    at: Mapped[dt.datetime]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class TicketExtension(Base):
    """延期: an approved extension of a ticket's handling limit."""

    __tablename__ = "ticket_extensions"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code", "approved_at"),
        Index("ix_ticket_extensions_unit_period", "unit_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    approved_at: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class TicketClosure(Base):
    """结案: one closure of a ticket; it counts unless a later closure or reopen supersedes it."""

    __tablename__ = "ticket_closures"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code", "closed_at"),
        Index("ix_ticket_closures_unit_period", "unit_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    closed_at: Mapped[dt.datetime]
    on_time: Mapped[bool]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class TicketRework(Base):
    """返工: a ticket reopened after a failed verification or a dissatisfied callback."""

    __tablename__ = "ticket_reworks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code", "reopened_at"),
        Index("ix_ticket_reworks_unit_period", "unit_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    reopened_at: Mapped[dt.datetime]
    rework_count: Mapped[int]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class TicketEscalation(Base):
    """督办: a ticket escalated past its limit."""

    __tablename__ = "ticket_escalations"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_code", "level", "escalated_at"),
        Index("ix_ticket_escalations_unit_period", "unit_code", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    level: Mapped[int]
    escalated_at: Mapped[dt.datetime]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class Summons(Base):
    """吹哨报到: one summoned unit; issue and answer may arrive in either order.

    It counts in the month it was issued (or, until the issue is known, the month of the answer).
    """

    __tablename__ = "summons"
    __table_args__ = (Index("ix_summons_unit_period", "unit_code", "period"),)

    summons_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7), index=True)
    township_code: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[dt.datetime | None]
    respond_by: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    answered_on_time: Mapped[bool | None]
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class CaseClosure(Base):
    """An enforcement case closed by the unit; counts in the month it closed."""

    __tablename__ = "case_closures"
    __table_args__ = (Index("ix_case_closures_unit_period", "unit_code", "period"),)

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    opened_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime]
    #: calendar days from registration to closure, on the county's clock
    duration_days: Mapped[int]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)


class CaseOverdue(Base):
    """An enforcement case past its decision limit (90 days from filing plus an approved extension);
    counts in the month it was detected, once per case."""

    __tablename__ = "case_overdues"
    __table_args__ = (Index("ix_case_overdues_unit_period", "unit_code", "period"),)

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7), index=True)
    filed_at: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime]
    detected_at: Mapped[dt.datetime]
    township_code: Mapped[str] = mapped_column(String(12))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
