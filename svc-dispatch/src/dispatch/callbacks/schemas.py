"""API shapes of callbacks."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from dispatch.tickets.enums import CallbackResult


class CallbackIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"result": "dissatisfied", "note": "超市仍在销售过期食品"}]}
    )
    result: CallbackResult
    #: whether the caller's problem was solved (解决率); by default: not when dissatisfied
    resolved: bool | None = None
    note: str | None = Field(default=None, max_length=2000)


class CallbackDecisionIn(BaseModel):
    """The township leader's decision after a second dissatisfied callback."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reopen": False, "note": "诉求已依法答复"}]}
    )
    reopen: bool
    note: str = Field(min_length=1, max_length=2000)


class CallbackOut(BaseModel):
    attempt: int
    result: CallbackResult
    result_zh: str
    resolved: bool
    note: str | None
    #: who called the citizen back: "centre" or the code of the department system that posted the ticket
    channel: str
    recorded_at: dt.datetime
    recorded_by: str
