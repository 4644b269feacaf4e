"""Every table of svc-dispatch, imported in one place for Alembic and the app."""

from dispatch.db import Base

metadata = Base.metadata

__all__ = ["metadata"]
