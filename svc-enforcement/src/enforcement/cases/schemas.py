"""API shapes of cases."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement.cases.rules import PartyKind, PenaltyCode, Procedure

Username = Field(min_length=1, max_length=100)


class CaseOpen(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"lead_id": "…", "officers": ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"]}]
        },
    )
    lead_id: str = Field(min_length=1, max_length=36)
    officers: list[str] = Field(min_length=1, max_length=20, description="usernames; you must be one of them")


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: PartyKind
    name: str = Field(min_length=1, max_length=200)


class ProposalFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    penalty: PenaltyCode
    fine_yuan: int = Field(0, ge=0, le=100_000_000)
    confiscated_value_yuan: int = Field(0, ge=0, le=1_000_000_000)


class RightsNoticeIn(ProposalFields):
    """The proposed decision told to the party, with the rights of statement and defence."""

    party: Party
    facts: str = Field(min_length=1, max_length=10000)
    legal_basis: str = Field(min_length=1, max_length=4000)


class LegalReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["passed", "failed"]
    opinion: str = Field(min_length=1, max_length=10000)
    penalty: PenaltyCode | None = Field(None, description="the proposal reviewed; default: the latest rights notice")
    fine_yuan: int | None = Field(None, ge=0, le=100_000_000)
    confiscated_value_yuan: int | None = Field(None, ge=0, le=1_000_000_000)


class DecisionIn(ProposalFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "procedure": "summary",
                    "penalty": "warning",
                    "party": {"kind": "person", "name": "张某"},
                    "facts": "当事人在步凤村主干道人行道摆摊经营，经劝导后立即改正",
                    "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
                }
            ]
        },
    )
    procedure: Procedure
    party: Party
    facts: str = Field(min_length=1, max_length=10000)
    legal_basis: str = Field(min_length=1, max_length=4000)
    #: the officers present at an on-the-spot decision; default: the case's officers
    officers_present: list[str] | None = Field(None, min_length=1, max_length=20)
    #: art. 58 (1)-(3): public interest, complex matters... make a decision major whatever its amount
    major: bool = False


class CaseClose(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "当事人已改正，给予警告，结案"}]})
    outcome: str = Field(min_length=1, max_length=2000)


class OfficerRef(BaseModel):
    username: str
    name: str
    certificate_number: str
    valid_until: dt.date


class RightsNoticeOut(BaseModel):
    id: str
    party_kind: str
    party_name: str
    penalty: str
    penalty_zh: str
    fine_yuan: int
    confiscated_value_yuan: int
    facts: str
    legal_basis: str
    hearing_offered: bool
    hearing_request_deadline: dt.datetime | None
    notified_by_name: str
    notified_at: dt.datetime


class LegalReviewOut(BaseModel):
    id: str
    outcome: str
    outcome_zh: str
    opinion: str
    penalty: str
    fine_yuan: int
    confiscated_value_yuan: int
    reviewer_name: str
    reviewed_at: dt.datetime


class DecisionOut(BaseModel):
    id: str
    procedure: str
    procedure_zh: str
    penalty: str
    penalty_zh: str
    fine_yuan: int
    confiscated_value_yuan: int
    party_kind: str
    party_kind_zh: str
    party_name: str
    facts: str
    legal_basis: str
    major: bool
    officers_present: list[str]
    decided_by_name: str
    decided_at: dt.datetime


class CaseOut(BaseModel):
    id: str
    number: str
    lead_id: str
    ticket_id: str | None
    township_code: str
    area_code: str
    handling_dept: str
    item_id: str
    item_code: str
    item_revision: int
    item_name_zh: str
    item_legal_basis: str
    officers: list[OfficerRef]
    status: str
    status_zh: str
    registered_at: dt.datetime
    decision_deadline: dt.datetime
    #: calendar days left to decide (negative when late); null once decided
    decision_days_left: int | None
    decision_overdue: bool
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str | None
    record_entries: int
    record_head: str | None
    correlation_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CaseDetail(CaseOut):
    decision: DecisionOut | None = None
    rights_notices: list[RightsNoticeOut] = []
    legal_reviews: list[LegalReviewOut] = []
