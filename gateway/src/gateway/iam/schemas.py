"""API shapes of identity administration and the audit log."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jiceng_shared.enums import LabelledEnum

AreaCode = Field(pattern=r"^\d{12}$", description="12-digit division code (county or township)")


class SubjectKind(LabelledEnum):
    """Who holds a binding or a token: a person, or a department's system (client credentials)."""

    USER = ("user", "人员")
    CLIENT = ("client", "系统")


class AreaLevel(LabelledEnum):
    """The level of the area a binding is granted at (from the code's shape)."""

    COUNTY = ("county", "县（区）")
    TOWNSHIP = ("township", "乡镇（街道）")
    VILLAGE = ("village", "村（社区）")
    GRID = ("grid", "网格")


class AuditOutcome(LabelledEnum):
    """How an audited action ended (a write is on file as started before it is forwarded)."""

    SUCCESS = ("success", "成功")
    FAILURE = ("failure", "失败")
    DENIED = ("denied", "拒绝")
    THROTTLED = ("throttled", "限流")
    REVOKED = ("revoked", "已吊销")
    STARTED = ("started", "已受理")
    COMPLETED = ("completed", "已完成")
    REPLAYED = ("replayed", "重复请求，重放应答")


ScopeCode = Field(pattern=r"^(\d{12}|\d{15})$", description="area code: county, township, village/community or grid")


class BindingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(min_length=1, max_length=40)
    area: str = ScopeCode
    dept: str | None = Field(None, max_length=20)


class BindingCreate(BindingSpec):
    subject_id: str = Field(min_length=1, max_length=36, description="id of a user or a client")


class BindingOut(BaseModel):
    id: str
    subject_id: str
    subject_kind: SubjectKind
    role: str
    role_zh: str
    area: str
    area_level: AreaLevel
    dept: str | None
    granted_by: str | None
    created_at: dt.datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "grid_worker2.bufeng",
                    "display_name": "步凤村网格员乙",
                    "password": "a long passphrase 26",
                    "area": "320971100000",
                    "bindings": [{"role": "grid_worker", "area": "320971100201002"}],
                }
            ]
        },
    )
    username: str = Field(pattern=r"^[A-Za-z0-9._-]{3,100}$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)
    area: str = AreaCode
    bindings: list[BindingSpec] = Field(default_factory=list, max_length=20)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the version you read (optimistic concurrency)")
    display_name: str | None = Field(None, min_length=1, max_length=100)
    password: str | None = Field(None, min_length=1, max_length=256)
    disabled: bool | None = None


class AdminCreate(BaseModel):
    """An administrative account (system, security or audit administrator, auditor)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "audit_admin2",
                    "display_name": "审计管理员乙",
                    "password": "a long passphrase 26",
                    "area": "320971000000",
                    "bindings": [{"role": "audit_admin", "area": "320971000000"}],
                }
            ]
        },
    )
    username: str = Field(pattern=r"^[A-Za-z0-9._-]{3,100}$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)
    area: str = AreaCode
    bindings: list[BindingSpec] = Field(min_length=1, max_length=5)


class AdminUpdate(BaseModel):
    """No password here: only the holder of an administrative account changes its password."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the version you read (optimistic concurrency)")
    display_name: str | None = Field(None, min_length=1, max_length=100)
    disabled: bool | None = None


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    area: str
    disabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    bindings: list[BindingOut]


class ClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_id": "client.samr2",
                    "name": "市场监管投诉系统",
                    "dept": "samr",
                    "area": "320971000000",
                    "townships": ["320971100000", "320971001000"],
                }
            ]
        },
    )
    client_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,100}$")
    name: str = Field(min_length=1, max_length=200)
    dept: str = Field(pattern=r"^[a-z0-9_]{2,20}$")
    area: str = AreaCode
    #: the townships the system serves: one ``dept_system`` binding each, with the client's department
    townships: list[str] = Field(min_length=1, max_length=50)


class ClientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    name: str | None = Field(None, min_length=1, max_length=200)
    disabled: bool | None = None


class ClientOut(BaseModel):
    id: str
    client_id: str
    name: str
    dept: str
    area: str
    disabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    bindings: list[BindingOut]


OPEN311_KEY = (
    "the api_key of Open311 GeoReport v2 (POST /open311/v2/requests.json): client id and secret in one, shown once"
)


class ClientCreated(ClientOut):
    client_secret: str = Field(description="shown once: only its hash is kept")
    open311_api_key: str = Field(description=OPEN311_KEY)


class ClientSecret(BaseModel):
    client_id: str
    client_secret: str = Field(description="shown once: only its hash is kept")
    open311_api_key: str = Field(description=OPEN311_KEY)


class RoleOut(BaseModel):
    name: str
    label_zh: str
    scope_levels: list[str]
    department: str
    permissions: list[str]


class AuditOut(BaseModel):
    id: str
    at: dt.datetime
    action: str
    outcome: AuditOutcome
    subject: str | None
    subject_id: str | None
    on_behalf_of: str | None
    client_id: str | None
    method: str | None
    resource: str | None
    permission: str | None
    status: int | None
    request_id: str | None
    trace_id: str | None
    address: str | None
    detail: str | None
    #: its place in the hash chain and its hash (None for the second or so before it is sealed)
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None
    hash_alg: str | None = None


class AuditVerificationOut(BaseModel):
    """The audit chain recomputed from its anchor (the last entry deleted by retention) to its head."""

    ok: bool
    checked: int
    anchor_seq: int
    last_seq: int
    last_hash: str
    #: entries written but not yet sealed into the chain (sealed within seconds)
    unsealed: int
    #: where the chain breaks: the entry changed, missing or out of place, and why
    broken_seq: int | None
    broken_id: str | None
    reason: str | None


class PersonalAccessOut(BaseModel):
    """One time someone read, changed or tried to reach a person's record (个人信息查阅, PIPL art. 45):
    who, on whose behalf, when, what, and on which right (the permission and its label)."""

    at: dt.datetime
    action: str
    outcome: AuditOutcome
    subject: str | None
    on_behalf_of: str | None
    client_id: str | None
    method: str | None
    resource: str | None
    status: int | None
    permission: str | None
    permission_zh: str | None
    request_id: str | None


class PersonAccessQuery(BaseModel):
    """Whose access record (个人信息查阅): the person's ID number, and the phone and name other services
    know them by (a dispatch caller, an enforcement party). In the body, never in the URL."""

    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(pattern=r"^\d{17}[\dXx]$", description="the resident identity card number (GB 11643)")
    phone: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$")
    name: str | None = Field(None, min_length=1, max_length=50)


class PersonAccessOut(PersonalAccessOut):
    """One call that disclosed or changed the person's data: who, when, on which right (why), in
    which service, and by which of the person's identifiers it was recognised."""

    service: str | None
    #: id_number | phone | name: a phone or a name may be shared with another person
    matched_by: list[str]
