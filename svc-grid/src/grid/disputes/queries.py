"""Reads of disputes: its scope filter, and the shapes of disputes in answers (parties masked in
lists, in full on the audited record)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement

from grid.disputes.models import Dispute, MediationStep
from grid.disputes.schemas import (
    DisputeDetail,
    DisputeKind,
    DisputeOut,
    DisputeParty,
    DisputePartyMasked,
    DisputeStatus,
    MediationStepKind,
    MediationStepOut,
    PartyRole,
)
from jiceng_shared.identity import Principal
from jiceng_shared.masking import mask_person_name
from jiceng_shared.scope import scope_filter

LIST = "grid.dispute.list"
READ = "grid.dispute.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(principal, permission, Dispute.grid_code, inline=True)


def to_out(d: Dispute) -> DisputeOut:
    kind, status = DisputeKind(d.kind), DisputeStatus(d.status)
    return DisputeOut(
        id=d.id,
        grid_code=d.grid_code,
        township_code=d.township_code,
        kind=kind,
        kind_zh=kind.label_zh,
        description=d.description,
        status=status,
        status_zh=status.label_zh,
        parties=[
            DisputePartyMasked(name_masked=mask_person_name(p["name"]), role=PartyRole(p.get("role", PartyRole.PARTY)))
            for p in d.parties
        ],
        outcome=d.outcome,
        incident_id=d.incident_id,
        created_at=d.created_at,
        closed_at=d.closed_at,
        version=d.version,
    )


def step_out(s: MediationStep) -> MediationStepOut:
    kind = MediationStepKind(s.kind)
    return MediationStepOut(at=s.at, kind=kind, kind_zh=kind.label_zh, note=s.note, by_name=s.by_name)


def to_detail(d: Dispute, steps: list[MediationStep]) -> DisputeDetail:
    return DisputeDetail(
        **to_out(d).model_dump(),
        parties_full=[DisputeParty(**p) for p in d.parties],
        location=d.location,
        steps=[step_out(s) for s in steps],
    )


def dispute_key(d: Dispute) -> tuple[dt.datetime, str]:
    return d.created_at, d.id
