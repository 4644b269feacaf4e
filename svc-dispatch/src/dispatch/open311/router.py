"""HTTP routes of Open311 GeoReport v2 (JSON), behind the gateway's ``/open311/v2``.

The reads are public (the gateway rate-limits them); posting a request needs the intake
permission of a department client, whose ``api_key`` the gateway turns into its identity. Bad
input answers 422 like every route here; the gateway gives Open311 clients the spec's 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError

from dispatch.open311 import queries, rules, service
from dispatch.open311.schemas import (
    RequestCreated,
    RequestIn,
    RequestOut,
    RequestStatus,
    ServiceDefinitionOut,
    ServiceOut,
)
from dispatch.tickets.intake import INTAKE
from dispatch.tickets.service import env_of
from jiceng_shared.errors import FieldErrors, Problem
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["Open311 GeoReport v2"])
Jurisdiction = Annotated[str | None, Query(description="the county's code (optional: this server serves one)")]


@router.get("/public/open311/services.json", summary="Open311: the services (ticket categories)")
async def list_services(ctx: Ctx, session: ReadSession, jurisdiction_id: Jurisdiction = None) -> list[ServiceOut]:
    service.check_jurisdiction(ctx.org, jurisdiction_id)
    return await queries.services(session)


@router.get(
    "/public/open311/services/{service_code}.json",
    summary="Open311: a service's definition (its attributes)",
    openapi_extra=problems({404: ["unknown_jurisdiction"]}),
)
async def service_definition(
    service_code: str, ctx: Ctx, session: ReadSession, jurisdiction_id: Jurisdiction = None
) -> ServiceDefinitionOut:
    service.check_jurisdiction(ctx.org, jurisdiction_id)
    return await queries.definition(session, ctx.org, service_code)


def _list(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


@router.get(
    "/public/open311/requests.json",
    summary="Open311: service requests of citizens' channels, newest first (at most 90 days)",
    openapi_extra=problems({422: ["invalid_search"], 404: ["unknown_jurisdiction"]}),
)
async def list_requests(
    ctx: Ctx,
    session: ReadSession,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=2000, description="comma-separated")] = None,
    service_code: Annotated[str | None, Query(max_length=2000, description="comma-separated")] = None,
    start_date: Annotated[dt.datetime | None, Query(description="W3C date-time")] = None,
    end_date: Annotated[dt.datetime | None, Query(description="W3C date-time")] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed or both, comma-separated")] = None,
) -> list[RequestOut]:
    service.check_jurisdiction(ctx.org, jurisdiction_id)
    errors = FieldErrors()
    for name, value in (("start_date", start_date), ("end_date", end_date)):
        if value is not None and value.tzinfo is None:
            errors.add(name, "naive_datetime", "give a time-zone offset (2026-01-01T00:00:00Z)")
    statuses: list[RequestStatus] = []
    for s in _list(status) or []:
        if s not in RequestStatus.labels():
            errors.add("status", "unknown_status", f"{s!r}: open or closed")
        else:
            statuses.append(RequestStatus(s))
    window = None
    if not errors:
        try:
            window = rules.search_window(start_date, end_date, ctx.now(), max_days=ctx.settings.open311_max_days)
        except ValueError as exc:
            errors.add("end_date", "invalid_search", str(exc))
    errors.raise_if_any()
    assert window is not None
    return await queries.list_requests(
        session,
        ids=_list(service_request_id),
        service_codes=_list(service_code),
        statuses=statuses or None,
        window=window,
        limit=ctx.settings.open311_max_requests,
    )


@router.get("/public/open311/requests/{service_request_id}.json", summary="Open311: one service request")
async def get_request(
    service_request_id: str, ctx: Ctx, session: ReadSession, jurisdiction_id: Jurisdiction = None
) -> list[RequestOut]:
    service.check_jurisdiction(ctx.org, jurisdiction_id)
    return [await queries.get_request(session, service_request_id)]


def _form_fields(form: Any) -> dict[str, Any]:
    """The spec's form: plain fields, and ``attribute[code]=value`` gathered into ``attribute``."""
    data: dict[str, Any] = {"attribute": {}}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue  # a file: media is given as media_url
        if key.startswith("attribute[") and key.endswith("]"):
            data["attribute"][key[10:-1]] = value
        elif value != "":
            data[key] = value
    return data


@router.post(
    "/open311/requests.json",
    status_code=201,
    summary="Open311: post a service request (form-encoded); it becomes a ticket routed like any other",
    openapi_extra=problems({422: ["location_required", "township_required", "outside_jurisdiction"]}),
)
async def post_request(
    request: Request, ctx: Ctx, session: Tx, principal: Annotated[Principal, Depends(require(INTAKE))]
) -> list[RequestCreated]:
    data = _form_fields(await request.form())
    try:
        body = RequestIn.model_validate(data)
    except ValidationError as exc:
        errors = FieldErrors()
        for e in exc.errors():
            errors.add(".".join(str(p) for p in e["loc"]) or "request", e["type"], e["msg"])
        errors.raise_if_any()
        raise Problem(422, "validation_failed", "Invalid request") from exc
    ticket, _ = await service.submit(session, principal, body, env_of(ctx), ctx.org)
    return [RequestCreated(service_request_id=ticket.id, service_notice=f"工单号 {ticket.number}")]
