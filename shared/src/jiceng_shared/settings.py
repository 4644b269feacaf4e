"""Settings every process shares, read from the environment by pydantic-settings.

Each process has its own prefix (``GRID_``, ``DISPATCH_``, ``GATEWAY_`` ...). A setting common
to all processes may also be given once with the ``JICENG_`` prefix (``JICENG_NATS_URL``);
the process's own prefix wins over it, and both win over the default.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from jiceng_shared import devkeys

COMMON_PREFIX = "JICENG_"


class InsecureConfiguration(RuntimeError):
    """Raised at start-up when production mode meets a development secret or default."""


class CommonSettings(BaseSettings):
    """What every process (gateway and services) reads."""

    # an empty variable (compose's `${X:-}`) means "not set": the default applies
    model_config = SettingsConfigDict(extra="ignore", env_prefix="", env_ignore_empty=True)

    #: the service name, also the default database file name and the durable-consumer prefix
    service_name: ClassVar[str] = "jiceng"
    #: the default port of the process when run by ``make run``
    default_port: ClassVar[int] = 8000

    env: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    #: 0 means the process's default port
    port: int = 0
    data_dir: Path = Path("data")
    #: tests of the whole stack only (ignored unless ``env`` is ``test``): a file holding an RFC 3339
    #: instant that stands in for the wall clock of ``ServiceContext.now()`` while it exists, so an
    #: end-to-end test can travel past a deadline in every process at once
    clock_file: Path | None = None
    database_url: str = ""
    #: PostgreSQL connections of the main pool of a process (fixed). With the one connection of
    #: the business-number pool and the one a job leader holds, one stack of six processes holds
    #: at most 6 × 5 + 6 = 36 (< 40): see README "Connection budget" to size it for N replicas
    database_pool_size: int = 4
    #: connections of the small autocommit pool drawing business numbers (0: draw them in the
    #: main pool's transaction, holding the series' row lock until commit)
    database_counter_pool_size: int = 1
    #: true behind PgBouncer in transaction pooling mode: asyncpg's prepared statement cache is
    #: turned off (a statement prepared on one server connection is unknown on the next)
    database_pgbouncer: bool = False
    #: the database itself when ``database_url`` points at PgBouncer: the job leader's session lock
    #: (one connection per process with background jobs) needs a real session; empty: database_url
    database_direct_url: str = ""
    #: how often a replica that does not run the background jobs tries to take them over, and how
    #: often the one that does checks its lock (seconds)
    job_leader_retry_seconds: float = 5.0
    nats_url: str = "nats://127.0.0.1:4222"
    #: subject prefix of every event; the JetStream stream is named after it (``jiceng`` → ``JICENG``)
    events_prefix: str = "jiceng"
    #: how long the stream keeps events (days)
    events_retention_days: int = 30
    #: copies of the stream in the NATS cluster (1 for a single server, 3 for a cluster of three)
    events_stream_replicas: int = 1
    #: sent outbox rows are kept this long, then deleted (must exceed JetStream's duplicate window)
    outbox_retention_days: float = 7
    #: inbox entries (events a consumer applied) are kept this long, then deleted; must exceed
    #: the stream's retention, so an event the stream may still deliver is always recognised
    inbox_retention_days: float = 31
    #: how often the relay deletes outbox and inbox rows past their retention (seconds)
    retention_prune_seconds: float = 600
    #: once started, leave the startup heap out of the cyclic collector's passes (jiceng_shared.heap)
    freeze_heap_after_start: bool = True
    internal_public_key: str = devkeys.INTERNAL_PUBLIC_KEY
    log_level: str = "INFO"
    migrate_on_start: bool = True
    #: relay safety-net poll; the relay is woken at once after each commit that wrote events
    outbox_poll_seconds: float = 1.0
    #: deliveries of one event before it goes to the dead-letter subject
    consumer_max_deliver: int = 5
    #: delay before each redelivery of a failed event (seconds); the last value repeats
    consumer_backoff_seconds: list[float] = [0.5, 2.0, 10.0, 30.0]
    #: seconds a delivered event may stay unacknowledged before JetStream delivers it again (to a
    #: replica that is alive, after a crash); a handler must finish well within it
    consumer_ack_wait_seconds: float = 30.0
    #: events a consumer handles at once (forced to 1 on SQLite, which has one writer)
    consumer_concurrency: int = 8
    #: days the working-day calendar package does not know yet (the State Council publishes each
    #: year's schedule in the autumn before): holidays, and make-up working days (调休)
    calendar_extra_holidays: list[dt.date] = []
    calendar_extra_workdays: list[dt.date] = []
    #: a directory of the county's own yearly schedules (``<year>.toml``, the format of
    #: ``jiceng_shared/calendars/``); they win over the packaged files and the chinesecalendar package
    calendar_dir: Path | None = None
    #: the coming days that must have an official schedule, else /readyz, a gauge and a warning say
    #: so (issue 8: 90 days, a quarter's notice before the deadlines run on weekdays only)
    calendar_coverage_days: int = 90
    #: the county's organisation (``county.toml``, ``areas.geojson`` ...); empty: the demo county
    #: shipped in ``jiceng_shared/counties/demo``
    county_dir: Path | None = None
    #: the same county named by its ``county.toml`` (``JICENG_COUNTY_FILE``): the county directory is
    #: the file's; given with ``county_dir``, both must name the same directory
    county_file: Path | None = None
    #: OTLP endpoint for traces; empty keeps trace context in logs and headers only
    otel_exporter_otlp_endpoint: str = ""
    #: personal data at rest (jiceng_shared.personaldata): the cipher, ``sm4`` (SM4-GCM, GB/T 32907)
    #: or ``aes-256-gcm``; the keys as ``id:base64key`` pairs (a Kubernetes Secret) and which one
    #: encrypts now (rotation: add one, make it current, re-encrypt, remove the old); the key of
    #: the keyed hash (HMAC-SM3) that equality look-ups such as an ID number compare
    personal_data_cipher: Literal["sm4", "aes-256-gcm"] = "sm4"
    #: whether the process stores personal data (then production refuses the development keys)
    holds_personal_data: ClassVar[bool] = True
    personal_data_keys: str = devkeys.PERSONAL_DATA_KEYS
    personal_data_key_id: str = devkeys.PERSONAL_DATA_KEY_ID
    personal_data_lookup_key: str = devkeys.PERSONAL_DATA_LOOKUP_KEY
    #: lookup keys being rotated out (base64, comma-separated): still matched by look-ups until
    #: ``python -m <service> reencrypt`` has recomputed every hash under the current key
    personal_data_lookup_keys_previous: str = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        common = EnvSettingsSource(settings_cls, env_prefix=COMMON_PREFIX, env_ignore_empty=True)
        return (init_settings, env_settings, common, file_secret_settings)

    @field_validator("*", mode="before")
    @classmethod
    def _pem_from_file(cls, value: Any, info: ValidationInfo) -> Any:
        """A key setting may hold the PEM text or the path of a file holding it (mounted secrets)."""
        name = info.field_name or ""
        if name.endswith("_key") and isinstance(value, str) and value and not value.lstrip().startswith("-----"):
            path = Path(value)
            if path.is_file():
                return path.read_text()
        return value

    @model_validator(mode="after")
    def _retention_order(self) -> CommonSettings:
        from jiceng_shared.bus import DUPLICATE_WINDOW_SECONDS

        if self.inbox_retention_days <= self.events_retention_days:
            raise ValueError(
                f"inbox_retention_days ({self.inbox_retention_days}) must exceed events_retention_days "
                f"({self.events_retention_days}): an event still in the stream must stay in the inbox"
            )
        if self.outbox_retention_days * 86400 <= DUPLICATE_WINDOW_SECONDS:
            raise ValueError(
                f"outbox_retention_days ({self.outbox_retention_days}) must exceed JetStream's duplicate "
                f"window ({DUPLICATE_WINDOW_SECONDS} s)"
            )
        if self.events_stream_replicas < 1:
            raise ValueError("events_stream_replicas must be at least 1")
        return self

    @model_validator(mode="after")
    def _county_from_file(self) -> CommonSettings:
        if self.county_file is None:
            return self
        if self.county_file.name != "county.toml":
            raise ValueError(
                f"county_file {self.county_file} must name a county directory's county.toml (README: Deploying for your county)"
            )
        directory = self.county_file.parent
        if self.county_dir is not None and self.county_dir.resolve() != directory.resolve():
            raise ValueError(f"county_file {self.county_file} is not in county_dir {self.county_dir}")
        self.county_dir = directory
        return self

    @model_validator(mode="after")
    def _default_database(self) -> CommonSettings:
        if not self.database_url:
            path = (self.data_dir / f"{self.service_name}.db").resolve()
            self.database_url = f"sqlite+aiosqlite:///{path}"
        if not self.port:
            self.port = self.default_port
        return self

    @property
    def stream_name(self) -> str:
        return self.events_prefix.upper().replace(".", "_").replace("-", "_")

    @property
    def migration_url(self) -> str:
        """Migrations run straight on the database (PgBouncer in transaction mode would break
        asyncpg's prepared statements and Alembic's session)."""
        return self.database_direct_url or self.database_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def production_problems(self) -> list[str]:
        """Why this configuration may not run in production (empty when it may)."""
        problems = []
        if self.internal_public_key.strip() == devkeys.INTERNAL_PUBLIC_KEY.strip():
            problems.append(f"{self.env_name('internal_public_key')} is the development key")
        if self.is_sqlite:
            problems.append(f"{self.env_name('database_url')} must point at PostgreSQL, not SQLite")
        if self.holds_personal_data and self.personal_data_keys.strip() == devkeys.PERSONAL_DATA_KEYS:
            problems.append(f"{self.env_name('personal_data_keys')} are the development keys")
        if self.holds_personal_data and self.personal_data_lookup_key.strip() == devkeys.PERSONAL_DATA_LOOKUP_KEY:
            problems.append(f"{self.env_name('personal_data_lookup_key')} is the development key")
        return problems

    def env_name(self, field: str) -> str:
        prefix = self.model_config.get("env_prefix") or COMMON_PREFIX
        return f"{prefix}{field}".upper()

    def check_production(self) -> None:
        if self.env != "production":
            return
        problems = self.production_problems()
        if problems:
            raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
