"""Before the suite: is there a MEC platform at the URL at all, and which chosen APIs does it
serve?

One GET per API (its catalogue probe). A URL nobody answers, a server that answers HTML (a web
page, a login portal) or one where no MEC API answers is a :class:`CannotTest` with one clear
message, so that a run against the wrong URL ends with exit 2, not a thousand failures.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from meclab.conformance.catalogue.mec011 import SERVICE_MGMT
from meclab.conformance.catalogue.model import Api
from meclab.conformance.checks import media_type
from meclab.conformance.exchange import Exchange, Target


class CannotTest(Exception):
    """The platform cannot be tested at all (the run's exit code is 2)."""


@dataclass(frozen=True)
class Probe:
    """What an API's probe found."""

    api: Api
    exchange: Exchange

    @property
    def served(self) -> bool:
        """The API answers as a MEC API: JSON (or a problem) that is not a 404."""
        kind = media_type(self.exchange).lower()
        if self.exchange.status == 404:
            return self.api.probe_missing_ok and kind == "application/problem+json"
        return "json" in kind and self.exchange.status < 500

    @property
    def why_not(self) -> str:
        """Why the API counts as not served."""
        kind = media_type(self.exchange) or "no Content-Type"
        return f"not served here: GET {self.exchange.url} answered {self.exchange.status} ({kind})"


async def probe(target: Target, apis: list[Api]) -> list[Probe]:
    """Probe every API; raise :class:`CannotTest` if nothing there is a MEC platform.

    An API whose probe cannot tell (a 404 ProblemDetails, :attr:`Api.probe_missing_ok`) counts
    only beside one whose probe can: MEC 011 service management is asked as the witness when
    no chosen API can tell."""
    asked = list(apis)
    if all(a.probe_missing_ok for a in apis):
        asked.append(SERVICE_MGMT)
    exchanges = await asyncio.gather(
        *(target.send("GET", target.api_url(a.base, a.probe)) for a in asked)
    )
    probes = [Probe(api, ex) for api, ex in zip(asked, exchanges, strict=True)]
    errors = [p for p in probes if p.exchange.error]
    if len(errors) == len(probes):
        raise CannotTest(f"cannot reach {target.url}: {errors[0].exchange.error}")
    refused = [p for p in probes if p.exchange.status == 401]
    if refused and not target.token:
        raise CannotTest(
            f"{target.url} asks for authentication (GET {refused[0].exchange.url} answered 401): "
            "give a bearer token with --token, or --client-id and --client-secret"
        )
    if not any(p.served and not p.api.probe_missing_ok for p in probes):
        html = [p for p in probes if "html" in media_type(p.exchange).lower()]
        tried = ", ".join(
            f"{p.api.base}{p.api.probe} → {p.exchange.status or p.exchange.error}" for p in probes
        )
        if html:
            raise CannotTest(
                f"{target.url} answers HTML, not a MEC API (GET {html[0].exchange.url} → "
                f"{html[0].exchange.status} {media_type(html[0].exchange)}); is the URL or "
                "--api-root right?"
            )
        raise CannotTest(f"no MEC API answers at {target.url}{target.api_root} (tried {tried})")
    return probes[: len(apis)]
