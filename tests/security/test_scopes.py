"""Scope names: one per API and access, the access an HTTP method needs, RFC 6749 §3.3 lists."""

from __future__ import annotations

import pytest

from meclab.security.errors import UnknownScope
from meclab.security.scopes import (
    API_NAMES,
    Access,
    all_scopes,
    for_method,
    format_scope,
    known,
    parse_scope,
    scope,
)


def test_every_api_has_a_read_and_a_write_scope() -> None:
    assert len(all_scopes()) == 2 * len(API_NAMES) == 28
    assert scope("rnis", Access.READ) == "rnis:read"
    assert scope("mec011_service_mgmt", "write") == "mec011_service_mgmt:write"
    assert {"bwm:read", "mts:write", "app_lcm:read"} <= all_scopes()


@pytest.mark.parametrize(("api", "access"), [("rni", "read"), ("rnis", "admin"), ("", "read")])
def test_an_unknown_api_or_access_is_named(api: str, access: str) -> None:
    with pytest.raises(UnknownScope, match=f"{api}:{access}"):
        scope(api, access)


@pytest.mark.parametrize(
    ("method", "access"),
    [
        ("GET", Access.READ),
        ("head", Access.READ),
        ("OPTIONS", Access.READ),
        ("POST", Access.WRITE),
        ("PUT", Access.WRITE),
        ("PATCH", Access.WRITE),
        ("DELETE", Access.WRITE),
    ],
)
def test_the_safe_methods_read_the_others_write(method: str, access: Access) -> None:
    assert for_method(method) is access


def test_known_names_every_unknown_scope() -> None:
    assert known(["rnis:read", "rnis:read", "wai:write"]) == {"rnis:read", "wai:write"}
    with pytest.raises(UnknownScope) as raised:
        known(["rnis:read", "rnis:admin", "radio:read"])
    assert raised.value.scopes == ["radio:read", "rnis:admin"]


def test_a_scope_parameter_is_tokens_between_single_spaces() -> None:
    assert parse_scope("rnis:read wai:write") == {"rnis:read", "wai:write"}
    assert format_scope({"wai:write", "rnis:read"}) == "rnis:read wai:write"
    for malformed in ("", " rnis:read", "rnis:read  wai:read", "rnis:read\twai:read", 'a"b'):
        with pytest.raises(ValueError, match="single spaces"):
            parse_scope(malformed)
