"""RFC 9457 problem responses with stable machine codes.

Every error a caller can cause is a :class:`Problem` (or a validation error turned into one): a
4xx ``application/problem+json`` body with ``type``, ``title``, ``status``, ``detail``, a stable
``code`` and, for validation, ``errors`` listing every bad field at once.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiceng_shared.observability import request_id_var

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://jiceng.gov.cn/problems/"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(f"{status} {code}: {detail or title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extensions = extensions


def not_found(what: str, ident: str | None = None) -> Problem:
    detail = f"{what} {ident} was not found" if ident else f"{what} was not found"
    return Problem(404, "not_found", "Not found", detail)


def permission_denied(permission: str) -> Problem:
    return Problem(403, "permission_denied", "Permission denied", f"this action needs the permission {permission}")


def scope_denied(detail: str = "the resource is outside the scope of your role for this action") -> Problem:
    return Problem(403, "scope_denied", "Outside your scope", detail)


def unauthenticated(detail: str = "a valid token is required") -> Problem:
    return Problem(401, "unauthenticated", "Authentication required", detail)


def problem_body(status: int, code: str, title: str, detail: str | None = None, **extensions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    return body


def problem_response(status: int, code: str, title: str, detail: str | None = None, **extensions: Any) -> JSONResponse:
    headers = extensions.pop("headers", None)
    return JSONResponse(
        problem_body(status, code, title, detail, **extensions),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


#: seconds a client is told to wait (Retry-After) when the database is unavailable
DATABASE_RETRY_AFTER_SECONDS = 5

#: SQLSTATE classes and codes that mean "the database cannot serve now", not "your request is wrong":
#: 08 connection exceptions, 53 insufficient resources (too many connections), 57P operator
#: intervention (shutdown, terminated, cannot connect now), 55000 database not accepting connections
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P", "55000", "3D000")
#: SQLSTATEs of characters PostgreSQL refuses (NUL in text, untranslatable characters)
_BAD_CHARACTER_SQLSTATES = ("22021", "22P05")


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen) or len(seen) > 20:
            continue
        seen.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in _causes(exc):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str) and code:
            return code
    return None


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached or refuses to serve (retry later)."""
    for candidate in _causes(exc):
        if isinstance(candidate, sa_exc.TimeoutError):  # no pool connection free in time
            return True
        if isinstance(candidate, sa_exc.DBAPIError) and candidate.connection_invalidated:
            return True
        if isinstance(candidate, (ConnectionError, OSError)) and not isinstance(candidate, FileNotFoundError):
            return True
        name = type(candidate).__name__
        if name in ("ConnectionDoesNotExistError", "InterfaceError", "InternalClientError") and "asyncpg" in (
            type(candidate).__module__
        ):
            return True
    code = _sqlstate(exc)
    return code is not None and code.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)


def bad_characters_refused(exc: BaseException) -> bool:
    """True when the database refused a character a caller sent (a NUL the guard did not see)."""
    return _sqlstate(exc) in _BAD_CHARACTER_SQLSTATES


def database_unavailable_problem() -> Problem:
    return Problem(
        503,
        "database_unavailable",
        "Service unavailable",
        "the database is unavailable; nothing was changed, try again shortly",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def unexpected_problem_response(exc: BaseException) -> JSONResponse:
    """The answer to an exception nothing else handled: 503 for database trouble, else 500."""
    if database_unavailable(exc):
        log.warning("database unavailable", extra={"error": repr(exc)[:500]})
        p = database_unavailable_problem()
        return problem_response(p.status, p.code, p.title, p.detail, **p.extensions)
    if bad_characters_refused(exc):
        return problem_response(
            422, "invalid_characters", "Invalid request", "the request holds characters that cannot be stored"
        )
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal_error", "Internal error", "an unexpected error occurred")


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def validation_problem(errors: list[dict[str, Any]]) -> JSONResponse:
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e.get("ctx", {}).get("error", "") for e in errors if e.get("type") == "json_invalid")
        return problem_response(
            400, "malformed_json", "Malformed JSON", f"the request body is not valid JSON: {detail}"
        )
    fields = [
        {"field": _field_name(tuple(e["loc"])), "in": str(e["loc"][0]), "message": e["msg"], "type": e["type"]}
        for e in errors
    ]
    names = ", ".join(f["field"] for f in fields)
    return problem_response(422, "validation_failed", "Invalid request", f"invalid fields: {names}", errors=fields)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail, **exc.extensions)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "permission_denied"}
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        return problem_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        return problem_response(
            409, "concurrent_update", "Changed by someone else", "the resource changed meanwhile; reload and retry"
        )

    # database errors are answered here, inside the app (an ``Exception`` handler runs in the
    # outermost middleware, which re-raises after answering): 503 when the database is in trouble
    async def _database(_request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc) or bad_characters_refused(exc):
            return unexpected_problem_response(exc)
        raise exc

    for kind in (sa_exc.SQLAlchemyError, OSError):
        app.add_exception_handler(kind, _database)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return unexpected_problem_response(exc)


class FieldErrors:
    """Collects domain validation errors so a caller learns every bad field at once.

    One error answers with its own stable code (``point_outside_grid``); several answer with
    ``validation_failed`` and each error keeps its code in ``errors``.
    """

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.errors.append({"field": field, "code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, status: int = 422) -> None:
        if not self.errors:
            return
        if len(self.errors) == 1:
            e = self.errors[0]
            raise Problem(status, e["code"], "Invalid request", f"{e['field']}: {e['message']}", errors=self.errors)
        names = ", ".join(e["field"] for e in self.errors)
        raise Problem(status, "validation_failed", "Invalid request", f"invalid fields: {names}", errors=self.errors)
