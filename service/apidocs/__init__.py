"""The API docs UI (/docs: Swagger UI, /redoc: ReDoc), served from this origin only.

FastAPI's own pages load their scripts from a CDN and start them with inline scripts, so
they needed an exemption from the CSP. These load Swagger UI's and ReDoc's files from the
``fastapi-offline`` package (installed with the service; nothing is fetched at run time) and
start them from files of our own, under a CSP that allows scripts from this origin only.
Styles may be inline: both UIs set them from their scripts.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
VENDOR = Path(str(files("fastapi_offline") / "static"))
OWN = Path(__file__).resolve().parent / "static"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{assets}/ui/favicon.png">{css}</head>
<body data-openapi-url="{openapi_url}"><div id="{root}"></div>
<script src="{assets}/ui/{bundle}"></script>
<script src="{assets}/own/{init}"></script></body></html>
"""


def install_docs_ui(app: FastAPI, openapi_url: str) -> None:
    """/docs and /redoc, and the files they load under /docs-assets."""
    app.mount(f"{ASSETS}/ui", StaticFiles(directory=VENDOR), name="docs-ui")
    app.mount(f"{ASSETS}/own", StaticFiles(directory=OWN), name="docs-own")
    css = f'\n<link rel="stylesheet" href="{ASSETS}/ui/swagger-ui.css">'
    swagger = _page(openapi_url, "swagger-ui", "swagger-ui-bundle.js", "swagger-init.js", css)
    redoc = _page(openapi_url, "redoc", "redoc.standalone.js", "redoc-init.js")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"Content-Security-Policy": DOCS_CSP})

    @app.get("/redoc", include_in_schema=False)
    def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc, headers={"Content-Security-Policy": DOCS_CSP})


def _page(openapi_url: str, root: str, bundle: str, init: str, css: str = "") -> str:
    return _PAGE.format(
        title="Lotproof API",
        assets=ASSETS,
        css=css,
        openapi_url=openapi_url,
        root=root,
        bundle=bundle,
        init=init,
    )
