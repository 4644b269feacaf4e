"""API shapes of squads and joint operations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from enforcement.squads.rules import OperationStatus, SquadKind


class SquadIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "市场监管局步凤派驻中队",
                    "township_code": "320971100000",
                    "kind": "stationed",
                    "county_dept": "samr",
                    "members": ["enforcement_officer.bufeng", "enforcement_officer2.bufeng"],
                    "leader": "enforcement_officer.bufeng",
                }
            ]
        },
    )
    name: str = Field(min_length=2, max_length=200)
    township_code: str = Field(pattern=r"^\d{12}$")
    kind: SquadKind
    county_dept: str | None = Field(None, max_length=20)
    members: list[str] = Field(min_length=1, max_length=100)
    leader: str = Field(min_length=1, max_length=100)
    #: a stationed squad: the township's share of its assessment (default: the configured 60)
    township_weight_percent: int | None = Field(None, ge=0, le=100)


class SquadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    township_code: str
    kind: SquadKind
    county_dept: str | None
    members: list[str]
    leader: str
    township_weight_percent: int
    county_weight_percent: int
    created_at: dt.datetime


class DepartmentTask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dept: str = Field(min_length=1, max_length=20)
    task: str = Field(min_length=2, max_length=2000)


class JointOperationIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "ticket_id": "…",
                    "squad_id": "…",
                    "area_code": "320971100201001",
                    "title": "某餐饮店油烟及占道经营联合整治",
                    "departments": [{"dept": "samr", "task": "食品经营许可检查"}, {"dept": "sep", "task": "油烟检测"}],
                }
            ]
        },
    )
    ticket_id: str = Field(min_length=1, max_length=36)
    squad_id: str = Field(min_length=1, max_length=36)
    area_code: str = Field(pattern=r"^\d{12}(\d{3})?$")
    title: str = Field(min_length=2, max_length=300)
    departments: list[DepartmentTask] = Field(min_length=1, max_length=20)


class PartIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"dept": "samr", "outcome": "食品经营许可证在有效期内"}]}
    )
    dept: str = Field(min_length=1, max_length=20)
    outcome: str = Field(min_length=2, max_length=4000)


class JointOperationOut(BaseModel):
    id: str
    number: str
    township_code: str
    area_code: str
    ticket_id: str
    squad_id: str
    title: str
    departments: list[dict[str, Any]]
    status: OperationStatus
    status_zh: str
    created_by_name: str
    created_at: dt.datetime
    completed_at: dt.datetime | None

    @classmethod
    def of(cls, row: Any) -> JointOperationOut:
        data = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        return cls(**data, status_zh=OperationStatus(row.status).label_zh)
