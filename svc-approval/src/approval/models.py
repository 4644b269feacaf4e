"""Every table of svc-approval, imported in one place for Alembic and the app."""

from approval.db import Base

metadata = Base.metadata

__all__ = ["metadata"]
