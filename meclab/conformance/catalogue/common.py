"""Data types shared by several APIs (MEC 009 and the types every MEC API repeats)."""

from __future__ import annotations

from meclab.conformance.schema import Schema, req

PROBLEM_CLAUSE = "MEC 009 §6.15 (ProblemDetails, RFC 7807 §3)"
"""The rule for error bodies: every 4xx/5xx answer is a ProblemDetails."""
CONTENT_CLAUSE = "MEC 009 §6.2 (JSON bodies are application/json)"
"""The rule for success bodies' media type."""
LOCATION_CLAUSE = "MEC 009 §6.12 (201 Created carries Location), RFC 9110 §10.2.2"
"""The rule for resources a POST creates."""
IF_MATCH_CLAUSE = "RFC 9110 §13.1.1 (If-Match); 412 as the operation's clause lists it"
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
