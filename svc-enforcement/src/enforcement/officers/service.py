"""Use cases of officers: read them in scope, register or renew a certificate."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.officers import rules
from enforcement.officers.models import Officer
from enforcement.officers.schemas import OfficerOut, OfficerPut
from jiceng_shared import county
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import paginate
from jiceng_shared.scope import require_scope, scope_filter

READ = "enforcement.officer.read"
MANAGE = "enforcement.officer.manage"
#: officers work in the township's comprehensive enforcement office
OFFICE_DEPT = "cle"


def to_out(officer: Officer, on: dt.date) -> OfficerOut:
    data = {name: getattr(officer, name) for name in OfficerOut.model_fields if hasattr(officer, name)}
    return OfficerOut(**data, certificate_valid=rules.certificate_valid(officer, on), on=on)


def readable(principal: Principal) -> ColumnElement[bool]:
    return scope_filter(principal, READ, Officer.township_code, Officer.dept)


async def list_officers(
    session: AsyncSession,
    principal: Principal,
    *,
    township_code: str | None,
    valid_on: dt.date | None,
    limit: int,
    cursor: str | None,
) -> list[Officer]:
    stmt = select(Officer).where(readable(principal))
    if township_code:
        stmt = stmt.where(Officer.township_code == township_code)
    if valid_on:
        stmt = stmt.where(Officer.valid_from <= valid_on, Officer.valid_until >= valid_on)
    stmt = paginate(stmt, Officer.created_at, Officer.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_officer(session: AsyncSession, principal: Principal, username: str) -> Officer:
    officer = await session.scalar(select(Officer).where(Officer.username == username, readable(principal)))
    if officer is None:
        raise not_found("officer", username)
    return officer


async def officers_by_username(session: AsyncSession, usernames: list[str]) -> dict[str, Officer]:
    rows = (await session.scalars(select(Officer).where(Officer.username.in_(usernames)))).all()
    return {o.username: o for o in rows}


async def put_officer(
    session: AsyncSession, principal: Principal, username: str, body: OfficerPut, *, now: dt.datetime
) -> tuple[Officer, bool]:
    """Register an officer or renew their certificate; True when the officer is new."""
    require_scope(principal, MANAGE, body.township_code, OFFICE_DEPT)
    errors = FieldErrors()
    if county.current().township(body.township_code) is None:
        errors.add("township_code", "unknown_township", f"no township {body.township_code}")
    if body.valid_until < body.valid_from:
        errors.add("valid_until", "invalid_period", "valid_until is before valid_from")
    errors.raise_if_any()
    taken = await session.scalar(
        select(Officer.username).where(
            Officer.certificate_number == body.certificate_number, Officer.username != username
        )
    )
    if taken:
        raise Problem(
            409,
            "certificate_number_taken",
            "Certificate number in use",
            f"certificate {body.certificate_number} belongs to another officer",
        )
    officer = await session.scalar(select(Officer).where(Officer.username == username).with_for_update())
    created = officer is None
    if officer is None:
        officer = Officer(id=new_id(), username=username, dept=OFFICE_DEPT, created_at=now)
        session.add(officer)
    officer.name = body.name
    officer.township_code = body.township_code
    officer.certificate_number = body.certificate_number
    officer.valid_from = body.valid_from
    officer.valid_until = body.valid_until
    officer.updated_at = now
    await session.flush()
    return officer, created
