"""Problem details (meclab/http/problem.py): ``instance`` is the absolute URI addressed."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from helpers import problem

from meclab.http.problem import ProblemError, install_problem_handlers


def tiny_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things/{thing}")
    async def thing(thing: str, count: int = 0) -> None:
        raise ProblemError(409, f"{thing} is busy")

    return app


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/things/t1?count=2", 409),  # a StatusError
        ("/things/t1?count=many", 400),  # FastAPI's validation
        ("/nothing/here", 404),  # Starlette's HTTPException
    ],
)
async def test_instance_is_the_absolute_uri_addressed(path: str, status: int) -> None:
    transport = httpx.ASGITransport(app=tiny_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.example:8080") as c:
        body = problem(await c.get(path), status)
    assert body["instance"] == "http://edge.example:8080" + path.split("?")[0]


async def test_instance_keeps_the_api_root_the_client_used() -> None:
    # Behind a prefix (ASGI root_path), the client's URL includes it.
    transport = httpx.ASGITransport(app=tiny_app(), root_path="/api")
    async with httpx.AsyncClient(transport=transport, base_url="https://mec.example") as c:
        body = problem(await c.get("/api/things/t2"), 409)
    assert body["instance"] == "https://mec.example/api/things/t2"
