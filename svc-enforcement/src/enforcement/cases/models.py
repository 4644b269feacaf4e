"""Cases (案件) registered from leads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"), unique=True)
    ticket_id: Mapped[str | None] = mapped_column(String(36), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: scope keys, as on the lead: the matter's area and the handling office's department
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    handling_dept: Mapped[str] = mapped_column(String(20))
    #: the item revision in force on the day of registration; kept whatever the list says later
    item_id: Mapped[str] = mapped_column(ForeignKey("item_revisions.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    item_revision: Mapped[int]
    item_name_zh: Mapped[str] = mapped_column(String(300))
    item_legal_basis: Mapped[str] = mapped_column(Text)
    #: [{username, name, certificate_number, valid_until}] as checked at registration
    officers: Mapped[list[Any]]
    #: investigating | decided | closed
    status: Mapped[str] = mapped_column(String(20), index=True)
    registered_at: Mapped[dt.datetime]
    #: a decision within 90 days of registration (行政处罚法 art. 60), later if extended
    decision_deadline: Mapped[dt.datetime]
    #: the one extension (30 days) approved by the office's head, with its reasons
    extended_days: Mapped[int] = mapped_column(default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_by: Mapped[str | None] = mapped_column(String(64))
    extended_by_name: Mapped[str | None] = mapped_column(String(100))
    extended_at: Mapped[dt.datetime | None]
    #: the file went to legal review (送审) then; the review is due by (10 working days)
    review_submitted_at: Mapped[dt.datetime | None]
    review_due: Mapped[dt.datetime | None]
    #: when the scan found the case past its deadline undecided (reported once)
    overdue_reported_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    decided_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(64))
    #: the last entry of the whole-process record: its seq and hash
    record_seq: Mapped[int] = mapped_column(default=0)
    record_head: Mapped[str | None] = mapped_column(String(64))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
