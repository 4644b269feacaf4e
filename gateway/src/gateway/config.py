"""Settings of the gateway (prefix ``GATEWAY_``; common ones may also come as ``JICENG_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiceng_shared import devkeys
from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import GATEWAY, SERVICES


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = GATEWAY.port

    #: RS256 key pair of access tokens (PEM); the public half is served at /auth/jwks.json
    access_private_key: str = devkeys.ACCESS_PRIVATE_KEY
    access_public_key: str = devkeys.ACCESS_PUBLIC_KEY
    access_token_ttl_seconds: int = 900
    token_issuer: str = "https://jiceng.local/auth"
    token_audience: str = "jiceng-api"
    #: Ed25519 private key of the internal identity token the services verify
    internal_private_key: str = devkeys.INTERNAL_PRIVATE_KEY
    internal_token_ttl_seconds: int = 120

    upstream_approval: str = f"http://127.0.0.1:{SERVICES[0].port}"
    upstream_enforcement: str = f"http://127.0.0.1:{SERVICES[1].port}"
    upstream_grid: str = f"http://127.0.0.1:{SERVICES[2].port}"
    upstream_dispatch: str = f"http://127.0.0.1:{SERVICES[3].port}"
    upstream_assessment: str = f"http://127.0.0.1:{SERVICES[4].port}"
    upstream_timeout_seconds: float = 30.0
    upstream_pool_size: int = 256

    #: largest request body accepted (bytes)
    max_body_bytes: int = 1024 * 1024
    #: how long a loaded principal is trusted before the database is asked again (seconds);
    #: changes made through the gateway invalidate it at once
    principal_cache_seconds: float = 30.0
    #: password of the demo users when the demo data is seeded
    demo_password: str = devkeys.DEMO_PASSWORD

    def upstreams(self) -> dict[str, str]:
        return {p.name: getattr(self, f"upstream_{p.name}").rstrip("/") for p in SERVICES}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.access_private_key.strip() == devkeys.ACCESS_PRIVATE_KEY.strip():
            problems.append("GATEWAY_ACCESS_PRIVATE_KEY is the development key")
        if self.internal_private_key.strip() == devkeys.INTERNAL_PRIVATE_KEY.strip():
            problems.append("GATEWAY_INTERNAL_PRIVATE_KEY is the development key")
        return problems
