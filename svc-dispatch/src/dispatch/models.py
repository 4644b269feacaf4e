"""Every table of svc-dispatch, imported in one place for Alembic and the app."""

from dispatch.categories.models import Category
from dispatch.db import Base
from dispatch.joint.models import TicketPart
from dispatch.map.models import EarlyWarning
from dispatch.responsibilities.models import ResponsibilityEntry, ResponsibilityList
from dispatch.summons.models import Summons
from dispatch.supervision.models import SupervisionOrder
from dispatch.tickets.models import Ticket, TicketCallback, TicketReport, TicketStep

metadata = Base.metadata

__all__ = [
    "Category",
    "EarlyWarning",
    "ResponsibilityEntry",
    "ResponsibilityList",
    "Summons",
    "SupervisionOrder",
    "Ticket",
    "TicketCallback",
    "TicketPart",
    "TicketReport",
    "TicketStep",
    "metadata",
]
