"""Every table of svc-enforcement, imported in one place for Alembic and the app."""

from enforcement.db import Base

metadata = Base.metadata

__all__ = ["metadata"]
