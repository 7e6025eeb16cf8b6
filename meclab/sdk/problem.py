"""RFC 7807 answers from an application's own aiohttp server (an EdgeApp's routes, the
notification receiver): the same problem-details form meclab's platform answers with."""

from __future__ import annotations

from aiohttp import web

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, detail: str, *, title: str | None = None) -> web.Response:
    """A ``status`` answer whose body is problem details with ``detail`` (and ``title``)."""
    body: dict[str, object] = {"status": status}
    if title is not None:
        body["title"] = title
    body["detail"] = detail
    return web.json_response(body, status=status, content_type=PROBLEM_JSON)
