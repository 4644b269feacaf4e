"""Applications and what hangs off them: materials, notices, receipts, timeline, pauses, extensions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from approval.db import Base
from jiceng_shared.personaldata import Encrypted


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        # the deadline scanner's lookups: open applications by deadline, finished ones by completion
        Index("ix_applications_status_deadline", "status", "deadline"),
        Index("ix_applications_status_completed_at", "status", "completed_at"),
        # a list filtered on one column, newest first: without these the newest-first walk of the
        # created-at index reads every newer row that does not match (linear in the table). Each
        # also serves what the single-column index on its first column did, which it replaces.
        Index("ix_applications_status_created", "status", "created_at", "id"),
        Index("ix_applications_item_created", "item_code", "created_at", "id"),
        Index("ix_applications_township_created", "township_code", "created_at", "id"),
        Index("ix_applications_competent_area_created", "competent_area_code", "created_at", "id"),
        Index("ix_applications_channel_created", "channel", "created_at", "id"),
        Index("ix_applications_overdue_created", "overdue", "created_at", "id"),
        Index("ix_applications_priority_created", "priority", "created_at", "id"),
        Index("ix_applications_cross_township_created", "cross_township", "created_at", "id"),
        Index("ix_applications_clerk_created", "clerk_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_number: Mapped[str] = mapped_column(String(40), unique=True)
    #: sha256 of the check code printed on the receipt (public status lookup)
    check_code_hash: Mapped[str] = mapped_column(String(64))

    # the catalogue version that applied when the application was received; later edits never touch it
    item_id: Mapped[str] = mapped_column(ForeignKey("catalogue_items.id"))
    item_code: Mapped[str] = mapped_column(String(60))
    item_version: Mapped[int]
    item_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    limit_workdays: Mapped[int | None]
    joint: Mapped[bool]

    channel: Mapped[str] = mapped_column(String(10))
    applicant_kind: Mapped[str] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(100))
    #: encrypted at rest (SM4, jiceng_shared.personaldata): never compared in SQL
    applicant_id_number: Mapped[str] = mapped_column(Encrypted(subject="id_number"))
    applicant_phone: Mapped[str | None] = mapped_column(Encrypted(subject="phone"))
    applicant_area_code: Mapped[str] = mapped_column(String(15))
    proxy_agent_id: Mapped[str | None] = mapped_column(String(64))
    proxy_agent_username: Mapped[str | None] = mapped_column(String(100))
    proxy_agent_name: Mapped[str | None] = mapped_column(String(100))
    door_to_door: Mapped[bool]
    extended_hours: Mapped[bool]
    holiday: Mapped[bool]
    green_channel: Mapped[str | None] = mapped_column(String(30))
    priority: Mapped[bool]

    #: scope key: the accepting township, or the village/grid of the agent of a proxy application
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    #: the township whose window received it
    township_code: Mapped[str] = mapped_column(String(12))
    #: the deciding unit: a township's 行政审批局 (delegated item) or a county department
    competent_area_code: Mapped[str] = mapped_column(String(12))
    competent_dept: Mapped[str] = mapped_column(String(20))
    competent_unit_code: Mapped[str] = mapped_column(String(40))
    competent_unit_name: Mapped[str] = mapped_column(String(200))
    #: the applicant's township (where a county department's decision applies)
    competent_township_code: Mapped[str] = mapped_column(String(12))
    cross_township: Mapped[bool]

    #: received → awaiting_materials ⇄ received → accepted → decided → completed; or not_accepted
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(10))

    received_at: Mapped[dt.datetime]
    received_by_id: Mapped[str] = mapped_column(String(64))
    received_by_username: Mapped[str | None] = mapped_column(String(100))
    received_by_name: Mapped[str] = mapped_column(String(100))
    #: when the materials now on file arrived (receipt, or the last supplement): the notice window starts here
    materials_received_at: Mapped[dt.datetime]
    notice_due: Mapped[dt.datetime | None]
    notices_issued: Mapped[int]

    accepted_at: Mapped[dt.datetime | None]
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    deemed_accepted: Mapped[bool]
    #: the window clerk the application is accounted to (accepted it, or received it and let the notice window pass)
    clerk_id: Mapped[str | None] = mapped_column(String(64))
    clerk_username: Mapped[str | None] = mapped_column(String(100))
    clerk_name: Mapped[str | None] = mapped_column(String(100))

    deadline: Mapped[dt.datetime | None]
    extension_days: Mapped[int]
    paused_days: Mapped[int]
    paused_since: Mapped[dt.datetime | None]

    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[str | None] = mapped_column(String(64))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    appeal_route: Mapped[str | None] = mapped_column(Text)
    issue_deadline: Mapped[dt.datetime | None]

    completed_at: Mapped[dt.datetime | None]
    handed_out_by_id: Mapped[str | None] = mapped_column(String(64))
    handed_out_by_username: Mapped[str | None] = mapped_column(String(100))
    handed_out_by_name: Mapped[str | None] = mapped_column(String(100))
    delivery: Mapped[str | None] = mapped_column(String(20))
    on_time: Mapped[bool | None]
    overrun_seconds: Mapped[int | None]
    overdue: Mapped[bool]
    overdue_reported_at: Mapped[dt.datetime | None]
    issue_overdue_reported_at: Mapped[dt.datetime | None]

    rating_code_hash: Mapped[str | None] = mapped_column(String(64))
    rated: Mapped[bool]
    rating_invited_at: Mapped[dt.datetime | None]

    non_acceptance_reason: Mapped[str | None] = mapped_column(Text)
    competent_authority: Mapped[str | None] = mapped_column(String(200))

    correlation_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ApplicationMaterial(Base):
    """One material of the item's list for this application, and what became of it."""

    __tablename__ = "application_materials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    requirement: Mapped[str] = mapped_column(String(10))
    present: Mapped[bool]
    #: the state at the first check: what a later notice may not ask for again (一次性告知)
    present_at_first_check: Mapped[bool]
    defect: Mapped[str | None] = mapped_column(Text)
    #: sequence of the first notice that listed it, and of the last one
    first_flagged_in: Mapped[int | None]
    flagged_in: Mapped[int | None]
    supplied_at: Mapped[dt.datetime | None]
    #: the order of the catalogue's list
    position: Mapped[int]


class Notice(Base):
    """A one-time notice (一次性告知书) listing every missing or defective material at once."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    sequence: Mapped[int]
    #: [{code, name, problem: missing|defective, note}]
    items: Mapped[list[Any]]
    issued_at: Mapped[dt.datetime]
    in_time: Mapped[bool]
    issued_by_id: Mapped[str] = mapped_column(String(64))
    issued_by_username: Mapped[str | None] = mapped_column(String(100))
    issued_by_name: Mapped[str] = mapped_column(String(100))


class Receipt(Base):
    """A dated document handed to the applicant: acceptance, non-acceptance, notice, decision."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[dt.datetime]
    #: the date printed on it (Asia/Shanghai)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[dict[str, Any]]


class ApplicationStep(Base):
    """The timeline; ``public`` steps are what the applicant sees by receipt number and check code."""

    __tablename__ = "application_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    public: Mapped[bool]
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(64))


class ClockPause(Base):
    """Time for a hearing, testing, appraisal or expert review, which does not count (law art. 45)."""

    __tablename__ = "clock_pauses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime]
    started_by_name: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[dt.datetime | None]
    workdays: Mapped[int | None]


class Extension(Base):
    """An extension of the decision limit, approved by the head (law art. 42)."""

    __tablename__ = "extensions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    #: requested | approved | refused
    status: Mapped[str] = mapped_column(String(10))
    requested_by_id: Mapped[str] = mapped_column(String(64))
    requested_by_name: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[dt.datetime]
    decided_by_id: Mapped[str | None] = mapped_column(String(64))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Violation(Base):
    """A refused attempt against the one-time-notice rule, kept for supervision and assessment."""

    __tablename__ = "violations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    clerk_id: Mapped[str] = mapped_column(String(64))
    clerk_username: Mapped[str | None] = mapped_column(String(100))
    clerk_name: Mapped[str] = mapped_column(String(100))
    material_codes: Mapped[list[Any]]
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(index=True)
