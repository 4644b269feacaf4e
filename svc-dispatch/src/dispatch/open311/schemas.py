"""The shapes of Open311 GeoReport v2 (JSON format), as its clients expect them.

Field names are the specification's (``long``, ``service_request_id``...), not this platform's.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jiceng_shared.enums import LabelledEnum


class RequestStatus(LabelledEnum):
    """The two statuses of the specification; a ticket's own status is in ``status_notes``."""

    OPEN = "open", "办理中"
    CLOSED = "closed", "已办结"


class ServiceOut(BaseModel):
    """One entry of ``GET services.json``: a category of tickets."""

    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true: GET services/{service_code}.json lists attributes")
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = ""
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool = True
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue] = []


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class RequestIn(BaseModel):
    """``POST requests.json`` (form-encoded): a citizen's request, posted by a department client."""

    model_config = ConfigDict(extra="forbid")
    jurisdiction_id: str | None = Field(default=None, max_length=12)
    service_code: str = Field(min_length=1, max_length=60)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, min_length=1, max_length=500)
    address_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=200)
    device_id: str | None = Field(default=None, max_length=100)
    account_id: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=25)
    last_name: str | None = Field(default=None, max_length=25)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{2,19}$")
    description: str = Field(min_length=1, max_length=4000)
    media_url: str | None = Field(default=None, max_length=1000)
    #: ``attribute[code]=value`` of the service definition
    attribute: dict[str, str] = {}

    @model_validator(mode="after")
    def _place(self) -> RequestIn:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long come together")
        return self


class RequestCreated(BaseModel):
    service_request_id: str
    service_notice: str = ""
    account_id: str | None = None


class RequestOut(BaseModel):
    """One service request as the public reads it: no reporter's name, phone or e-mail."""

    service_request_id: str
    status: RequestStatus
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str = ""
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime
    expected_datetime: dt.datetime | None
    address: str = ""
    address_id: str = ""
    zipcode: str = ""
    lat: float | None
    long: float | None
    media_url: str = ""
