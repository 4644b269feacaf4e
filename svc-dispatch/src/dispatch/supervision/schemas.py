"""API shapes of supervision orders (督办单)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from dispatch.tickets.enums import Addressee, SupervisedLimit


class ManualOrderIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"addressee": "unit_head", "demand": "群众反复来电，请加快处置"}]},
    )
    addressee: Addressee
    demand: str = Field(min_length=1, max_length=2000, description="what is demanded of the addressee")


class SupervisionAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"answer": "已协调执法队，明日办结"}]})
    answer: str = Field(min_length=1, max_length=4000)


class SupervisionOrderOut(BaseModel):
    id: str
    number: str
    ticket_id: str
    ticket_number: str
    #: the ticket's place and the supervised unit's department (the scope of the order)
    area_code: str
    dept: str | None
    limit: SupervisedLimit
    limit_zh: str
    due_at: dt.datetime
    level: int
    addressee: Addressee
    addressee_zh: str
    addressee_name: str
    unit_code: str | None
    demand: str
    answer_by: dt.datetime
    issued_at: dt.datetime
    answer: str | None
    answered_at: dt.datetime | None
    answered_by: str | None
    #: no answer yet and its deadline passed (or answered after it)
    overdue: bool
