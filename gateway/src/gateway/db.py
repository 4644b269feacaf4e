"""The declarative base of the gateway's tables (identities, bindings, audit)."""

from jiceng_shared.db import make_base
from jiceng_shared.tables import add_infrastructure_tables

Base = make_base()
add_infrastructure_tables(Base.metadata)
