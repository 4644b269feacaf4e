"""Identities the gateway authenticates: people, department systems, and their role bindings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Client(Base):
    """A department system using the client-credentials grant."""

    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    dept: Mapped[str] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


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
    """Append-only: who did what, on whose behalf, when, from which request."""

    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(100))
    client_id: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str | None] = mapped_column(String(10))
    resource: Mapped[str | None] = mapped_column(String(500), index=True)
    status: Mapped[int | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


metadata = Base.metadata
