"""API shapes of hearings and statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from enforcement.hearings.rules import HearingStatus, StatementKind


class HearingRequestIn(BaseModel):
    """The party's answer to the hearing offered, as an officer of the case receives it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"waived": False, "note": "当事人书面申请听证"}]}
    )
    #: true: the party expressly gives the hearing up (the decision need not wait for the window)
    waived: bool = False
    note: str | None = Field(None, max_length=2000)


class HearingOfficer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)


class HearingScheduleIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scheduled_for": "2026-12-10T09:00:00+08:00",
                    "place": "步凤镇综合行政执法局听证室",
                    "hearing_officer": {"username": "legal_reviewer.bufeng", "name": "法制审核员"},
                    "public": True,
                }
            ]
        },
    )
    scheduled_for: AwareDatetime
    place: str = Field(min_length=1, max_length=300)
    hearing_officer: HearingOfficer
    public: bool = True
    not_public_reason: str | None = Field(None, max_length=2000)


class HearingRecordIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"party_attended": True, "transcript": "听证笔录：当事人陈述……"}]},
    )
    party_attended: bool
    transcript: str = Field(min_length=1, max_length=50000)


class StatementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "defence", "content": "当事人称系初次违法", "review": "不予采纳"}]},
    )
    kind: StatementKind
    content: str = Field(min_length=1, max_length=20000)
    review: str | None = Field(None, max_length=10000)


def _attrs(obj: Any, model: type[BaseModel]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in model.model_fields if hasattr(obj, name)}


class HearingOut(BaseModel):
    id: str
    notice_id: str
    status: HearingStatus
    status_zh: str
    requested_at: dt.datetime
    request_note: str | None
    notified_at: dt.datetime | None
    scheduled_for: dt.datetime | None
    place: str | None
    hearing_officer: str | None
    hearing_officer_name: str | None
    public: bool | None
    not_public_reason: str | None
    held_at: dt.datetime | None
    party_attended: bool | None
    transcript: str | None

    @classmethod
    def of(cls, row: Any) -> HearingOut:
        return cls(**_attrs(row, cls), status_zh=HearingStatus(row.status).label_zh)


class StatementOut(BaseModel):
    id: str
    notice_id: str
    kind: StatementKind
    kind_zh: str
    content: str
    review: str | None
    recorded_by_name: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> StatementOut:
        return cls(**_attrs(row, cls), kind_zh=StatementKind(row.kind).label_zh)
