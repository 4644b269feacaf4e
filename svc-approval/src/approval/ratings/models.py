"""Ratings and the rectification each bad rating opens. Raters are never stored by name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from approval.db import Base


class Rating(Base):
    __tablename__ = "ratings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: one rating per service (一次一评 / 一事一评)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), unique=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12))
    item_code: Mapped[str] = mapped_column(String(60))
    #: the clerk the service is accounted to (the rated one, not the rater)
    clerk_id: Mapped[str | None] = mapped_column(String(64), index=True)
    clerk_username: Mapped[str | None] = mapped_column(String(100))
    clerk_name: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[int]
    bad: Mapped[bool] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[dt.datetime] = mapped_column(index=True)
    #: a review found the rating wrong or malicious (申诉复核成立)
    appeal_upheld: Mapped[bool]


class Rectification(Base):
    __tablename__ = "rectifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rating_id: Mapped[str] = mapped_column(ForeignKey("ratings.id"), unique=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12))
    clerk_id: Mapped[str | None] = mapped_column(String(64))
    clerk_username: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    #: open | closed
    status: Mapped[str] = mapped_column(String(10), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    assignee_username: Mapped[str | None] = mapped_column(String(100))
    assignee_name: Mapped[str | None] = mapped_column(String(100))
    assigned_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime]
    #: the rater left a number (实名差评): the handler must call back before closing
    callback_required: Mapped[bool]
    #: shown only to the handler and the township leader, never in rating reads
    callback_contact: Mapped[str | None] = mapped_column(String(30))
    callback_at: Mapped[dt.datetime | None]
    callback_reached: Mapped[bool | None]
    callback_note: Mapped[str | None] = mapped_column(Text)
    #: fixed | explained | appeal_upheld
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None]
    closed_by_name: Mapped[str | None] = mapped_column(String(100))
    on_time: Mapped[bool | None]
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
