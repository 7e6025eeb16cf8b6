"""Scope names: one per meclab API and kind of access, ``{api}:{read|write}``.

A token's ``scope`` claim lists them (RFC 6749 §3.3, space-separated). ``write`` does not
include ``read``: a client that creates subscriptions and lists them asks for both, so a
token says exactly what its holder may do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from meclab.security.errors import UnknownScope

API_NAMES: tuple[str, ...] = (
    "mec011_app_support",
    "mec011_service_mgmt",
    "rnis",
    "location",
    "wai",
    "ueid",
    "app_pkgm",
    "app_lcm",
    "granting",
    "dev_app",
    "ams",
    "bwm",
    "mts",
    "control",
)
"""The APIs that scopes protect; MEC 011's names are those of its subscription registry
(:mod:`meclab.services.mec011.routing`). ``control`` is meclab's own control API (and its
metrics): the operator's."""

_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
"""RFC 6749 §3.3 ``scope-token``: printable ASCII but space, ``"`` and ``\\``."""


class Access(StrEnum):
    """What a scope allows on an API."""

    READ = "read"
    WRITE = "write"


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""The methods that change nothing (RFC 9110 §9.2.1, safe methods; TRACE is not served)."""

_ALL = frozenset(f"{api}:{access}" for api in API_NAMES for access in Access)


def scope(api: str, access: Access | str) -> str:
    """The scope name for ``access`` to ``api``; UnknownScope for an API or access not listed."""
    name = f"{api}:{access}"
    if name not in _ALL:
        raise UnknownScope([name])
    return name


def for_method(method: str) -> Access:
    """The access an HTTP ``method`` needs: read for the safe methods, write for the others."""
    return Access.READ if method.upper() in _READ_METHODS else Access.WRITE


def all_scopes() -> frozenset[str]:
    """Every scope name meclab defines."""
    return _ALL


def known(scopes: Iterable[str]) -> frozenset[str]:
    """``scopes`` as a set, or UnknownScope naming those meclab does not define."""
    wanted = frozenset(scopes)
    unknown = wanted - _ALL
    if unknown:
        raise UnknownScope(unknown)
    return wanted


def parse_scope(value: str) -> frozenset[str]:
    """The scope names in a ``scope`` parameter (RFC 6749 §3.3: tokens between single spaces).

    ValueError for a value that is not that list (empty, doubled spaces, forbidden characters).
    """
    tokens = value.split(" ")
    if not all(_SCOPE_TOKEN.fullmatch(token) for token in tokens):
        raise ValueError(f"{value!r} is not a list of scopes separated by single spaces")
    return frozenset(tokens)


def format_scope(scopes: Iterable[str]) -> str:
    """``scopes`` as a ``scope`` value, sorted so that equal sets read the same."""
    return " ".join(sorted(scopes))
