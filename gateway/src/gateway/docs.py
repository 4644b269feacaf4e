"""Swagger UI at ``/docs`` and ReDoc at ``/redoc``, served with their assets from the gateway.

The assets come from the ``fastapi-offline`` package's files (Swagger UI's bundle and CSS, ReDoc's
standalone bundle), mounted at ``/docs/static``: a county intranet has no route to a CDN, and a
page that loads its scripts from one is blank there. ReDoc is told not to fetch Google Fonts.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
STATIC_URL = "/docs/static"
TITLE = "Jiceng API"

router = APIRouter(include_in_schema=False)

#: the pages may load nothing from elsewhere: ReDoc's bundle, for one, links a logo on its CDN
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)


def _page(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _page(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=TITLE,
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        )
    )


@router.get("/docs/oauth2-redirect")
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _page(
        get_redoc_html(
            openapi_url="/openapi.json",
            title=TITLE,
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
    )


def install(api: FastAPI) -> None:
    api.include_router(router)
    api.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")
