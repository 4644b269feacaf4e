"""API shapes of the service of a decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from enforcement.service_of_documents.rules import ServiceMethod


class ServiceIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"method": "in_person", "proof": "送达回证：当事人签收，编号 SD-2026-001"}]},
    )
    method: ServiceMethod
    #: when the party received it; default: now
    served_at: AwareDatetime | None = None
    proof: str = Field(min_length=2, max_length=4000)
    #: electronic service: the party's written consent is on file
    consent: bool = False
    announcement_reason: str | None = Field(None, max_length=2000)


class ServiceOut(BaseModel):
    id: str
    method: str
    method_zh: str
    served_at: dt.datetime
    proof: str
    consent: bool
    announcement_reason: str | None
    due: dt.datetime
    late: bool
    review_until: dt.datetime
    litigation_until: dt.datetime
    recorded_by_name: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> ServiceOut:
        data = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        return cls(**data, method_zh=ServiceMethod(row.method).label_zh)
