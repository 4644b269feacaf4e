"""API shapes of disputes: parties masked in lists, in full on the audited record."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum
from jiceng_shared.schemas import PointIn


class DisputeKind(LabelledEnum):
    NEIGHBOUR = "neighbour", "邻里纠纷"
    FAMILY = "family", "婚姻家庭纠纷"
    LAND = "land", "土地山林纠纷"
    LABOUR = "labour", "劳资纠纷"
    PROPERTY = "property", "物业纠纷"
    DAMAGE = "damage", "损害赔偿纠纷"
    OTHER = "other", "其他纠纷"


class DisputeStatus(LabelledEnum):
    RECORDED = "recorded", "已登记"
    MEDIATING = "mediating", "调解中"
    RESOLVED = "resolved", "网格内化解"
    HANDED_OVER = "handed_over", "已移交指挥中心"


class PartyRole(LabelledEnum):
    APPLICANT = "applicant", "申请人"
    RESPONDENT = "respondent", "被申请人"
    PARTY = "party", "当事人"


class MediationStepKind(LabelledEnum):
    RECORDED = "recorded", "登记"
    MEDIATION = "mediation", "调解"
    RESOLVED = "resolved", "化解"
    HANDED_OVER = "handed_over", "移交指挥中心"


class DisputeParty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    id_number: str | None = Field(None, min_length=18, max_length=18)
    phone: str | None = Field(None, max_length=20)
    role: PartyRole = PartyRole.PARTY


class DisputeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_code": "320971100201001",
                    "kind": "neighbour",
                    "description": "两户因宅基地边界争执",
                    "location": {"type": "Point", "coordinates": [120.305, 33.305]},
                    "parties": [{"name": "张三", "role": "applicant"}, {"name": "李四", "role": "respondent"}],
                }
            ]
        },
    )
    grid_code: str = Field(pattern=r"^\d{15}$")
    kind: DisputeKind
    description: str = Field(min_length=1, max_length=2000)
    location: PointIn
    parties: list[DisputeParty] = Field(min_length=1, max_length=20)


class StepCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)
    version: int = Field(ge=1)


class Resolve(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, max_length=2000, description="the agreement reached")
    version: int = Field(ge=1)


class HandOver(BaseModel):
    """Not resolved in the grid: the dispute goes to the command centre as an incident of its category."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=60, description="a code of GET /api/dispatch/v1/categories")
    reason: str = Field(min_length=1, max_length=2000)
    version: int = Field(ge=1)


class MediationStepOut(BaseModel):
    at: dt.datetime
    kind: MediationStepKind
    kind_zh: str
    note: str
    by_name: str


class DisputePartyMasked(BaseModel):
    name_masked: str
    role: PartyRole


class DisputeOut(BaseModel):
    id: str
    grid_code: str
    township_code: str
    kind: DisputeKind
    kind_zh: str
    description: str
    status: DisputeStatus
    status_zh: str
    parties: list[DisputePartyMasked]
    outcome: str | None
    incident_id: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    version: int


class DisputeDetail(DisputeOut):
    """The full record: parties in full (every read audited), the mediation steps."""

    parties_full: list[DisputeParty]
    location: dict
    steps: list[MediationStepOut]
