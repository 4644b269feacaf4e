"""Hearings (听证) and statements of the party (陈述申辩)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base


class Hearing(Base):
    """The party's answer to the hearing offered with one rights notice, and the hearing if asked for."""

    __tablename__ = "hearings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    #: one answer per notice: a new notice (a changed proposal) opens a new window
    notice_id: Mapped[str] = mapped_column(ForeignKey("rights_notices.id"), unique=True)
    #: HearingStatus: requested | waived | scheduled | held | absent
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_at: Mapped[dt.datetime]
    request_note: Mapped[str | None] = mapped_column(Text)
    #: the hearing notice (听证通知): when, where, who chairs it, public or not (art. 64 (2)-(4))
    notified_at: Mapped[dt.datetime | None]
    scheduled_for: Mapped[dt.datetime | None]
    place: Mapped[str | None] = mapped_column(String(300))
    hearing_officer: Mapped[str | None] = mapped_column(String(100))
    hearing_officer_name: Mapped[str | None] = mapped_column(String(100))
    public: Mapped[bool | None]
    not_public_reason: Mapped[str | None] = mapped_column(Text)
    #: the hearing record (听证笔录), part of the case record (art. 64 (8), 65)
    held_at: Mapped[dt.datetime | None]
    party_attended: Mapped[bool | None]
    transcript: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Statement(Base):
    """陈述申辩: what the party says after the rights notice, recorded by an officer of the case (art. 45)."""

    __tablename__ = "statements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("rights_notices.id"), index=True)
    #: StatementKind: statement | defence
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    #: the officers' review of it: adopted or not, and why (art. 45: reviewed, never a reason to be heavier)
    review: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(index=True)
