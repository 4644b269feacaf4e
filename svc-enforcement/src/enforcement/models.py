"""Every table of svc-enforcement, imported in one place for Alembic and the app."""

from enforcement.cases.models import Case
from enforcement.categories.models import KnownCategory
from enforcement.db import Base
from enforcement.decisions.models import Decision, Deliberation, LegalReview, ReviewerQualification, RightsNotice
from enforcement.disclosure.models import Disclosure
from enforcement.hearings.models import Hearing, Statement
from enforcement.inspections.models import InspectionPlan, InspectionTarget, InspectorConflict
from enforcement.items.models import Delegation, ItemRevision
from enforcement.leads.models import Lead, Transfer
from enforcement.officers.models import Officer
from enforcement.payments.models import Payment, PaymentPlan
from enforcement.records.models import RecordEntry
from enforcement.service_of_documents.models import DocumentService
from enforcement.squads.models import JointOperation, Squad

metadata = Base.metadata

__all__ = [
    "Case",
    "Decision",
    "Delegation",
    "Disclosure",
    "DocumentService",
    "Deliberation",
    "Hearing",
    "InspectionPlan",
    "InspectionTarget",
    "InspectorConflict",
    "ItemRevision",
    "JointOperation",
    "KnownCategory",
    "Lead",
    "LegalReview",
    "Officer",
    "Payment",
    "PaymentPlan",
    "RecordEntry",
    "ReviewerQualification",
    "RightsNotice",
    "Squad",
    "Statement",
    "Transfer",
    "metadata",
]
