"""The generic rules every answer of a MEC API must follow, as functions of an exchange.

Each check returns the :class:`~meclab.conformance.results.Violation` records it finds (none:
the rule holds). :func:`answer` applies the ones that fit an operation and the status it
expects: status code, media type (``application/json`` on success bodies,
``application/problem+json`` on errors, spelled exactly so), ProblemDetails members,
``Location`` on 201 pointing at the created resource, and the body's schema.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from meclab.conformance.catalogue.common import (
    CONTENT_CLAUSE,
    LOCATION_CLAUSE,
    PROBLEM_CLAUSE,
)
from meclab.conformance.catalogue.model import Api, Operation
from meclab.conformance.exchange import Exchange
from meclab.conformance.results import Violation
from meclab.conformance.schema import validate

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


def media_type(exchange: Exchange) -> str:
    """The answer's media type without parameters, as sent (case kept)."""
    return exchange.headers.get("content-type", "").split(";")[0].strip()


def status(exchange: Exchange, expected: int, clause: str) -> list[Violation]:
    """The status code is the one the operation's clause gives."""
    if exchange.status == expected:
        return []
    return [Violation("status code", clause, str(expected), str(exchange.status))]


def content_type(exchange: Exchange, clause: str) -> list[Violation]:
    """A body comes with the media type its kind asks: JSON on success, problem+json on
    errors, byte for byte (a client matching ``application/json`` finds nothing else)."""
    if not exchange.text:
        return []
    wanted = PROBLEM_JSON if exchange.status >= 400 else JSON
    rule_clause = PROBLEM_CLAUSE if exchange.status >= 400 else CONTENT_CLAUSE
    got = media_type(exchange)
    if got == wanted:
        return []
    return [Violation("Content-Type", rule_clause, wanted, got or "(none)")]


def problem_details(exchange: Exchange) -> list[Violation]:
    """An error answer is a ProblemDetails naming its status and what went wrong."""
    body = exchange.body
    if not isinstance(body, dict):
        return [
            Violation(
                "ProblemDetails body",
                PROBLEM_CLAUSE,
                "a ProblemDetails object",
                exchange.text[:120] or "(empty)",
            )
        ]
    found: list[Violation] = []
    if body.get("status") != exchange.status:
        found.append(
            Violation(
                "ProblemDetails.status",
                PROBLEM_CLAUSE,
                str(exchange.status),
                repr(body.get("status", "(absent)")),
            )
        )
    if not isinstance(body.get("title"), str) and not isinstance(body.get("detail"), str):
        found.append(
            Violation(
                "ProblemDetails.title/detail", PROBLEM_CLAUSE, "a title or a detail", "neither"
            )
        )
    return found


def location(exchange: Exchange, wrapper: str | None = None) -> list[Violation]:
    """A 201 names the created resource in ``Location``, and the body's own link (inside its
    root element, where the API wraps bodies) agrees."""
    where = exchange.headers.get("location")
    if not where:
        return [
            Violation("Location header", LOCATION_CLAUSE, "the created resource's URI", "(absent)")
        ]
    body, _ = unwrap(exchange.body, wrapper)
    own = body.get("_links", {}).get("self", {}).get("href") if isinstance(body, dict) else None
    if isinstance(own, str) and urljoin(exchange.url, where) != urljoin(exchange.url, own):
        return [Violation("Location header", LOCATION_CLAUSE, f"_links.self.href {own}", where)]
    return []


def unwrap(body: Any, wrapper: str | None) -> tuple[Any, list[Violation]]:
    """The body inside its root element, where the API wraps bodies (MEC 013)."""
    if wrapper is None:
        return body, []
    if isinstance(body, dict) and wrapper in body:
        return body[wrapper], []
    keys = sorted(body) if isinstance(body, dict) else type(body).__name__
    return None, [
        Violation("root element", "MEC 013 §6 (bodies in their root element)", wrapper, str(keys))
    ]


def body_schema(exchange: Exchange, api: Api, op: Operation) -> list[Violation]:
    """The success body follows the operation's schema: mandatory members, types, enums."""
    if op.body is None:
        return []
    body, found = unwrap(exchange.body, op.wrapper)
    if found:
        return found
    if exchange.body is None:
        return [Violation("body", op.clause, f"a {op.body} body", exchange.text[:80] or "(empty)")]
    return [
        Violation(f"{p.path}", p.clause, p.expected, p.actual)
        for p in validate(body, op.body, api.schemas)
    ]


def answer(
    exchange: Exchange, api: Api, op: Operation, expected: int | None = None
) -> list[Violation]:
    """Every generic rule the answer to ``op`` breaks, expecting ``expected`` (the
    operation's success code by default)."""
    if exchange.error:
        return [Violation("answer", op.clause, f"HTTP {expected or op.success}", exchange.error)]
    want = op.success if expected is None else expected
    found = status(exchange, want, op.clause)
    found += content_type(exchange, op.clause)
    if exchange.status >= 400 and want >= 400:
        found += problem_details(exchange)
    if exchange.status == want == 201:
        found += location(exchange, op.wrapper)
    if exchange.status == want == op.success and want < 300:
        found += body_schema(exchange, api, op)
    return found
