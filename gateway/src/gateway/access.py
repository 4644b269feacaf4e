"""The gateway's access decision for every ``/api/...`` request, from the policy tables.

One place decides for the proxied services and for the gateway's own administration API: find
the route in the route table (absent → 404, other method → 405), let public routes through
within their rate limit, otherwise authenticate the bearer token and check that one of the
caller's bindings grants the route's permission (403 ``permission_denied``). The scope of a
resource is the service's to check, in its queries. Every denial goes to the audit log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.audit import AuditLog, who
from gateway.clientinfo import AddressResolver
from gateway.limits import SharedRateLimiter
from jiceng_shared.errors import (
    Problem,
    database_unavailable,
    database_unavailable_problem,
    permission_denied,
    problem_response,
    unauthenticated,
)
from jiceng_shared.identity import ANONYMOUS, Principal
from jiceng_shared.policy import AUTHENTICATED, Policy, Route

#: a department system acting for a person names that person here (kept in the audit log and
#: passed on in the internal token); people cannot act for someone else
ON_BEHALF_HEADER = b"x-on-behalf-of"
MAX_ON_BEHALF = 100


def rate_limited(retry_after: int) -> Problem:
    return Problem(
        429,
        "rate_limited",
        "Too many requests",
        f"too many requests from your address; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def bearer(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and rest.strip():
                return rest.strip()
            return None
    return None


class AccessGuard:
    def __init__(
        self,
        *,
        policy: Policy,
        authenticate: Callable[[str], Awaitable[Principal]],
        audit: AuditLog,
        address: AddressResolver,
        public_limiter: SharedRateLimiter,
    ) -> None:
        self.policy = policy
        self.authenticate = authenticate
        self.audit = audit
        self.address = address
        self.public_limiter = public_limiter

    def route(self, method: str, path: str) -> Route:
        route = self.policy.match(method, path)
        if route is not None:
            return route
        allowed = sorted(
            m for m, routes in self.policy.routes_by_method.items() if any(r.regex.match(path) for r in routes)
        )
        if allowed:
            raise Problem(
                405,
                "method_not_allowed",
                "Method not allowed",
                f"use {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        raise Problem(404, "not_found", "Not found", f"no route {method} {path}")

    async def decide(self, scope: Scope) -> tuple[Route, Principal]:
        """The route and the caller allowed to call it; raises the problem to answer otherwise."""
        route = self.route(scope["method"], scope["path"])
        scope.setdefault("state", {})["route"] = route
        principal: Principal | None = None
        try:
            if route.public:
                wait = await self.public_limiter.hit(self.address(scope) or "-")
                if wait is not None:
                    raise rate_limited(wait)
                return route, ANONYMOUS
            token = bearer(scope)
            if token is None:
                raise unauthenticated()
            principal = await self.authenticate(token)
            if route.permission != AUTHENTICATED and not principal.can(route.permission):
                raise permission_denied(route.permission)
            principal = self._on_behalf(scope, principal)
        except Problem as problem:
            if problem.status in (401, 403):
                self.denied(scope, principal, route, problem.status, f"{problem.code}: {problem.detail}")
            raise
        scope["state"]["principal"] = principal
        return route, principal

    def _on_behalf(self, scope: Scope, principal: Principal) -> Principal:
        for key, value in scope["headers"]:
            if key == ON_BEHALF_HEADER:
                if principal.kind != "client":
                    raise Problem(
                        400,
                        "on_behalf_not_allowed",
                        "Bad request",
                        "only a department system may act on behalf of a person",
                    )
                person = value.decode("utf-8", "replace").strip()
                if not person or len(person) > MAX_ON_BEHALF:
                    raise Problem(
                        400,
                        "invalid_on_behalf_of",
                        "Bad request",
                        f"X-On-Behalf-Of must be 1 to {MAX_ON_BEHALF} characters",
                    )
                return dataclasses.replace(principal, on_behalf_of=person)
        return principal

    def denied(self, scope: Scope, principal: Principal | None, route: Route | None, status: int, detail: str) -> None:
        self.audit.write_later(
            action="access_denied",
            outcome="denied",
            method=scope["method"],
            resource=scope["path"],
            permission=route.permission if route else None,
            status=status,
            address=self.address(scope),
            detail=detail,
            **who(principal),
        )


async def answer_problem(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
    extensions = dict(problem.extensions)
    if problem.status == 401:
        extensions["headers"] = {"WWW-Authenticate": 'Bearer realm="jiceng"'}
    response = problem_response(problem.status, problem.code, problem.title, problem.detail, **extensions)
    await response(scope, receive, send)


class GuardedApp:
    """The gateway's own ``/api/iam/...`` routes: the same decision as the proxy, then the app."""

    def __init__(self, app: ASGIApp, guard: AccessGuard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.guard.decide(scope)
        except Problem as problem:
            await answer_problem(scope, receive, send, problem)
            return
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            await answer_problem(scope, receive, send, database_unavailable_problem())
            return
        await self.app(scope, receive, send)
