"""Every table of svc-grid, imported in one place for Alembic and the app."""

from grid.areas.models import Area, AreaVersion
from grid.categories.models import KnownCategory
from grid.db import Base
from grid.diaries.models import Diary
from grid.disputes.models import Dispute, MediationStep
from grid.incidents.models import Incident, IncidentStep
from grid.people.models import BaseDataChange, Building, Enterprise, Household
from grid.residents.models import Resident, ResidentGroup
from grid.roster.models import Absence, BackupPost, RosterEntry
from grid.tasks.models import AdmissionList, GridTask, TaskAssignment
from grid.visits.models import OverdueNotice, Visit

metadata = Base.metadata

__all__ = [
    "Absence",
    "AdmissionList",
    "Area",
    "AreaVersion",
    "BackupPost",
    "BaseDataChange",
    "Building",
    "Diary",
    "Dispute",
    "Enterprise",
    "GridTask",
    "Household",
    "Incident",
    "KnownCategory",
    "MediationStep",
    "IncidentStep",
    "OverdueNotice",
    "Resident",
    "ResidentGroup",
    "RosterEntry",
    "TaskAssignment",
    "Visit",
    "metadata",
]
