"""API shapes of disclosures: the office's view and the public's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from enforcement.decisions.rules import PENALTIES
from enforcement.disclosure.rules import DisclosureStatus


class DisclosureIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"facts": "当事人占用人行道违法搭建经营棚"}]}
    )
    #: the facts as published (no personal data); default: the decision's facts
    facts: str | None = Field(None, min_length=2, max_length=4000)


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "行政复议决定撤销原处罚决定", "changed_at": "2026-12-20T10:00:00+08:00"}]
        },
    )
    reason: str = Field(min_length=2, max_length=2000)
    #: when the decision was revoked or changed; default: now
    changed_at: AwareDatetime | None = None


class PublicDisclosure(BaseModel):
    id: str
    number: str
    township_code: str
    item_name_zh: str
    party: str
    penalty: str
    penalty_zh: str
    fine_yuan: int
    facts: str
    legal_basis: str
    decided_at: dt.datetime
    published_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> PublicDisclosure:
        data = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        return cls(**data, penalty_zh=PENALTIES[row.penalty].label_zh)


class DisclosureOut(PublicDisclosure):
    case_id: str
    status: DisclosureStatus
    status_zh: str
    due: dt.datetime
    late: bool
    published_by_name: str
    changed_at: dt.datetime | None
    withdrawal_due: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdrawal_late: bool | None
    withdrawal_reason: str | None

    @classmethod
    def of(cls, row: Any) -> DisclosureOut:
        data = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        return cls(**data, penalty_zh=PENALTIES[row.penalty].label_zh, status_zh=DisclosureStatus(row.status).label_zh)
