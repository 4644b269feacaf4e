"""The tests' HTTP clients, built on one TLS context.

httpx builds an SSL context for every client it creates, and loads the CA bundle each time: about
21 ms of CPU. The end-to-end tests open thousands of short-lived clients (the access matrix alone
some nine thousand), so building it once took that module from 205 s to 33 s.
"""

from __future__ import annotations

from typing import Any

import httpx

TLS = httpx.create_ssl_context()


def client(base_url: str = "", *, timeout: float = 30, **kwargs: Any) -> httpx.AsyncClient:
    """An async client on the shared TLS context."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, verify=TLS, **kwargs)


def sync_client(base_url: str = "", *, timeout: float = 30, **kwargs: Any) -> httpx.Client:
    """A blocking client on the shared TLS context (scripts and synchronous tests)."""
    return httpx.Client(base_url=base_url, timeout=timeout, verify=TLS, **kwargs)
