"""API shapes of ratings and rectifications. No rating shape carries anything about the rater."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class RatingChannel(LabelledEnum):
    ONLINE = "online", "网上评价（一事一评）"
    ON_SITE = "on_site", "现场评价（一次一评）"


class RectificationStatus(LabelledEnum):
    OPEN = "open", "整改中"
    CLOSED = "closed", "已办结"


class RectificationOutcome(LabelledEnum):
    FIXED = "fixed", "已整改"
    EXPLAINED = "explained", "已解释说明"
    APPEAL_UPHELD = "appeal_upheld", "申诉复核成立"


class RatingCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "receipt_number": "SL-320971100-2026-000001",
                    "rating_code": "7K3M9QXA",
                    "level": 5,
                    "comment": "办事很快",
                }
            ]
        },
    )
    receipt_number: str = Field(min_length=1, max_length=40)
    rating_code: str = Field(min_length=4, max_length=16, description="handed out with the result")
    level: int = Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    comment: str | None = Field(None, max_length=500)
    channel: RatingChannel = RatingChannel.ONLINE
    contact: str | None = Field(
        None, pattern=r"^[0-9+\- ]{5,20}$", description="a number for the call-back on a bad rating (optional)"
    )


class PublicRatingOut(BaseModel):
    receipt_number: str
    level: int
    level_zh: str
    rated_at: dt.datetime
    #: a bad rating is followed up and rectified
    follow_up: bool


class RatingOut(BaseModel):
    id: str
    #: None for window clerks: the application would name the rater (51号)
    application_id: str | None
    area_code: str
    township_code: str
    item_code: str
    clerk_id: str | None
    clerk_username: str | None
    clerk_name: str | None
    level: int
    level_zh: str
    bad: bool
    channel: RatingChannel
    channel_zh: str
    comment: str | None
    rated_at: dt.datetime
    appeal_upheld: bool


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_username: str = Field(min_length=1, max_length=100)
    assignee_name: str = Field(min_length=1, max_length=100)


class CallbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reached: bool
    note: str = Field(min_length=1, max_length=2000)


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: RectificationOutcome
    note: str = Field(min_length=1, max_length=2000)


class RectificationOut(BaseModel):
    id: str
    rating_id: str
    #: None for window clerks but the handler: the application would name the rater (51号)
    application_id: str | None
    area_code: str
    township_code: str
    clerk_id: str | None
    clerk_username: str | None
    level: int
    level_zh: str
    comment: str | None
    status: RectificationStatus
    status_zh: str
    assignee_username: str | None
    assignee_name: str | None
    assigned_at: dt.datetime | None
    due_at: dt.datetime
    callback_required: bool
    callback_at: dt.datetime | None
    callback_reached: bool | None
    callback_note: str | None
    outcome: RectificationOutcome | None
    outcome_zh: str | None
    outcome_note: str | None
    closed_at: dt.datetime | None
    closed_by_name: str | None
    on_time: bool | None
    created_at: dt.datetime
    version: int


class RectificationDetail(RectificationOut):
    #: only for the assignee and the township leader, to make the call-back
    callback_contact: str | None
