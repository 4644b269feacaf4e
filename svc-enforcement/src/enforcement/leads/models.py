"""Leads (线索) recorded from tickets dispatched to the township's enforcement office, and their transfers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    #: one lead per ticket, however often the assignment is delivered; none for a lead found otherwise
    ticket_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: scope key: the most specific area of the matter (grid, village or township code)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    category: Mapped[str] = mapped_column(String(60), index=True)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[dict[str, Any] | None]
    source: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    #: the unit dispatch assigned the ticket to (the township's enforcement office), as a UnitRef
    assigned_unit: Mapped[dict[str, Any]]
    #: the item revision resolved from the category on the day the lead arrived
    item_id: Mapped[str | None] = mapped_column(String(36))
    item_code: Mapped[str | None] = mapped_column(String(40))
    item_revision: Mapped[int | None]
    item_name_zh: Mapped[str | None] = mapped_column(String(300))
    competent_dept: Mapped[str | None] = mapped_column(String(20))
    #: whether that item was delegated to the township on that day
    delegated: Mapped[bool] = mapped_column(index=True)
    #: received | case_opened | not_filed | transferred | case_closed
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: who handles the lead now (scope key ``dept``): the township office, or after a transfer the county department
    handling_unit_code: Mapped[str] = mapped_column(String(40))
    handling_unit_name: Mapped[str] = mapped_column(String(200))
    handling_dept: Mapped[str] = mapped_column(String(20), index=True)
    received_at: Mapped[dt.datetime]
    #: decide whether to file by then (rules-reference §7.4)
    filing_deadline: Mapped[dt.datetime]
    #: the one extension of the filing limit (15 working days) approved by the office's head
    filing_extended_workdays: Mapped[int] = mapped_column(default=0)
    filing_extension_reason: Mapped[str | None] = mapped_column(Text)
    filing_extended_by_name: Mapped[str | None] = mapped_column(String(100))
    #: when it was decided to file or not, and whether that was after the limit
    filing_decided_at: Mapped[dt.datetime | None]
    filing_decided_late: Mapped[bool] = mapped_column(default=False)
    #: 不予立案: the ground and the reasons
    not_filed_ground: Mapped[str | None] = mapped_column(String(40))
    not_filed_reason: Mapped[str | None] = mapped_column(Text)
    #: who recorded a lead found by the office itself (patrol, complaint, transfer...)
    recorded_by_name: Mapped[str | None] = mapped_column(String(100))
    overdue_reported_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Transfer(Base):
    """移送: the lead handed to the competent county department, with the reason and who did it."""

    __tablename__ = "transfers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), unique=True)
    #: outside_delegated_powers | suspected_crime | major_or_cross_area
    ground: Mapped[str] = mapped_column(String(40))
    to_unit_code: Mapped[str] = mapped_column(String(40))
    to_unit_name: Mapped[str] = mapped_column(String(200))
    to_dept: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    transferred_by: Mapped[str] = mapped_column(String(64))
    transferred_by_name: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(64))
    transferred_at: Mapped[dt.datetime]
