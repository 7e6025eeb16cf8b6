"""One request to the platform under test and its answer, recorded as sent and received.

:class:`Target` is the platform: its URL, apiRoot, TLS choice and bearer token, and the
httpx client that talks to it. :meth:`Target.send` never raises for an HTTP status; a
connection that fails becomes an :class:`Exchange` with ``error`` set, so a step can report
it like any other answer.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

BODY_EXCERPT = 2000
"""Characters of a body a report shows."""

_SHOWN_HEADERS = ("content-type", "location", "etag", "www-authenticate")


@dataclass(frozen=True)
class Exchange:
    """A request and the answer to it (or the error that stopped it)."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: Any
    status: int = 0
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    text: str = ""
    error: str = ""
    duration_s: float = 0.0

    @property
    def body(self) -> Any:
        """The answer's JSON body, or ``None`` (empty or not JSON)."""
        if not self.text:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def show_request(self) -> str:
        """The request as a report prints it."""
        lines = [f"{self.method} {self.url}"]
        lines += [
            f"{k}: {v}" for k, v in self.request_headers.items() if k.lower() != "authorization"
        ]
        if self.request_body is not None:
            lines.append(json.dumps(self.request_body, indent=1)[:BODY_EXCERPT])
        return "\n".join(lines)

    def show_response(self) -> str:
        """The answer as a report prints it."""
        if self.error:
            return f"(no answer: {self.error})"
        lines = [f"HTTP {self.status}"]
        lines += [f"{k}: {self.headers[k]}" for k in _SHOWN_HEADERS if k in self.headers]
        if self.text:
            lines.append(self.text[:BODY_EXCERPT])
        return "\n".join(lines)


def tls_context(verify: bool | str) -> bool | ssl.SSLContext:
    """What httpx's ``verify`` takes for: verify (True), do not (False), or trust the CA
    certificate file ``verify``."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


class Target:
    """The platform under test: where it is and how to talk to it."""

    def __init__(
        self,
        url: str,
        *,
        api_root: str = "",
        token: str | None = None,
        verify: bool | str = True,
        timeout_s: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_root = "/" + api_root.strip("/") if api_root.strip("/") else ""
        self.token = token
        self.client = httpx.AsyncClient(
            verify=tls_context(verify), timeout=timeout_s, follow_redirects=False
        )

    async def close(self) -> None:
        """Close the connections."""
        await self.client.aclose()

    def api_url(self, base: str, path: str = "") -> str:
        """The absolute URL of ``path`` under an API's ``base`` (below apiRoot)."""
        return f"{self.url}{self.api_root}{base}{path}"

    async def send(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str | list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        """Send one request; the exchange records it and its answer or error."""
        sent: dict[str, str] = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            sent.setdefault("Content-Type", "application/json")
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        content = None if json_body is None else json.dumps(json_body).encode()
        request = self.client.build_request(
            method, url, params=params, headers=sent, content=content
        )
        shown = str(request.url)
        start = time.perf_counter()
        try:
            response = await self.client.send(request)
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return Exchange(
                method, shown, sent, json_body, error=reason, duration_s=time.perf_counter() - start
            )
        return Exchange(
            method,
            shown,
            sent,
            json_body,
            status=response.status_code,
            headers=response.headers,
            text=response.text,
            duration_s=time.perf_counter() - start,
        )
