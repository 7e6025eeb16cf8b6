"""Request bodies must be JSON: anything else answers 415 (MEC 009, RFC 9110 15.5.16)."""

from __future__ import annotations

from fastapi import Request

from meclab.http.problem import ProblemError


def is_json(content_type: str | None) -> bool:
    """``application/json`` or any ``application/*+json``, parameters ignored."""
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def require_json_body(request: Request) -> None:
    """Dependency for routes with a body: 415 unless the request says it sends JSON."""
    if request.method in ("POST", "PUT", "PATCH") and not is_json(
        request.headers.get("content-type")
    ):
        sent = request.headers.get("content-type") or "no Content-Type"
        raise ProblemError(415, f"send the body as application/json, not {sent}")
