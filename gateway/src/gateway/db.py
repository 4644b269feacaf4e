"""The declarative base of the gateway's tables (identities, bindings, audit)."""

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from jiceng_shared.db import TYPE_ANNOTATION_MAP, make_metadata
from jiceng_shared.tables import add_infrastructure_tables


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP
    if TYPE_CHECKING:  # every table here is a Table (DeclarativeBase says FromClause)
        __table__: ClassVar[Table]


add_infrastructure_tables(Base.metadata)
