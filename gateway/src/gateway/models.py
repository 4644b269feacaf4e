"""Identities the gateway authenticates: people, department systems, and their role bindings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Float, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    #: the area the account belongs to (a township or the county): who may administer it
    area: Mapped[str] = mapped_column(String(12), index=True, server_default="")
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: the second factor (TOTP, base32): set at enrolment, counted once confirmed with a first code
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_enrolled: Mapped[bool] = mapped_column(default=False, server_default="false")
    #: the time step (RFC 6238 T) of the last code accepted: a code is good once (RFC 6238 §5.2)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    #: SHA-256 hashes of the unused recovery codes (JSON list)
    recovery_codes: Mapped[str | None] = mapped_column(Text, default=None)
    #: when the password was last set (None: at creation); it expires after password_max_age_days
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: hashes of the previous passwords, newest first (JSON list), which may not come back
    password_history: Mapped[str | None] = mapped_column(Text, default=None)

    __mapper_args__ = {"version_id_col": version}


class Client(Base):
    """A department system using the client-credentials grant."""

    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    dept: Mapped[str] = mapped_column(String(20))
    #: the area the client belongs to (the county of the townships it serves)
    area: Mapped[str] = mapped_column(String(12), index=True, server_default="")
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class RoleBinding(Base):
    """A role granted to a user or a client over an area (and optionally one department)."""

    __tablename__ = "role_bindings"
    __table_args__ = (UniqueConstraint("subject_id", "role", "area", "dept"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(15))
    dept: Mapped[str | None] = mapped_column(String(20))
    granted_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """Append-only (no API changes it; a database trigger refuses any UPDATE but the sealing into
    the hash chain, and any DELETE but retention's): who did what, on whose behalf, when, from
    which request and client."""

    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    #: login | access_denied | write | personal_record_read | iam.<resource>.<change>
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: success | failure | throttled | denied | started | completed
    outcome: Mapped[str] = mapped_column(String(20))
    #: the login name of the person or the client id of the system (or the name tried at login)
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(36), index=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(100))
    client_id: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str | None] = mapped_column(String(10))
    resource: Mapped[str | None] = mapped_column(String(500), index=True)
    permission: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[int | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    #: the persons whose data the call disclosed or changed (a full record's reading, a write), as
    #: the keyed hashes (HMAC-SM3, jiceng_shared.personaldata.subject_hash) of their ID number, phone
    #: or name, space-separated: the person's access record (个人信息查阅) is found through them
    data_subjects: Mapped[str | None] = mapped_column(Text, default=None)
    #: the hash chain (gateway.auditchain), set once when the entry is sealed, a moment after it is
    #: written: its place in the chain, the previous entry's hash, its own and the hash function
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash_alg: Mapped[str | None] = mapped_column(String(8), default=None)


class AuditChainHead(Base):
    """The one row of the audit chain's state: its last entry, and its anchor (the last entry
    deleted by retention, where verification starts)."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    anchor_seq: Mapped[int] = mapped_column(BigInteger)
    anchor_hash: Mapped[str] = mapped_column(String(64))


metadata = Base.metadata


class LoginSession(Base):
    """One login of a person: its refresh tokens rotate within it; revoked at logout, on reuse of a
    rotated refresh token, on disable and on a password change; ends when idle or too old."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), default=None)


class RefreshToken(Base):
    """A refresh token (only its SHA-256 is kept); used once, then replaced by the next."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class IdempotencyRecord(Base):
    """A creating request made with an ``Idempotency-Key``: its fingerprint, then its response.

    ``status`` is empty while the first request is in flight; a retry meanwhile is told to wait.
    Shared by every gateway replica (it lives in the gateway's database)."""

    __tablename__ = "idempotency_keys"

    #: the caller (subject id, or ``anonymous:<address>`` on public routes) and its key
    owner: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    completed_at: Mapped[dt.datetime | None]
    status: Mapped[int | None]
    headers: Mapped[list[Any] | None]
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


class LoginFailure(Base):
    """A failed (or still running) login attempt, per account and per address, shared by replicas."""

    __tablename__ = "login_failures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: ``account:<name>`` or ``address:<ip>``
    key: Mapped[str] = mapped_column(String(200), index=True)
    #: seconds since the epoch
    at: Mapped[float] = mapped_column(Float, index=True)


class RateBucket(Base):
    """A token bucket of a public rate limit, shared by replicas."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    #: seconds since the epoch of the last refill
    at: Mapped[float] = mapped_column(Float, index=True)


# the webhook tables (gateway.webhooks) belong to the same database and migrations
import gateway.webhooks.models  # noqa: F401
