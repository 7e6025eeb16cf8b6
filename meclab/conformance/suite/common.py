"""Helpers the behaviour tests share: links in answers, and judges of common behaviours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from meclab.conformance.exchange import Exchange
from meclab.conformance.results import Violation
from meclab.conformance.session import Stop


def created_at(exchange: Exchange, inner: Any = None) -> str:
    """The URL of the resource a POST created: its ``Location``, else its ``_links.self``
    (the Location check reports the difference), resolved against the request."""
    where = exchange.headers.get("location") or self_href(
        inner if inner is not None else exchange.body
    )
    if not where:
        raise Stop(f"{exchange.method} {exchange.url}: no Location and no _links.self to follow")
    return urljoin(exchange.url, where)


def self_href(body: Any) -> str | None:
    """``_links.self.href`` of a body, if it has one."""
    if not isinstance(body, dict):
        return None
    href = body.get("_links", {}).get("self", {}).get("href")
    return href if isinstance(href, str) else None


def need_ok(exchange: Exchange) -> Exchange:
    """``exchange`` if it succeeded (2xx); else :class:`Stop` (the step is recorded)."""
    if not 200 <= exchange.status < 300:
        raise Stop(f"{exchange.method} {exchange.url} answered {exchange.status or exchange.error}")
    return exchange


def same_url(a: str, b: str, base: str) -> bool:
    """Whether two (possibly relative) URLs name the same resource."""
    return urljoin(base, a).rstrip("/") == urljoin(base, b).rstrip("/")


def member_equals(
    name: str, value: Any, clause: str, inner: Callable[[Any], Any] = lambda b: b
) -> Callable[[Exchange], list[Violation]]:
    """A judge: the body's ``name`` is ``value`` (what was sent or asked for)."""

    def judge(exchange: Exchange) -> list[Violation]:
        body = inner(exchange.body)
        got = body.get(name) if isinstance(body, dict) else None
        if got == value:
            return []
        return [Violation(f"$.{name}", clause, repr(value), repr(got))]

    return judge


def every_item(
    test: Callable[[Any], bool],
    expected: str,
    clause: str,
    inner: Callable[[Any], Any] = lambda b: b,
    at_least_one: bool = True,
) -> Callable[[Exchange], list[Violation]]:
    """A judge: every item of the listed body passes ``test`` (a filter honoured), and, with
    ``at_least_one``, the list is not empty (what the filter names exists)."""

    def judge(exchange: Exchange) -> list[Violation]:
        items = inner(exchange.body)
        if not isinstance(items, list):
            return []  # the schema check reports it
        wrong = [item for item in items if not test(item)]
        if wrong:
            return [
                Violation(
                    "query filter", clause, expected, f"{len(wrong)} of {len(items)} items do not"
                )
            ]
        if at_least_one and not items:
            return [Violation("query filter", clause, expected, "an empty list")]
        return []

    return judge


def lists_href(
    href: str, clause: str, links: Callable[[Any], Any]
) -> Callable[[Exchange], list[Violation]]:
    """A judge: a subscription list names ``href`` among its links."""

    def judge(exchange: Exchange) -> list[Violation]:
        entries = links(exchange.body)
        hrefs = (
            [e.get("href") for e in entries if isinstance(e, dict)]
            if isinstance(entries, list)
            else []
        )
        if any(isinstance(h, str) and same_url(h, href, exchange.url) for h in hrefs):
            return []
        return [Violation("subscription listed", clause, href, f"{len(hrefs)} other links")]

    return judge
