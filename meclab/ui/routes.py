"""The dashboard's page and assets: ``/``, ``/ui/<asset>`` and ``/ui/vendor/<asset>``.

The files ship inside the package (``meclab/ui/static``, listed in pyproject's package data),
so the page works offline and with a non-editable install; ``static/vendor`` holds the
front-end libraries copied from npm by ``ui-vendor/refresh.sh``. The page is read once, when the
router is built; it names its assets with a digest of their content (``?v=...``), so browsers
may keep the assets an hour while a changed meclab is never shown a stale script.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from meclab.http.problem import ProblemError

STATIC = Path(__file__).parent / "static"
"""Where the page and its assets are, inside the package."""

TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
"""Content types by suffix; a file of any other kind in ``static`` is not served."""

PAGE = "index.html"


def _assets() -> dict[str, str]:
    found = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in TYPES and path.name != PAGE:
            found[path.relative_to(STATIC).as_posix()] = TYPES[path.suffix]
    return found


ASSETS = _assets()
"""Every asset ``/ui/`` serves (its path under ``static``), with its content type; any other
name is a 404."""

VERSION_MARK = "__ASSETS_VERSION__"
"""Replaced in the page by the assets' digest."""

ASSET_CACHE = "public, max-age=3600"
PAGE_CACHE = "no-cache"
"""The page is revalidated each time: it names the current assets' digest."""


def build_ui_router() -> APIRouter:
    """Routes for the dashboard page at ``/`` and its assets under ``/ui/``."""
    assets = {name: (STATIC / name).read_bytes() for name in ASSETS}
    digest = hashlib.sha256(b"".join(assets[name] for name in sorted(assets))).hexdigest()[:12]
    page = (STATIC / PAGE).read_text(encoding="utf-8").replace(VERSION_MARK, digest).encode()
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def dashboard() -> Response:
        """The dashboard page."""
        return Response(
            page, media_type="text/html; charset=utf-8", headers={"Cache-Control": PAGE_CACHE}
        )

    # One path segment (or vendor/ and one): the UE identity API's /ui/v1/... never match.
    @router.get("/ui/{asset}")
    async def dashboard_asset(asset: str) -> Response:
        """One of the dashboard's assets."""
        return _asset(asset)

    @router.get("/ui/vendor/{asset}")
    async def dashboard_library(asset: str) -> Response:
        """One of the front-end libraries the dashboard uses, or their licences."""
        return _asset(f"vendor/{asset}")

    def _asset(asset: str) -> Response:
        body = assets.get(asset)
        if body is None:
            raise ProblemError(
                404, f"no dashboard asset named {asset!r}; there are {', '.join(sorted(ASSETS))}"
            )
        return Response(body, media_type=ASSETS[asset], headers={"Cache-Control": ASSET_CACHE})

    return router
