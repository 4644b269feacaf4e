"""API shapes of the admission list and of tasks."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum


class TaskState(LabelledEnum):
    ASSIGNED = "assigned", "待完成"
    OVERDUE = "overdue", "已超期"
    COMPLETED = "completed", "已完成"


class AssignmentStatus(LabelledEnum):
    """Where an assignment is as stored (its ``state`` adds "overdue" from the due date)."""

    ASSIGNED = "assigned", "已派发"
    COMPLETED = "completed", "已完成"


class TaskType(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=100)
    department: str | None = Field(None, max_length=40)


class AdmissionListCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "county_code": "320971000000",
                    "effective_from": "2026-12-01",
                    "task_types": [
                        {"code": "population_survey", "name": "人口信息核查"},
                        {"code": "fire_safety_check", "name": "消防安全巡查", "department": "fire"},
                    ],
                }
            ]
        },
    )
    county_code: str = Field(pattern=r"^\d{6}000000$")
    effective_from: dt.date
    task_types: list[TaskType] = Field(min_length=1, max_length=200)


class AdmissionListOut(BaseModel):
    """A county-wide policy document: every reader concerned sees the list in force."""

    id: str
    county_code: str
    version: int
    effective_from: dt.date
    task_types: list[TaskType]
    published_at: dt.datetime


class TaskCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "task_type": "population_survey",
                    "title": "核查网格内独居老人信息",
                    "instructions": "逐户核对独居老人联系方式和健康状况",
                    "grid_codes": ["320971100201001"],
                    "due_on": "2026-12-15",
                }
            ]
        },
    )
    task_type: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=200)
    instructions: str = Field(min_length=1, max_length=5000, description="what to collect or check")
    grid_codes: list[str] = Field(min_length=1, max_length=200)
    due_on: dt.date


class AssignmentOut(BaseModel):
    id: str
    task_id: str
    task_type: str
    title: str
    instructions: str
    grid_code: str
    dept: str | None
    due_on: dt.date
    state: TaskState
    state_zh: str
    report: str | None
    completed_at: dt.datetime | None
    on_time: bool | None
    version: int


class TaskOut(BaseModel):
    id: str
    task_type: str
    title: str
    due_on: dt.date
    list_version: int
    dept: str | None
    assignments: list[AssignmentOut]


class TaskReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report: str = Field(min_length=1, max_length=5000)
    version: int = Field(ge=1)
