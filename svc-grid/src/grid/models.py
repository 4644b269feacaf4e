"""Every table of svc-grid, imported in one place for Alembic and the app."""

from grid.areas.models import Area
from grid.db import Base
from grid.diaries.models import Diary
from grid.incidents.models import Incident, IncidentStep
from grid.residents.models import Resident
from grid.roster.models import Absence, BackupPost, RosterEntry
from grid.visits.models import OverdueNotice, Visit

metadata = Base.metadata

__all__ = [
    "Absence",
    "Area",
    "BackupPost",
    "Diary",
    "Incident",
    "IncidentStep",
    "OverdueNotice",
    "Resident",
    "RosterEntry",
    "Visit",
    "metadata",
]
