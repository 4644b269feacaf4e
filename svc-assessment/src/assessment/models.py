"""Every table of svc-assessment, imported in one place for Alembic and the app."""

from assessment.appeals.models import Appeal
from assessment.centres.models import SupervisionOrder
from assessment.db import Base
from assessment.gridworkers.models import (
    Complaint,
    DismissalReview,
    GridWorker,
    Household,
    PeriodResult,
    Survey,
    SurveyAnswer,
    WorkerFact,
)
from assessment.hotline.models import HotlineCallback, HotlineResponse, TicketOpened
from assessment.items.models import AssessmentItem, ManualRating
from assessment.periods.models import FrozenResult, PeriodClosure
from assessment.stationed.models import DualPart, Squad
from assessment.units.models import (
    CaseClosure,
    CaseOverdue,
    Summons,
    TicketAssignment,
    TicketClosure,
    TicketEscalation,
    TicketExtension,
    TicketHandoff,
    TicketRework,
    Unit,
)
from assessment.window.models import Centre, Clerk, WindowFact

metadata = Base.metadata

__all__ = [
    "Appeal",
    "Complaint",
    "DismissalReview",
    "DualPart",
    "Squad",
    "GridWorker",
    "Household",
    "PeriodResult",
    "Survey",
    "SurveyAnswer",
    "WorkerFact",
    "AssessmentItem",
    "CaseClosure",
    "CaseOverdue",
    "Centre",
    "Clerk",
    "FrozenResult",
    "HotlineCallback",
    "HotlineResponse",
    "ManualRating",
    "PeriodClosure",
    "Summons",
    "SupervisionOrder",
    "TicketAssignment",
    "TicketClosure",
    "TicketEscalation",
    "TicketExtension",
    "TicketOpened",
    "TicketHandoff",
    "TicketRework",
    "Unit",
    "WindowFact",
    "metadata",
]
