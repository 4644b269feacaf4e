"""API shapes of rights notices, legal reviews and decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from enforcement.decisions import rules
from enforcement.decisions.rules import PartyKind, PenaltyCode, Procedure, ReviewOutcome


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
    outcome: ReviewOutcome
    opinion: str = Field(min_length=1, max_length=10000)
    penalty: PenaltyCode | None = Field(None, description="the proposal reviewed; default: the latest rights notice")
    fine_yuan: int | None = Field(None, ge=0, le=100_000_000)
    confiscated_value_yuan: int | None = Field(None, ge=0, le=1_000_000_000)


class DeliberationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "members": ["镇长", "分管副镇长", "综合执法局局长"],
                    "opinion": "同意罚款六万元",
                    "penalty": "fine",
                    "fine_yuan": 60000,
                }
            ]
        },
    )
    members: list[str] = Field(min_length=1, max_length=30)
    opinion: str = Field(min_length=1, max_length=10000)
    penalty: PenaltyCode
    fine_yuan: int = Field(0, ge=0, le=100_000_000)
    confiscated_value_yuan: int = Field(0, ge=0, le=1_000_000_000)


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


def _attrs(obj: Any, model: type[BaseModel]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in model.model_fields if hasattr(obj, name)}


class RightsNoticeOut(BaseModel):
    id: str
    party_kind: PartyKind
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

    @classmethod
    def of(cls, row: Any) -> RightsNoticeOut:
        return cls(**_attrs(row, cls), penalty_zh=rules.PENALTIES[row.penalty].label_zh)


class LegalReviewOut(BaseModel):
    id: str
    outcome: ReviewOutcome
    outcome_zh: str
    opinion: str
    penalty: str
    fine_yuan: int
    confiscated_value_yuan: int
    reviewer_name: str
    reviewed_at: dt.datetime
    submitted_at: dt.datetime | None
    due: dt.datetime | None
    late: bool

    @classmethod
    def of(cls, row: Any) -> LegalReviewOut:
        return cls(**_attrs(row, cls), outcome_zh=rules.REVIEW_LABELS[row.outcome])


class DecisionOut(BaseModel):
    id: str
    procedure: str
    procedure_zh: str
    penalty: str
    penalty_zh: str
    fine_yuan: int
    confiscated_value_yuan: int
    party_kind: PartyKind
    party_kind_zh: str
    party_name: str
    facts: str
    legal_basis: str
    major: bool
    officers_present: list[str]
    decided_by_name: str
    decided_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> DecisionOut:
        return cls(
            **_attrs(row, cls),
            procedure_zh=rules.PROCEDURE_LABELS[row.procedure],
            penalty_zh=rules.PENALTIES[row.penalty].label_zh,
            party_kind_zh=rules.PARTY_LABELS[row.party_kind],
        )


class DeliberationOut(BaseModel):
    id: str
    members: list[str]
    opinion: str
    penalty: str
    penalty_zh: str
    fine_yuan: int
    confiscated_value_yuan: int
    recorded_by_name: str
    deliberated_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> DeliberationOut:
        return cls(**_attrs(row, cls), penalty_zh=rules.PENALTIES[row.penalty].label_zh)


class QualificationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "步凤镇法制审核员",
                    "township_code": "320971100000",
                    "certificate_number": "A20151000001",
                    "valid_from": "2015-09-01",
                }
            ]
        },
    )
    name: str = Field(min_length=1, max_length=100)
    township_code: str = Field(pattern=r"^\d{12}$")
    certificate_number: str = Field(min_length=4, max_length=40)
    valid_from: dt.date
    valid_until: dt.date | None = None


class QualificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    username: str
    name: str
    township_code: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date | None
