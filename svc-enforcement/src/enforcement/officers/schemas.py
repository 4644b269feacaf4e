"""API shapes of officers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class OfficerPut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    township_code: str = Field(pattern=r"^\d{12}$")
    certificate_number: str = Field(min_length=4, max_length=40)
    valid_from: dt.date
    valid_until: dt.date


class OfficerOut(BaseModel):
    id: str
    username: str
    name: str
    township_code: str
    dept: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date
    #: whether the certificate is valid on ``on`` (today unless asked)
    certificate_valid: bool
    on: dt.date
    version: int
