"""Settings of the gateway (prefix ``GATEWAY_``; common ones may also come as ``JICENG_``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jiceng_shared import devkeys
from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import GATEWAY, SERVICES


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = GATEWAY.port
    #: the gateway keeps accounts and the audit log, no residents' or applicants' records
    holds_personal_data: ClassVar[bool] = False

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
    #: a POST with an Idempotency-Key answered 504 is still awaited this long in the background,
    #: so a retry gets its real answer (seconds)
    upstream_completion_seconds: float = 300.0
    #: how long an Idempotency-Key is remembered (IETF httpapi draft: at least 24 hours)
    idempotency_retention_hours: float = 24.0
    upstream_pool_size: int = 256

    #: largest request body accepted (bytes)
    max_body_bytes: int = 1024 * 1024
    #: how long a loaded principal is trusted before the database is asked again (seconds);
    #: changes made through the gateway invalidate it at once
    principal_cache_seconds: float = 30.0
    #: password of the demo users when the demo data is seeded
    demo_password: str = devkeys.DEMO_PASSWORD

    #: login throttling (in memory, per gateway process): failed logins allowed per account and
    #: per client address within the window; past them the token endpoint answers 429
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_failure_window_seconds: float = 15 * 60
    #: anonymous public routes (/api/*/v1/public/...): requests per minute per client address
    public_rate_limit_per_minute: int = 60
    #: proxies whose X-Forwarded-For is believed when finding the client address (IPs or CIDRs)
    trusted_proxies: list[str] = []
    #: browser origins allowed to call the API cross-origin (CORS), e.g. ["https://gov.example.cn"];
    #: none by default: same-origin only
    cors_origins: list[str] = []
    #: sessions (refresh tokens, rotated at each use): a session unused this long ends (等保 level 3
    #: idle timeout, 8.1.4.1 b), and none lasts longer than the maximum
    session_idle_timeout_seconds: int = 30 * 60
    session_max_seconds: int = 12 * 3600
    #: accounts holding a privileged role (roles.toml: the three administrators, auditors) log in
    #: with a TOTP code besides the password (GB/T 22239-2019 level 3, 8.1.4.1 c)
    mfa_for_privileged_roles: bool = True
    #: the issuer an authenticator app shows beside the account
    totp_issuer: str = "Jiceng"
    #: recovery codes handed out at enrolment (each usable once instead of a TOTP code)
    recovery_code_count: int = 10
    #: password rules for people (GB/T 22239-2019 level 3, 8.1.4.1 a: complexity and periodic
    #: change): the shortest length; how many of the four classes (lower case, upper case, digits,
    #: others) it mixes; how many previous passwords may not come back; after how many days a
    #: password expires and the login asks for a new one (POST /auth/password)
    password_min_length: int = 10
    password_min_classes: int = 3
    password_history: int = 5
    password_max_age_days: int = 90
    #: audit entries that need not hold the response (denials, logins, write outcomes) are
    #: written in batches; at most this many wait in memory
    audit_queue_size: int = 10_000
    audit_flush_seconds: float = 0.2
    #: the audit log's hash chain (gateway.auditchain): its hash function, ``sm3`` (GB/T 32905, the
    #: commercial-cryptography choice, GB/T 39786-2021) or ``sha256``, and how often the entries
    #: written meanwhile are sealed into it (seconds)
    audit_chain_algorithm: Literal["sm3", "sha256"] = "sm3"
    audit_seal_seconds: float = 1.0
    #: audit entries are kept at least this many days, then deleted from the start of the chain
    #: (网络安全法 art. 21: network logs kept no less than six months)
    audit_retention_days: int = Field(default=180, ge=180)

    #: webhooks (gateway.webhooks): delays before the 2nd, 3rd... attempt of a failed delivery
    #: (seconds; the Standard Webhooks example schedule); after the last one the delivery fails
    webhook_retry_seconds: list[float] = [5, 300, 1800, 7200, 18000, 36000, 36000]
    #: how long a receiver may take to answer one delivery (seconds)
    webhook_timeout_seconds: float = 15.0
    #: how often the delivery worker looks for due deliveries (seconds)
    webhook_poll_seconds: float = 1.0
    #: the active subscriptions are kept in memory for matching events: read again at most this
    #: long after the last read (seconds). Changes made through this replica, or broadcast by
    #: another, count at once; this bounds how late one whose broadcast was missed counts here
    webhook_subscriptions_refresh_seconds: float = 2.0
    #: after a secret rotation the old secret keeps signing beside the new one this long (seconds)
    webhook_secret_grace_seconds: float = 24 * 3600

    def upstreams(self) -> dict[str, str]:
        return {p.name: getattr(self, f"upstream_{p.name}").rstrip("/") for p in SERVICES}

    @property
    def invalidation_subject(self) -> str:
        """Core NATS subject (outside the stream's ``<prefix>.>``) telling replicas an identity changed."""
        return f"_jiceng.{self.events_prefix}.iam.changed"

    @property
    def webhooks_changed_subject(self) -> str:
        """Core NATS subject telling replicas a webhook subscription was made or ended."""
        return f"_jiceng.{self.events_prefix}.webhooks.changed"

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        # the services verify with the public half; the gateway's own copy is checked as well
        problems = [p for p in problems if "INTERNAL_PUBLIC_KEY" not in p] + key_problems(self)
        # the audit log keeps persons as keyed hashes (a person's access record): with the known
        # development key anyone holding the log could test ID numbers against them
        if self.personal_data_lookup_key.strip() == devkeys.PERSONAL_DATA_LOOKUP_KEY:
            problems.append("GATEWAY_PERSONAL_DATA_LOOKUP_KEY is the development key")
        return problems

    def weak_demo_password(self) -> bool:
        """Demo data may be seeded in production (a training copy) only with a strong password."""
        return self.demo_password == devkeys.DEMO_PASSWORD or len(self.demo_password) < MIN_SECRET_LENGTH


#: shortest demo password production accepts (GATEWAY_DEMO_PASSWORD or JICENG_DEMO_PASSWORD)
MIN_SECRET_LENGTH = 12
#: smallest RSA modulus production accepts for access tokens (NIST SP 800-57: 2048 bits until 2030)
MIN_RSA_BITS = 2048


def key_problems(settings: GatewaySettings) -> list[str]:
    """Why the configured keys may not sign anything in production (empty when they may)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    problems: list[str] = []
    if settings.access_private_key.strip() == devkeys.ACCESS_PRIVATE_KEY.strip():
        problems.append("GATEWAY_ACCESS_PRIVATE_KEY is the development key")
    if settings.access_public_key.strip() == devkeys.ACCESS_PUBLIC_KEY.strip():
        problems.append("GATEWAY_ACCESS_PUBLIC_KEY is the development key")
    if settings.internal_private_key.strip() == devkeys.INTERNAL_PRIVATE_KEY.strip():
        problems.append("GATEWAY_INTERNAL_PRIVATE_KEY is the development key")
    try:
        private = serialization.load_pem_private_key(settings.access_private_key.encode(), password=None)
        public = serialization.load_pem_public_key(settings.access_public_key.encode())
    except ValueError:
        return problems + ["GATEWAY_ACCESS_PRIVATE_KEY / GATEWAY_ACCESS_PUBLIC_KEY are not PEM keys"]
    if not isinstance(private, rsa.RSAPrivateKey):
        problems.append("GATEWAY_ACCESS_PRIVATE_KEY must be an RSA key (RS256)")
    elif private.key_size < MIN_RSA_BITS:
        problems.append(f"GATEWAY_ACCESS_PRIVATE_KEY has {private.key_size} bits; at least {MIN_RSA_BITS} are required")
    elif public.public_numbers() != private.public_key().public_numbers():  # type: ignore[union-attr]  # any key type loads; RSA is meant
        problems.append("GATEWAY_ACCESS_PUBLIC_KEY is not the public half of GATEWAY_ACCESS_PRIVATE_KEY")
    try:
        internal = serialization.load_pem_private_key(settings.internal_private_key.encode(), password=None)
    except ValueError:
        return problems + ["GATEWAY_INTERNAL_PRIVATE_KEY is not a PEM key"]
    if not isinstance(internal, ed25519.Ed25519PrivateKey):
        problems.append("GATEWAY_INTERNAL_PRIVATE_KEY must be an Ed25519 key")
    return problems
