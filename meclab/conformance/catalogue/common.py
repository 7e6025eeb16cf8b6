"""Data types shared by several APIs (MEC 009 and the types every MEC API repeats)."""

from __future__ import annotations

from meclab.conformance.schema import Schema, req

PROBLEM_CLAUSE = "MEC 009 error reporting: ProblemDetails as application/problem+json (RFC 7807 §3)"
"""The rule for error bodies: every 4xx/5xx answer is a ProblemDetails."""
CONTENT_CLAUSE = "MEC 009 serialization: JSON bodies as application/json (RFC 8259 §11)"
"""The rule for success bodies' media type."""
LOCATION_CLAUSE = "RFC 9110 §15.3.2, §10.2.2: 201 Created names the new resource in Location"
"""The rule for resources a POST creates."""
IF_MATCH_CLAUSE = "RFC 9110 §13.1.1, §15.5.13: a stale If-Match fails with 412"
"""The rule for conditional updates."""


def time_stamp(clause: str) -> Schema:
    """``TimeStamp`` as the API of ``clause`` defines it."""
    return Schema("TimeStamp", clause, req("seconds", "integer"), req("nanoSeconds", "integer"))


def link_type(clause: str) -> Schema:
    """``LinkType``: an object with an ``href``."""
    return Schema("LinkType", clause, req("href"))


def self_links(name: str, clause: str) -> Schema:
    """A ``_links`` object with a mandatory ``self`` link."""
    return Schema(name, clause, req("self", "object", schema="LinkType"))
