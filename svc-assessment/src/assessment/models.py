"""Every table of svc-assessment, imported in one place for Alembic and the app."""

from assessment.db import Base

metadata = Base.metadata

__all__ = ["metadata"]
