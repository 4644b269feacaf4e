"""Use cases of Open311: a request becomes a ticket, routed like every other intake."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.open311.schemas import RequestIn
from dispatch.tickets.enums import TicketSource
from dispatch.tickets.intake import intake
from dispatch.tickets.models import Ticket
from dispatch.tickets.schemas import CallerIn, TicketIntake
from dispatch.tickets.service import Env
from jiceng_shared.county import Organisation
from jiceng_shared.errors import FieldErrors, Problem
from jiceng_shared.geo import point_in_polygon
from jiceng_shared.identity import Principal

#: the attribute of every service definition naming the township when there is no lat/long
TOWNSHIP_ATTRIBUTE = "township"


def check_jurisdiction(org: Organisation, jurisdiction_id: str | None) -> None:
    """``jurisdiction_id`` is the county's code; another one is a jurisdiction this server does not serve."""
    if jurisdiction_id and jurisdiction_id != org.code:
        raise Problem(404, "unknown_jurisdiction", "Not found", f"jurisdiction_id: this server serves {org.code}")


def township_at(org: Organisation, point: tuple[float, float]) -> str | None:
    """The township of the grid a point lies in (None outside every grid of the county)."""
    for grid in org.grids:
        if not grid.retired and grid.polygon and point_in_polygon(point, grid.polygon):
            return grid.township
    return None


async def submit(
    session: AsyncSession, principal: Principal, body: RequestIn, env: Env, org: Organisation
) -> tuple[Ticket, bool]:
    """Register the request as a ticket of source ``open311``: the township from the point (or the
    ``township`` attribute), the reporter's name and phone as the caller (masked but for the centre)."""
    check_jurisdiction(org, body.jurisdiction_id)
    errors = FieldErrors()
    unknown = sorted(set(body.attribute) - {TOWNSHIP_ATTRIBUTE})
    if unknown:
        errors.add("attribute", "unknown_attribute", f"not attributes of this service: {', '.join(unknown)}")
    point = (body.long, body.lat) if body.lat is not None and body.long is not None else None
    township = body.attribute.get(TOWNSHIP_ATTRIBUTE)
    if township is not None and org.township(township) is None:
        errors.add(
            f"attribute[{TOWNSHIP_ATTRIBUTE}]", "unknown_township", f"{township} is not a township of the county"
        )
        township = None
    if point is not None:
        located = township_at(org, point)
        if located is None:
            errors.add("lat", "outside_jurisdiction", "lat/long lies in no grid of the county")
        elif township is not None and located != township:
            errors.add(f"attribute[{TOWNSHIP_ATTRIBUTE}]", "township_mismatch", f"lat/long lies in {located}")
        township = located or township
    elif not body.address_string and not body.address_id:
        errors.add("lat", "location_required", "give lat and long, or address_string")
    elif township is None and not errors:
        errors.add(
            f"attribute[{TOWNSHIP_ATTRIBUTE}]", "township_required", "without lat/long, name the township (its code)"
        )
    errors.raise_if_any()
    parts = [p for p in (body.last_name, body.first_name) if p]
    # a Chinese name is written family name first without a space (王小明); others "Last First"
    name = ("" if all(ord(c) >= 0x2E80 for c in "".join(parts)) else " ").join(parts) or None
    description = body.description
    if body.address_string:
        description += f"\n地址：{body.address_string}"
    ticket_body = TicketIntake(
        category=body.service_code,
        description=description[:4000],
        township_code=township,
        location={"type": "Point", "coordinates": point} if point else None,
        caller=CallerIn(name=name, phone=body.phone) if name or body.phone else None,
    )
    return await intake(session, principal, ticket_body, env, source=TicketSource.OPEN311)
