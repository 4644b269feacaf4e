"""Grid workers, the households of their grids, the evidence their grid publishes, satisfaction
surveys, and the quarterly and annual results with what follows from them (award, dismissal review)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.db import Base


class GridWorker(Base):
    """A person on a grid's roster, as grid.worker.rostered / grid.worker.left report it."""

    __tablename__ = "grid_workers"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    roster_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    #: chief | full_time | auxiliary
    post: Mapped[str] = mapped_column(String(20))
    grid_code: Mapped[str] = mapped_column(String(20), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    since: Mapped[dt.date]
    until: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime]


class Household(Base):
    """A household registered in a grid: a candidate of the satisfaction draw (no personal data)."""

    __tablename__ = "grid_households"

    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(20), index=True)
    township_code: Mapped[str] = mapped_column(String(12))
    registered_at: Mapped[dt.datetime]
    deregistered_at: Mapped[dt.datetime | None]


class WorkerFact(Base):
    """One piece of evidence: a visit, an overdue visit, a signed diary, a report, a voided report,
    a task done. ``key`` is the id of what it is about (visit id, incident id...), once per kind."""

    __tablename__ = "grid_worker_facts"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_grid_worker_facts_worker_period", "worker_id", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120))
    worker_id: Mapped[str | None] = mapped_column(String(64))
    grid_code: Mapped[str | None] = mapped_column(String(20))
    township_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(7), index=True)
    at: Mapped[dt.datetime]
    on_time: Mapped[bool | None]
    event_id: Mapped[str] = mapped_column(String(64))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    #: a verification that came before its verifier's roster entry (two streams, no order between
    #: them): the verifier's username, until ``worker_rostered`` gives the fact its worker
    verifier: Mapped[str | None] = mapped_column(String(100), index=True, default=None)


class Survey(Base):
    """A satisfaction survey of one worker for a quarter or a year: the respondents drawn at random
    from the grid's registered households. Seed and candidates are kept so anyone can redraw."""

    __tablename__ = "grid_surveys"
    __table_args__ = (UniqueConstraint("worker_id", "period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    grid_code: Mapped[str] = mapped_column(String(20))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    #: 2026-Q1 or 2026
    period: Mapped[str] = mapped_column(String(7), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    candidates: Mapped[list[str]] = mapped_column(JSON)
    sample_size: Mapped[int]
    drawn: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class SurveyAnswer(Base):
    __tablename__ = "grid_survey_answers"

    survey_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: satisfied | basically_satisfied | dissatisfied
    result: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))


class Complaint(Base):
    """A residents' complaint about a grid worker, found true (查证属实) by the township."""

    __tablename__ = "grid_complaints"
    __table_args__ = (UniqueConstraint("worker_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    reference: Mapped[str] = mapped_column(String(120))
    verified_on: Mapped[dt.date]
    note: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))


class PeriodResult(Base):
    """A worker's quarterly (township) or annual (county) result as assessed, with its parts."""

    __tablename__ = "grid_worker_results"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: 2026-Q1 (quarter) or 2026 (year)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    grid_code: Mapped[str] = mapped_column(String(20))
    work_score: Mapped[float]
    satisfaction_rate: Mapped[float]
    score: Mapped[float]
    #: quarter: 称职 or not
    failing: Mapped[bool]
    #: year: the grade by score, the bar applied, whether the cap took 优秀 away, the final grade
    grade_by_score: Mapped[str | None] = mapped_column(String(20))
    bar: Mapped[str | None] = mapped_column(String(40))
    capped: Mapped[bool]
    grade: Mapped[str | None] = mapped_column(String(20))
    award_yuan: Mapped[int]
    parts: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessed_at: Mapped[dt.datetime]
    assessed_by: Mapped[str] = mapped_column(String(100))


class DismissalReview(Base):
    """解聘审查: opened by two failing quarters (or years) in a row, or by verified complaints."""

    __tablename__ = "grid_dismissal_reviews"
    __table_args__ = (UniqueConstraint("worker_id", "reason", "basis_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    #: what triggered it: the quarters, or the year of the complaints
    basis_key: Mapped[str] = mapped_column(String(40))
    basis: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_note: Mapped[str | None] = mapped_column(Text)
