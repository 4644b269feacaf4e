"""Who is on the other end of the connection: the client address, behind trusted proxies too."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.types import Scope


class AddressResolver:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the last address of
    ``X-Forwarded-For`` that is not itself a trusted proxy (the leftmost entries are client-supplied).

    Only ``GATEWAY_TRUSTED_PROXIES`` count: a loopback peer is not trusted unless listed, and the
    server runs without uvicorn's own proxy-header rewriting (``proxy_headers=False``), so no
    caller can choose the address the login lockout, the rate limits and the audit log see."""

    def __init__(self, trusted: list[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(t, strict=False) for t in trusted)

    @lru_cache(maxsize=4096)  # noqa: B019 - one resolver per process; keyed by small strings
    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def _from_trusted_proxy(self, scope: Scope) -> bool:
        client = scope.get("client")
        return bool(client and self.networks and self._trusted(client[0]))

    def tls(self, scope: Scope) -> bool:
        """Whether the client reached us over TLS: directly, or per a trusted proxy's X-Forwarded-Proto
        (the header of any other caller is ignored)."""
        if scope.get("scheme") == "https":
            return True
        if not self._from_trusted_proxy(scope):
            return False
        for key, value in scope["headers"]:
            if key == b"x-forwarded-proto":
                return value.split(b",")[0].strip().lower() == b"https"
        return False

    def __call__(self, scope: Scope) -> str | None:
        client = scope.get("client")
        peer = client[0] if client else None
        if peer is None or not self.networks or not self._trusted(peer):
            return peer
        for key, value in scope["headers"]:
            if key == b"x-forwarded-for":
                hops = [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
                for hop in reversed(hops):
                    if not self._trusted(hop):
                        return hop[:64]
        return peer
