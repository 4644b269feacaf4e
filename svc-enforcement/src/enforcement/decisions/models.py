"""Rights notices, legal reviews and decisions of cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.db import Base
from jiceng_shared.personaldata import Encrypted


class RightsNotice(Base):
    """事先告知: the proposed decision told to the party with the rights of statement and defence (art. 44-45)."""

    __tablename__ = "rights_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    party_kind: Mapped[str] = mapped_column(String(20))
    #: encrypted at rest (SM4, jiceng_shared.personaldata): up to 200 characters
    party_name: Mapped[str] = mapped_column(Encrypted(1000, subject="name"))
    penalty: Mapped[str] = mapped_column(String(40))
    fine_yuan: Mapped[int]
    confiscated_value_yuan: Mapped[int]
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    #: heavy penalties carry the right to ask for a hearing (art. 63-64)
    hearing_offered: Mapped[bool]
    hearing_request_deadline: Mapped[dt.datetime | None]
    notified_by: Mapped[str] = mapped_column(String(64))
    notified_by_name: Mapped[str] = mapped_column(String(100))
    notified_at: Mapped[dt.datetime] = mapped_column(index=True)


class ReviewerQualification(Base):
    """A legal reviewer's national legal professional qualification (法律职业资格, 行政处罚法 art. 58):
    only a reviewer holding a valid one reviews the township's decisions."""

    __tablename__ = "reviewer_qualifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    certificate_number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class LegalReview(Base):
    """法制审核 of a proposed decision (art. 58)."""

    __tablename__ = "legal_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    #: a ReviewOutcome: passed | failed
    outcome: Mapped[str] = mapped_column(String(20))
    opinion: Mapped[str] = mapped_column(Text)
    penalty: Mapped[str] = mapped_column(String(40))
    fine_yuan: Mapped[int]
    confiscated_value_yuan: Mapped[int]
    reviewer_id: Mapped[str] = mapped_column(String(64))
    reviewer_name: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[dt.datetime] = mapped_column(index=True)
    #: the file was submitted then and the review was due by (10 working days); late when after it
    submitted_at: Mapped[dt.datetime | None]
    due: Mapped[dt.datetime | None]
    late: Mapped[bool] = mapped_column(default=False)


class Deliberation(Base):
    """集体讨论: the office's leaders decide a major case together (行政处罚法 art. 57), minuted."""

    __tablename__ = "deliberations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    #: the names of the leaders present
    members: Mapped[list[Any]]
    opinion: Mapped[str] = mapped_column(Text)
    penalty: Mapped[str] = mapped_column(String(40))
    fine_yuan: Mapped[int]
    confiscated_value_yuan: Mapped[int]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    deliberated_at: Mapped[dt.datetime] = mapped_column(index=True)


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    #: summary | ordinary
    procedure: Mapped[str] = mapped_column(String(20))
    penalty: Mapped[str] = mapped_column(String(40))
    fine_yuan: Mapped[int]
    confiscated_value_yuan: Mapped[int]
    party_kind: Mapped[str] = mapped_column(String(20))
    #: encrypted at rest (SM4, jiceng_shared.personaldata): up to 200 characters
    party_name: Mapped[str] = mapped_column(Encrypted(1000, subject="name"))
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    major: Mapped[bool]
    #: usernames of the officers present (summary procedure: at least two, art. 51-52)
    officers_present: Mapped[list[Any]]
    rights_notice_id: Mapped[str | None] = mapped_column(String(36))
    legal_review_id: Mapped[str | None] = mapped_column(String(36))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_by_name: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime]
