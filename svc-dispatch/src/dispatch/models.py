"""Every table of svc-dispatch, imported in one place for Alembic and the app."""

from dispatch.categories.models import Category
from dispatch.db import Base
from dispatch.responsibilities.models import ResponsibilityEntry, ResponsibilityList
from dispatch.tickets.models import Ticket, TicketReport, TicketStep

metadata = Base.metadata

__all__ = ["Category", "ResponsibilityEntry", "ResponsibilityList", "Ticket", "TicketReport", "TicketStep", "metadata"]
