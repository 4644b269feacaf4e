"""API shapes of the facts behind the figures."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class FactOut(BaseModel):
    kind: str
    kind_zh: str
    ref: str = Field(description="what the fact is about: the ticket, application, rating, visit, case... id")
    at: dt.datetime | None
    period: str = Field(description="the month it counts in (Asia/Shanghai)")
    on_time: bool | None
    feeds: list[str] = Field(description="the counts this fact feeds")
    detail: dict[str, object]
    correlation_id: str | None = Field(description="the journey of the events it came from")


class Evidence(BaseModel):
    subject_kind: str
    subject_id: str
    period: str
    items: list[FactOut]
