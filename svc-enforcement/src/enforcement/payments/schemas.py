"""API shapes of payments."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PaymentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount_yuan": 60000, "receipt": "银行缴款书 No. 3209710012345"}]},
    )
    #: the instalment and its late fee, as the bank received them
    amount_yuan: int = Field(gt=0, le=200_000_000)
    receipt: str = Field(min_length=2, max_length=200)


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_on: dt.date
    amount_yuan: int = Field(gt=0, le=100_000_000)


class ArrangementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "instalments",
                    "reason": "当事人经济确有困难，申请分期缴纳",
                    "instalments": [
                        {"due_on": "2027-01-15", "amount_yuan": 30000},
                        {"due_on": "2027-02-15", "amount_yuan": 30000},
                    ],
                }
            ]
        },
    )
    kind: Literal["deferral", "instalments"]
    reason: str = Field(min_length=2, max_length=2000)
    #: a deferral is one instalment; instalments are two or more
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=24)


class CourtApplicationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"court": "建湖县人民法院", "reason": "逾期不缴纳罚款，经催告仍未履行"}]},
    )
    court: str = Field(min_length=2, max_length=200)
    reason: str = Field(min_length=2, max_length=2000)


class InstalmentOut(BaseModel):
    seq: int
    due: dt.datetime
    amount_yuan: int
    paid_at: dt.datetime | None
    late_days: int
    #: paid: the fee paid; unpaid: the fee owed if paid now (never more than the amount)
    late_fee_yuan: int
    #: amount + late fee: what the bank takes for this instalment now
    payable_yuan: int


class PaymentPlanOut(BaseModel):
    fine_yuan: int
    arrangement: str
    arrangement_zh: str
    arrangement_reason: str | None
    approved_by_name: str | None
    instalments: list[InstalmentOut]
    paid: bool
    outstanding_yuan: int
    court_applied_at: dt.datetime | None
    court_name: str | None
