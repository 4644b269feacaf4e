"""API shapes of posts, inquiries and the clerk's queue."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from approval.applications.schemas import ApplicationOut
from jiceng_shared.enums import LabelledEnum

TownshipCode = Field(None, pattern=r"^\d{12}$", description="your township, if you serve several")


class InquiryStatus(LabelledEnum):
    QUEUED = "queued", "待认领"
    OPEN = "open", "首问负责办理中"
    ANSWERED = "answered", "已答复"


class InquiryChannel(LabelledEnum):
    """How an inquiry came in (the window takes the first three; the others are handed on)."""

    WINDOW = "window", "窗口咨询"
    PHONE = "phone", "电话咨询"
    ONLINE = "online", "网上咨询"
    HOTLINE_12345 = "hotline_12345", "12345热线转办"
    DISPATCH = "dispatch", "指挥中心转办"


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    township_code: str | None = TownshipCode
    name: str = Field(min_length=1, max_length=100)
    a_username: str = Field(min_length=1, max_length=100)
    a_name: str = Field(min_length=1, max_length=100)
    b_username: str = Field(min_length=1, max_length=100, description="the backup (B post); every post has one")
    b_name: str = Field(min_length=1, max_length=100)


class AbsenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    absent: bool


class PostOut(BaseModel):
    id: str
    area_code: str
    name: str
    a_username: str
    a_name: str
    b_username: str
    b_name: str
    a_absent: bool
    absent_since: dt.datetime | None
    #: who serves the post's queue now
    on_duty_username: str
    version: int


class InquiryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    township_code: str | None = TownshipCode
    channel: Literal["window", "phone", "online"] = "window"
    subject: str = Field(min_length=1, max_length=4000)
    inquirer_name: str | None = Field(None, max_length=100)
    inquirer_contact: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$")


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_username: str = Field(min_length=1, max_length=100)
    to_name: str = Field(min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=2000)


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=4000)


class InquiryStepOut(BaseModel):
    at: dt.datetime
    action: str
    note: str
    actor_name: str | None


class InquiryOut(BaseModel):
    id: str
    number: str
    area_code: str
    channel: InquiryChannel
    channel_zh: str
    subject: str
    category: str | None
    inquirer_name: str | None
    status: InquiryStatus
    status_zh: str
    owner_username: str | None
    owner_name: str | None
    first_owner_username: str | None
    taken_at: dt.datetime | None
    handovers: int
    answer: str | None
    answered_at: dt.datetime | None
    ticket_id: str | None
    ticket_number: str | None
    deadline: dt.datetime | None
    correlation_id: str
    created_at: dt.datetime
    version: int


class InquiryDetail(InquiryOut):
    inquirer_contact: str | None
    timeline: list[InquiryStepOut]


class QueueOut(BaseModel):
    #: the clerks whose queue you serve now (yourself, and any absent A post you back up)
    serving: list[str]
    inquiries: list[InquiryOut]
    applications: list[ApplicationOut]
