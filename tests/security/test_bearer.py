"""The Authorization header's bearer token and the WWW-Authenticate challenge (RFC 6750)."""

from __future__ import annotations

import pytest

from meclab.security.bearer import (
    BearerError,
    MalformedAuthorization,
    challenge,
    parse_authorization,
)


def test_the_token_of_a_bearer_header() -> None:
    assert parse_authorization("Bearer abc.DEF-_~+/x==") == "abc.DEF-_~+/x=="
    assert parse_authorization("bearer   abc ") == "abc"  # the scheme is case-insensitive


@pytest.mark.parametrize("header", [None, "Basic b3BlcmF0b3I6eA==", "Bearerabc", "Digest x"])
def test_no_bearer_token_is_none(header: str | None) -> None:
    assert parse_authorization(header) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer é"])
def test_a_bearer_header_without_one_token_is_malformed(header: str) -> None:
    with pytest.raises(MalformedAuthorization):
        parse_authorization(header)


def test_the_bare_challenge_names_only_the_realm() -> None:
    assert challenge() == 'Bearer realm="meclab"'


def test_a_challenge_with_error_description_and_scope() -> None:
    value = challenge(BearerError.INSUFFICIENT_SCOPE, "needs rnis:write", "rnis:write")
    assert value == (
        'Bearer realm="meclab", error="insufficient_scope", '
        'error_description="needs rnis:write", scope="rnis:write"'
    )


def test_a_description_cannot_break_the_header() -> None:
    # RFC 6750 §3: no '"', '\' or non-ASCII in error_description.
    value = challenge(BearerError.INVALID_TOKEN, 'kid "x\\y" é\r\n')
    assert (
        value == 'Bearer realm="meclab", error="invalid_token", error_description="kid ?x?y? ???"'
    )
