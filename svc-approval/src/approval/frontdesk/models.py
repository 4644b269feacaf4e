"""Window posts and inquiries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from approval.db import Base


class Post(Base):
    """A window post: its A clerk and the B clerk who takes the queue when A is absent (AB岗)."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("area_code", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # clerks are named by login name: stable across installations, unlike the token subject
    a_username: Mapped[str] = mapped_column(String(100), index=True)
    a_name: Mapped[str] = mapped_column(String(100))
    b_username: Mapped[str] = mapped_column(String(100), index=True)
    b_name: Mapped[str] = mapped_column(String(100))
    a_absent: Mapped[bool]
    absent_since: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Inquiry(Base):
    """A matter someone brought to the centre; the first clerk owns it until handing it over."""

    __tablename__ = "inquiries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    area_code: Mapped[str] = mapped_column(String(12), index=True)
    #: window | phone | online | hotline_12345
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(60))
    inquirer_name: Mapped[str | None] = mapped_column(String(100))
    inquirer_contact: Mapped[str | None] = mapped_column(String(30))
    #: queued (in the centre's queue, nobody owns it yet) → open (owned) → answered
    status: Mapped[str] = mapped_column(String(10), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    owner_username: Mapped[str | None] = mapped_column(String(100), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(100))
    first_owner_username: Mapped[str | None] = mapped_column(String(100))
    taken_at: Mapped[dt.datetime | None]
    handovers: Mapped[int]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by_name: Mapped[str | None] = mapped_column(String(100))
    #: the 12345 ticket it came from
    ticket_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    deadline: Mapped[dt.datetime | None]
    correlation_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class InquiryStep(Base):
    __tablename__ = "inquiry_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id"), index=True)
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    actor_name: Mapped[str | None] = mapped_column(String(100))
