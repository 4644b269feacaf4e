"""The declarative base of svc-approval's own tables (plus the shared outbox/inbox tables)."""

from jiceng_shared.db import make_base
from jiceng_shared.tables import add_infrastructure_tables

Base = make_base()
add_infrastructure_tables(Base.metadata)
