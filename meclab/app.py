"""The HTTP application: every API meclab serves, assembled on one ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from meclab import __version__
from meclab.control.routes import build_router
from meclab.http.problem import install_problem_handlers
from meclab.runtime import Runtime


def create_app(runtime: Runtime, *, tick: bool = True) -> FastAPI:
    """An ASGI app serving ``runtime``; with ``tick`` the world advances while the app runs.

    The runtime must already be open (a scenario loaded or resumed).
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if tick:
            runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="meclab",
        version=__version__,
        summary="MEC platform APIs over an emulated world of cells, MEC hosts and moving terminals",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(build_router(runtime))
    app.state.runtime = runtime
    return app
