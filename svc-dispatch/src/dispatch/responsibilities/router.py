"""HTTP routes of the territorial responsibility list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime

from dispatch.categories import service as categories
from dispatch.responsibilities import service, spreadsheet
from dispatch.responsibilities.schemas import ListOut, ListPublish, VersionSummary
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/responsibilities", tags=["responsibility list"])

At = Annotated[AwareDatetime | None, Query(description="the version in force at this instant (default: now)")]
#: a version number is a PostgreSQL integer: a larger one is a 422, not the database's error
Version = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="this version, whenever it is in force")]
#: the largest spreadsheet accepted (a list of a thousand items is far smaller)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@router.get(
    "",
    response_model=ListOut,
    summary="The responsibility list in force (or a given version or date)",
    openapi_extra=problems({404: ["not_found"]}),  # no version in force at `at`, or no such version
)
async def read_list(
    ctx: Ctx,
    session: ReadSession,
    _: Annotated[Principal, Depends(require(service.READ))],
    township_code: Annotated[
        str | None, Query(pattern=r"^\d{12}$", description="resolve the units of this township")
    ] = None,
    at: At = None,
    version: Version = None,
) -> ListOut:
    service.check_township(township_code)
    found = await service.read(session, at=at or ctx.now(), version=version)
    functional = await categories.functional_codes(session)
    labels = await categories.labels(session)
    return service.to_out(found, township_code=township_code, functional=functional, labels=labels)


@router.get(
    "/versions",
    response_model=Page[VersionSummary],
    summary="The history of the list: every version, oldest first (one page)",
)
async def list_versions(
    ctx: Ctx, session: ReadSession, _: Annotated[Principal, Depends(require(service.READ))]
) -> Page[VersionSummary]:
    return Page(items=await service.history(session, ctx.now()))


@router.post("", status_code=201, response_model=ListOut, summary="Publish a new version of the list")
async def publish_list(
    body: ListPublish,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> ListOut:
    functional = await categories.functional_codes(session)
    published = await service.publish(session, principal, body, now=ctx.now(), functional=functional)
    response.headers["Location"] = f"{ctx.spec.api_prefix}/responsibilities?version={published.list.version}"
    labels = await categories.labels(session)
    return service.to_out(published, township_code=None, functional=functional, labels=labels)


@router.post(
    "/import",
    status_code=201,
    response_model=ListOut,
    summary="Publish a new version from a spreadsheet (CSV or XLSX body): all or nothing, every bad row named",
    description=(
        "The body is the spreadsheet itself: `application/octet-stream` (CSV or XLSX, recognised from "
        f"its content), or `{spreadsheet.CSV_TYPE}` / `{spreadsheet.XLSX_TYPE}`."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {spreadsheet.BINARY_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_list(
    request: Request,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
    effective_from: Annotated[AwareDatetime | None, Query(description="default: now; never in the past")] = None,
    note: Annotated[str, Query(max_length=1000)] = "",
) -> ListOut:
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        raise Problem(413, "too_large", "Too large", f"the spreadsheet is larger than {MAX_UPLOAD_BYTES} bytes")
    functional = await categories.functional_codes(session)
    published = await service.import_sheet(
        session,
        principal,
        data,
        request.headers.get("content-type", ""),
        effective_from=effective_from,
        note=note,
        now=ctx.now(),
        functional=functional,
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/responsibilities?version={published.list.version}"
    labels = await categories.labels(session)
    return service.to_out(published, township_code=None, functional=functional, labels=labels)


async def _export(ctx: Ctx, session: ReadSession, at: AwareDatetime | None, version: int | None) -> service.ListVersion:
    return await service.read(session, at=at or ctx.now(), version=version)


def _download(data: bytes, media_type: str, version: int, ext: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="responsibilities-v{version}.{ext}"'},
    )


@router.get(
    "/export.csv",
    response_class=Response,
    openapi_extra=problems({404: ["not_found"]}),
    summary="The list in force (or a given version or date) as CSV, in the import format",
    responses={200: {"content": {spreadsheet.CSV_TYPE: {}}}},
)
async def export_csv(
    ctx: Ctx,
    session: ReadSession,
    _: Annotated[Principal, Depends(require(service.READ))],
    at: At = None,
    version: Version = None,
) -> Response:
    found = await _export(ctx, session, at, version)
    return _download(spreadsheet.write_csv(service.sheet_rows(found)), spreadsheet.CSV_TYPE, found.list.version, "csv")


@router.get(
    "/export.xlsx",
    response_class=Response,
    openapi_extra=problems({404: ["not_found"]}),
    summary="The list in force (or a given version or date) as XLSX, in the import format",
    responses={
        200: {
            "description": "the workbook",
            # its own media type, as sent; binary, which client generators read as a file download
            "content": {spreadsheet.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def export_xlsx(
    ctx: Ctx,
    session: ReadSession,
    _: Annotated[Principal, Depends(require(service.READ))],
    at: At = None,
    version: Version = None,
) -> Response:
    found = await _export(ctx, session, at, version)
    return _download(
        spreadsheet.write_xlsx(service.sheet_rows(found)), spreadsheet.XLSX_TYPE, found.list.version, "xlsx"
    )
