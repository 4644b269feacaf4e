"""One OpenAPI document for the whole platform: the gateway's routes plus every service's.

Each service's document is fetched with the gateway's own internal token, its schemas are
prefixed with the service name (``grid.IncidentOut``) so names never clash, and every
operation gets the security requirement and the permission (``x-permission``) of the route
table. Operations missing from the route table are not reachable and are left out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import aiohttp

from jiceng_shared.identity import INTERNAL_HEADER, InternalTokenSigner, Principal
from jiceng_shared.openapi_problems import SHARED_SCHEMAS, document_operation, document_problems
from jiceng_shared.policy import AUTHENTICATED, PUBLIC, Policy

log = logging.getLogger(__name__)

GATEWAY_PRINCIPAL = Principal(subject="gateway", name="gateway", kind="client", client_id="gateway")
SECURITY_SCHEME = "OAuth2"
METHODS = ("get", "post", "put", "patch", "delete")


def _rename_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[1]
                out[key] = "#/components/schemas/" + (name if name in SHARED_SCHEMAS else prefix + name)
            else:
                out[key] = _rename_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, prefix) for v in node]
    return node


def security_schemes() -> dict[str, Any]:
    return {
        SECURITY_SCHEME: {
            "type": "oauth2",
            "description": "People log in with the password grant; department systems with client credentials.",
            "flows": {
                "password": {"tokenUrl": "/auth/token", "scopes": {}},
                "clientCredentials": {"tokenUrl": "/auth/token", "scopes": {}},
            },
        }
    }


def annotate(operation: dict[str, Any], permission: str, labels: dict[str, str]) -> None:
    operation["x-permission"] = permission
    if permission == PUBLIC:
        operation["security"] = []
    else:
        operation["security"] = [{SECURITY_SCHEME: []}]
        if permission != AUTHENTICATED:
            label = labels.get(permission, "")
            operation["description"] = (
                operation.get("description", "") + f"\n\nPermission: `{permission}` {label}"
            ).strip()


def unique_title(service: str, name: str) -> str:
    """``grid`` + ``Page_IncidentOut_`` → ``GridPageIncidentOut``: generated clients name classes
    after titles, and two services' ``ItemOut`` must not become one class."""
    words = re.split(r"[^0-9A-Za-z]+", f"{service}_{name}")
    return "".join(w[:1].upper() + w[1:] for w in words if w)


#: public routes of the gateway itself (no token)
GATEWAY_PUBLIC = {
    ("post", "/auth/token"),
    ("get", "/auth/jwks.json"),
    ("post", "/auth/password"),
    ("post", "/auth/mfa/enrolment"),
    ("post", "/auth/mfa/confirmation"),
}


def document_gateway_problems(operation: dict[str, Any], *, proxied: bool, public: bool) -> None:
    """What the gateway itself may answer on top of the service: a path it refuses to decode
    (the edge's ``ambiguous_path``, on any route), throttling of public routes, a body over the
    limit, and an upstream that failed or timed out."""
    statuses = {400}
    own = operation.setdefault("x-problem-codes", {})
    own["400"] = list(dict.fromkeys([*own.get("400", []), "ambiguous_path"]))
    if public:
        statuses.add(429)
    if operation.get("requestBody"):
        statuses.add(413)
    if proxied:
        statuses |= {502, 504}
    document_operation(operation, statuses)


def merge(base: dict[str, Any], service_docs: dict[str, dict[str, Any]], policy: Policy) -> dict[str, Any]:
    doc = document_problems(base, is_public=lambda path, method: (method, path) in GATEWAY_PUBLIC)
    doc.setdefault("components", {}).setdefault("schemas", {})
    doc["components"]["securitySchemes"] = security_schemes()
    routes = {(r.method.lower(), r.path): r for r in policy.routes}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item and (method, path) in routes:
                annotate(item[method], routes[(method, path)].permission, policy.permission_labels)
            if method in item:
                document_gateway_problems(item[method], proxied=False, public=(method, path) in GATEWAY_PUBLIC)
    for service, sdoc in service_docs.items():
        prefix = f"{service}."
        sdoc = _rename_refs(sdoc, prefix)
        for name, schema in sdoc.get("components", {}).get("schemas", {}).items():
            if name in SHARED_SCHEMAS:
                continue
            schema["title"] = unique_title(service, name)
            doc["components"]["schemas"][prefix + name] = schema
        for path, item in sdoc.get("paths", {}).items():
            kept = {}
            for method, operation in item.items():
                route = routes.get((method, path))
                if method in METHODS and route is not None:
                    operation.setdefault("tags", [service])
                    operation["tags"] = [f"{service}: {t}" for t in operation["tags"]]
                    annotate(operation, route.permission, policy.permission_labels)
                    document_gateway_problems(operation, proxied=True, public=route.permission == PUBLIC)
                    kept[method] = operation
            if kept:
                doc["paths"][path] = kept
    return doc


def enum_labels(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every enum schema's ``x-enum-labels`` (value → label_zh), by its name in ``doc``."""
    schemas = doc.get("components", {}).get("schemas", {})
    return {name: schema["x-enum-labels"] for name, schema in sorted(schemas.items()) if "x-enum-labels" in schema}


class MergedOpenAPI:
    def __init__(
        self,
        *,
        base: Any,
        upstreams: dict[str, str],
        signer: InternalTokenSigner,
        policy: Policy,
        session_factory: Any,
        ttl_seconds: float = 30.0,
    ) -> None:
        self._base = base  # callable giving the gateway's own document
        self.upstreams = upstreams
        self.signer = signer
        self.policy = policy
        self._session = session_factory
        self.ttl = ttl_seconds
        self._cached: tuple[dict[str, Any], float] | None = None
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        async with self._lock:
            now = time.monotonic()
            if self._cached and self._cached[1] > now:
                return self._cached[0]
            docs = await asyncio.gather(*(self._fetch(name, url) for name, url in self.upstreams.items()))
            available = {name: d for name, d in zip(self.upstreams, docs, strict=False) if d is not None}
            merged = merge(self._base(), available, self.policy)
            missing = sorted(set(self.upstreams) - set(available))
            if missing:
                merged["info"]["x-unavailable-services"] = missing
            # a partial document is only kept briefly, so it heals once the service is back
            self._cached = (merged, now + (self.ttl if not missing else 2.0))
            return merged

    async def _fetch(self, name: str, url: str) -> dict[str, Any] | None:
        session: aiohttp.ClientSession = self._session()
        try:
            async with session.get(
                f"{url}/api/{name}/v1/openapi.json",
                headers={INTERNAL_HEADER: self.signer.token_for(GATEWAY_PRINCIPAL)},
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response:
                if response.status != 200:
                    return None
                return await response.json()
        except (aiohttp.ClientError, TimeoutError):
            log.warning("service openapi unavailable", extra={"service": name})
            return None
