"""Settings of svc-enforcement (prefix ``ENFORCEMENT_``; common ones may also come as ``JICENG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import SERVICE_BY_NAME


class EnforcementSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="ENFORCEMENT_", extra="ignore")
    service_name: ClassVar[str] = "enforcement"
    default_port: ClassVar[int] = SERVICE_BY_NAME["enforcement"].port
