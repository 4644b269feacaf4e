"""Every table of svc-grid, imported in one place for Alembic and the app."""

from grid.areas.models import Area, AreaVersion
from grid.categories.models import KnownCategory
from grid.db import Base
from grid.incidents.models import Incident, IncidentStep
from grid.residents.models import Resident

metadata = Base.metadata

__all__ = ["Area", "AreaVersion", "KnownCategory", "Incident", "IncidentStep", "Resident", "metadata"]
