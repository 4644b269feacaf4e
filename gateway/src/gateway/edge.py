"""What every request and response crosses at the gateway's edge, before any routing.

* **One path.** The request path is decoded and checked once, here: encoded dot segments and
  slashes (``%2e%2e``, ``%2f``, ``%5c``), double encoding (``%25``), encoded unreserved
  characters, dot segments, empty segments, backslashes, control characters and bad UTF-8 are
  refused with a 400 problem (``ambiguous_path``). What passes is written back as the one
  canonical form (``scope["path"]`` decoded, ``scope["raw_path"]`` re-encoded from it), so the
  access decision and the proxy see, and forward, exactly the same path.
* **Response headers.** Every answer carries ``X-Content-Type-Options: nosniff``,
  ``Content-Security-Policy: frame-ancestors 'none'``, ``X-Frame-Options: DENY`` and
  ``Referrer-Policy: no-referrer``; HSTS when the request came over TLS (directly, or per a
  trusted proxy's ``X-Forwarded-Proto``); ``Cache-Control: no-store`` on ``/api`` and ``/auth``
  (personal data and tokens are never cached).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.access import answer_problem
from gateway.clientinfo import AddressResolver
from jiceng_shared.errors import Problem

#: characters written as they are in a canonical path (RFC 3986 pchar minus "%", plus "/")
_SAFE = "/:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(rb"%(..)?", re.DOTALL)
_HEX = re.compile(rb"[0-9A-Fa-f]{2}")
#: bytes that must never arrive percent-encoded: unreserved ones (their encoding is only ever an
#: evasion), the separators "/" and "\\", "%" itself (double encoding) and control characters
_NEVER_ENCODED = (
    frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/\\%")
    | frozenset(range(0x20))
    | {0x7F}
)

#: characters refused in a decoded path: controls and the backslash
_REFUSED = re.compile(r"[\x00-\x1f\x7f\\]")

HSTS = b"max-age=31536000; includeSubDomains"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
NO_STORE: tuple[tuple[bytes, bytes], ...] = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))


def ambiguous(detail: str) -> Problem:
    return Problem(400, "ambiguous_path", "Ambiguous path", detail)


def canonical_path(raw: bytes) -> str:
    """The decoded path of ``raw`` (the request target's path, as sent), or a 400 problem."""
    if not raw.startswith(b"/"):
        raise ambiguous("the path must start with /")
    decoded = bytearray()
    position = 0
    for escape in _ESCAPE.finditer(raw):
        decoded += raw[position : escape.start()]
        digits = escape.group(1)
        if digits is None or not _HEX.fullmatch(digits):
            raise ambiguous("a % not followed by two hex digits")
        byte = int(digits, 16)
        if byte in _NEVER_ENCODED:
            raise ambiguous(f"%{digits.decode().upper()} must not be percent-encoded in a path")
        decoded.append(byte)
        position = escape.end()
    decoded += raw[position:]
    try:
        path = decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise ambiguous("the path is not UTF-8") from None
    if _REFUSED.search(path):
        raise ambiguous("control characters and backslashes are not allowed in a path")
    segments = path.split("/")[1:]
    for i, segment in enumerate(segments):
        if segment in (".", ".."):
            raise ambiguous("dot segments are not allowed in a path")
        if segment == "" and i != len(segments) - 1:
            raise ambiguous("empty segments (//) are not allowed in a path")
    return path


#: how many recent paths keep their canonical form (a repeated path is not decoded again)
PATH_CACHE_SIZE = 4096


class Edge:
    """The outermost layer of the gateway: one canonical path in, security headers out."""

    def __init__(self, app: ASGIApp, address: AddressResolver) -> None:
        self.app = app
        self.address = address
        #: raw path → (canonical path, its re-encoded form); only paths that passed are kept
        self._paths: dict[bytes, tuple[str, bytes]] = {}

    def _canonical(self, raw: bytes) -> tuple[str, bytes]:
        known = self._paths.get(raw)
        if known is None:
            path = canonical_path(raw)
            known = (path, quote(path, safe=_SAFE).encode("ascii"))
            if len(self._paths) >= PATH_CACHE_SIZE:
                self._paths.clear()
            self._paths[raw] = known
        return known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode("utf-8")
        raw = raw.split(b"?", 1)[0]
        extra = list(SECURITY_HEADERS)
        if self.address.tls(scope):
            extra.append((b"strict-transport-security", HSTS))
        try:
            path, scope["raw_path"] = self._canonical(raw)
        except Problem as problem:
            await answer_problem(scope, receive, self._headed(send, extra), problem)
            return
        scope["path"] = path
        if path.startswith(("/api/", "/auth/")) or path in ("/api", "/auth"):
            extra.extend(NO_STORE)
        await self.app(scope, receive, self._headed(send, extra))

    @staticmethod
    def _headed(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
        names = {name for name, _ in extra}
        # a page that states its own policy keeps it (the docs pages: theirs adds what they may
        # load to the frame-ancestors rule); every other response gets the edge's
        own_policy = b"content-security-policy"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k if isinstance(k, bytes) else k.encode("latin-1"), v if isinstance(v, bytes) else v.encode())
                    for k, v in message.get("headers", [])
                ]
                kept = [(k, v) for k, v in headers if k.lower() not in names or k.lower() == own_policy]
                added = extra
                if any(k.lower() == own_policy for k, _ in kept):
                    added = [(k, v) for k, v in extra if k != own_policy]
                message = {**message, "headers": kept + added}
            await send(message)

        return send_with_headers
