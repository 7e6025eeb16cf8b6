"""Entity tags and conditional requests (RFC 9110 8.8.3 and 13.1.1), for every API.

A resource's ETag is a strong tag derived from its representation, so it changes exactly when
the resource does and needs no bookkeeping. ``If-Match`` on PUT, PATCH and DELETE guards
against lost updates: a mismatch answers 412 and changes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from meclab.http.problem import ProblemError


def etag_of(representation: Any) -> str:
    """A strong ETag (quoted) for a JSON-able representation."""
    digest = hashlib.sha256(orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f'"{digest[:32]}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """412 problem unless ``If-Match`` is absent, ``*``, or lists the current ETag."""
    if if_match is None:
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        return
    # Strong comparison: a weak tag never matches (RFC 9110 13.1.1).
    if current not in tags:
        raise ProblemError(
            412,
            f"If-Match {if_match} does not match the current ETag {current}; "
            "GET the resource again and retry",
        )
