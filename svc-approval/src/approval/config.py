"""Settings of svc-approval (prefix ``APPROVAL_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME


class ApprovalSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="APPROVAL_", extra="ignore")
    service_name: ClassVar[str] = "approval"
    default_port: ClassVar[int] = SERVICE_BY_NAME["approval"].port
