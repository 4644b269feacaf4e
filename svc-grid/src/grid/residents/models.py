"""Residents of the grid (base data 人房企: the people part), with their household and special groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from grid.db import Base
from grid.residents.rules import SPECIAL_GROUPS
from jiceng_shared.personaldata import Encrypted, EncryptedJSON, code_hash, lookup

#: the namespace of the special groups' keyed hashes (jiceng_shared.personaldata.code_hash)
GROUP_HASH = "special_group"


class Resident(Base):
    __tablename__ = "residents"
    # one record per person and township (a person who moves is registered again where they live)
    __table_args__ = (
        UniqueConstraint("township_code", "id_number_hash"),
        Index("ix_residents_grid_status", "grid_code", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), index=True)
    township_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(50))
    #: resident identity card number (GB 11643), 18 characters: encrypted at rest (SM4), found by
    #: its keyed hash (jiceng_shared.personaldata)
    id_number: Mapped[str] = mapped_column(Encrypted(subject="id_number"))
    id_number_hash: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(Encrypted(subject="phone"))
    address: Mapped[str] = mapped_column(String(200))
    #: household register number (户号); members of one household share it
    household_no: Mapped[str] = mapped_column(String(30), index=True)
    household_head: Mapped[bool] = mapped_column(default=False)
    #: codes of the special-group registers the person is on (002 art. 11): encrypted at rest, the
    #: registers are filtered through the keyed hashes of ResidentGroup
    special_groups: Mapped[list[Any]] = mapped_column(EncryptedJSON())
    # --- the information of 002 art. 11: population, housing, social security, employment, income, safety
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    education: Mapped[str | None] = mapped_column(String(20))
    #: the building (房) the person lives in, and the house/room in it
    building_id: Mapped[str | None] = mapped_column(String(36), index=True)
    house_no: Mapped[str | None] = mapped_column(String(20))
    #: owned | rented | public | other (Housing)
    housing: Mapped[str | None] = mapped_column(String(20))
    #: codes of SocialSecurity (pension, medical, minimum_living, ...): encrypted, since minimum
    #: living allowance and extreme-poverty support are sensitive like the special groups
    social_security: Mapped[list[Any]] = mapped_column(EncryptedJSON(), default=list)
    #: Employment code, and the employer
    employment: Mapped[str | None] = mapped_column(String(20))
    employer: Mapped[str | None] = mapped_column(String(200))
    #: IncomeBand code
    income_band: Mapped[str | None] = mapped_column(String(20))
    safety_notes: Mapped[str | None] = mapped_column(Text)
    #: the fields a register needs for the person ({"community_corrections": {"term_end": ...}}):
    #: encrypted at rest, its keys name the registers
    group_details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    #: the day the person came to live in the grid, when before their registration (records taken over
    #: from paper): the visit schedule counts from it
    lives_here_since: Mapped[dt.date | None]
    #: active | moved_away | deceased
    status: Mapped[str] = mapped_column(String(20), default="active")
    deregistered_on: Mapped[dt.date | None]
    registered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @validates("id_number")
    def _hash_id_number(self, _key: str, value: str) -> str:
        """Every assignment of the number sets its look-up hash too."""
        self.id_number_hash = lookup(value)
        return value


class ResidentGroup(Base):
    """One row per person and register: the registers are filtered and counted through it (indexed).
    The register is stored as its keyed hash (HMAC-SM3, ``code_hash(GROUP_HASH, code)``), never its
    code: compare through ``grid.residents.queries.in_groups`` and read it back with ``group_code``."""

    __tablename__ = "resident_groups"
    __table_args__ = (Index("ix_resident_groups_group_hash_grid", "group_hash", "grid_code"),)

    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    group_hash: Mapped[str] = mapped_column(
        String(64), primary_key=True, info={"code_hash": (GROUP_HASH, lambda: SPECIAL_GROUPS)}
    )
    grid_code: Mapped[str] = mapped_column(String(15))

    @classmethod
    def of(cls, resident: Resident, group: str) -> ResidentGroup:
        return cls(resident_id=resident.id, group_hash=code_hash(GROUP_HASH, group), grid_code=resident.grid_code)
