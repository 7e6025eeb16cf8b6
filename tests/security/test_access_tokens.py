"""Access tokens: RFC 9068 JWTs issued for a client's scopes, and every bad token refused.

Forged tokens are signed here with joserfc directly, with meclab's own key where only the
claims should be wrong, so that each case fails for the one reason it is about.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import FakeTime
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from joserfc.jws import JWSRegistry

from meclab.errors import StatusError
from meclab.security.credentials import Credentials
from meclab.security.errors import (
    InsufficientScope,
    InvalidToken,
    MissingToken,
    OAuthError,
    OAuthErrorCode,
    TokenFault,
)
from meclab.security.keys import SigningKeys
from meclab.security.tokens import DEFAULT_LIFETIME_S, LEEWAY_S, TokenService

HOST_A = "http://127.0.0.1:8080/hosts/mec-a"
HOST_B = "http://127.0.0.1:8080/hosts/mec-b"
APP = "app-instance-1"
SCOPES = ["rnis:read", "mec011_service_mgmt:read", "mec011_service_mgmt:write"]


@pytest.fixture
def secret(credentials: Credentials) -> str:
    return credentials.issue(APP, SCOPES)


def issue(service: TokenService, secret: str, scopes: list[str] | None = None) -> str:
    token, _, _ = service.issue(APP, secret, scopes, HOST_A, HOST_A)
    return token


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def signed(header: dict[str, Any], claims: dict[str, Any], key: Any) -> str:
    return jwt.encode(header, claims, key, algorithms=[header["alg"]], default_type=None)


def signed_raw(header: dict[str, Any], claims: dict[str, Any], key: ECKey) -> str:
    """ES256-signed as given, even with header values joserfc would not write."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = JWSRegistry().get_alg("ES256").sign(signing_input.encode(), key)
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def refused(service: TokenService, token: str, fault: TokenFault, **where: str) -> InvalidToken:
    with pytest.raises(InvalidToken) as raised:
        service.verify(token, where.get("audience", HOST_A), where.get("issuer", HOST_A))
    assert raised.value.fault is fault, raised.value.description
    return raised.value


def test_an_issued_token_follows_rfc_9068(
    service: TokenService, keys: SigningKeys, secret: str, clock: FakeTime
) -> None:
    token, expires_in, scope = service.issue(APP, secret, None, HOST_A, HOST_A)
    assert expires_in == DEFAULT_LIFETIME_S
    assert scope == "mec011_service_mgmt:read mec011_service_mgmt:write rnis:read"
    header, claims = parts(token)
    assert header == {"typ": "at+jwt", "alg": "ES256", "kid": keys.current.kid}
    now = int(clock.now)
    assert claims == {
        "iss": HOST_A,
        "sub": APP,
        "aud": HOST_A,
        "client_id": APP,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + DEFAULT_LIFETIME_S,
        "jti": claims["jti"],
    }
    assert len(claims["jti"]) >= 16
    verified = service.verify(token, HOST_A, HOST_A)
    assert verified.client_id == verified.subject == APP
    assert verified.scopes == set(SCOPES)
    assert verified.expires_at == now + DEFAULT_LIFETIME_S
    assert verified.audience == (HOST_A,)


def test_each_token_is_unique(service: TokenService, secret: str) -> None:
    assert parts(issue(service, secret))[1]["jti"] != parts(issue(service, secret))[1]["jti"]


def test_a_token_carries_only_the_scopes_asked_for(service: TokenService, secret: str) -> None:
    token, _, scope = service.issue(APP, secret, {"rnis:read"}, HOST_A, HOST_A)
    assert scope == "rnis:read"
    claims = service.verify(token, HOST_A, HOST_A)
    claims.require("rnis:read")
    with pytest.raises(InsufficientScope) as raised:
        claims.require("mec011_service_mgmt:write")
    assert raised.value.status == 403
    assert raised.value.headers["WWW-Authenticate"] == (
        'Bearer realm="meclab", error="insufficient_scope", '
        'error_description="this operation needs the scope mec011_service_mgmt:write", '
        'scope="mec011_service_mgmt:write"'
    )


def test_a_token_for_several_hosts_is_good_on_each(service: TokenService, secret: str) -> None:
    token, _, _ = service.issue(APP, secret, None, [HOST_A, HOST_B], HOST_A)
    assert service.verify(token, HOST_B, HOST_A).audience == (HOST_A, HOST_B)
    assert service.verify(token, HOST_A, [HOST_B, HOST_A]).issuer == HOST_A


@pytest.mark.parametrize(
    ("client", "use_secret", "scopes", "error"),
    [
        ("nobody", True, None, OAuthErrorCode.INVALID_CLIENT),
        (APP, False, None, OAuthErrorCode.INVALID_CLIENT),
        (APP, True, ["rnis:read", "wai:read"], OAuthErrorCode.INVALID_SCOPE),
        (APP, True, ["rnis:admin"], OAuthErrorCode.INVALID_SCOPE),
        (APP, True, [], OAuthErrorCode.INVALID_SCOPE),
    ],
)
def test_no_token_for_a_bad_client_or_scope(
    service: TokenService,
    secret: str,
    client: str,
    use_secret: bool,
    scopes: list[str] | None,
    error: OAuthErrorCode,
) -> None:
    with pytest.raises(OAuthError) as raised:
        service.issue(client, secret if use_secret else "wrong", scopes, HOST_A, HOST_A)
    assert raised.value.error is error


def test_a_replayed_secret_after_rotation_gets_no_token(
    service: TokenService, credentials: Credentials, secret: str
) -> None:
    credentials.rotate(APP)
    with pytest.raises(OAuthError) as raised:
        issue(service, secret)
    assert raised.value.error is OAuthErrorCode.INVALID_CLIENT


def test_a_refusal_is_a_401_with_a_bearer_challenge(service: TokenService) -> None:
    error = refused(service, "garbage", TokenFault.MALFORMED)
    assert isinstance(error, StatusError) and error.status == 401
    assert error.headers["WWW-Authenticate"] == (
        'Bearer realm="meclab", error="invalid_token", '
        'error_description="the token is not a signed JWT (JWS compact form)"'
    )


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c", "a.b.c.d", "é.é.é", "x" * 5000, b64({"alg": "ES256"}) + ".x.y"],
)
def test_a_malformed_token_is_refused(service: TokenService, token: str) -> None:
    refused(service, token, TokenFault.MALFORMED)


def test_a_token_signed_by_another_key_is_refused(
    service: TokenService, secret: str, tmp_path: Path, clock: FakeTime
) -> None:
    # Another meclab (another data dir) issues a token with the same claims.
    elsewhere = Credentials(tmp_path / "elsewhere")
    other = TokenService(SigningKeys(tmp_path / "elsewhere", clock=clock), elsewhere, clock=clock)
    token, _, _ = other.issue(APP, elsewhere.issue(APP, SCOPES), None, HOST_A, HOST_A)
    refused(service, token, TokenFault.UNKNOWN_KEY)


def test_a_token_under_our_kid_signed_by_another_key_is_refused(
    service: TokenService, keys: SigningKeys, secret: str
) -> None:
    header, claims = parts(issue(service, secret))
    impostor = ECKey.generate_key("P-256", private=True)
    refused(service, signed(header, claims, impostor), TokenFault.SIGNATURE)


def test_a_token_whose_claims_were_changed_is_refused(service: TokenService, secret: str) -> None:
    token = issue(service, secret)
    header, _, signature = token.split(".")
    _, claims = parts(token)
    claims["scope"] += " wai:write"
    refused(service, f"{header}.{b64(claims)}.{signature}", TokenFault.SIGNATURE)


def test_alg_none_is_refused(service: TokenService, keys: SigningKeys, secret: str) -> None:
    header, claims = parts(issue(service, secret))
    for alg in ("none", "None", "NONE"):
        unsigned = f"{b64({**header, 'alg': alg})}.{b64(claims)}."
        error = refused(service, unsigned, TokenFault.ALGORITHM)
        assert "only ES256" in error.description


def test_hs256_with_the_public_key_as_secret_is_refused(
    service: TokenService, keys: SigningKeys, secret: str
) -> None:
    # The algorithm confusion attack: an HMAC "signed" with what the JWKS publishes.
    header, claims = parts(issue(service, secret))
    public = json.dumps(keys.jwks()["keys"][0]).encode()
    forged = signed({**header, "alg": "HS256"}, claims, OctKey.import_key(public))
    refused(service, forged, TokenFault.ALGORITHM)


@pytest.mark.parametrize("kid", [None, "unknown", 7])
def test_an_unknown_or_missing_kid_is_refused(
    service: TokenService, keys: SigningKeys, secret: str, kid: object
) -> None:
    header, claims = parts(issue(service, secret))
    header = {k: v for k, v in header.items() if k != "kid"}
    if kid is not None:
        header["kid"] = kid
    refused(service, signed_raw(header, claims, keys.current), TokenFault.UNKNOWN_KEY)


@pytest.mark.parametrize("typ", [None, "JWT", "at+JWT-ish"])
def test_a_jwt_that_is_not_an_access_token_is_refused(
    service: TokenService, keys: SigningKeys, secret: str, typ: str | None
) -> None:
    header, claims = parts(issue(service, secret))
    header = {k: v for k, v in header.items() if k != "typ"}
    if typ is not None:
        header["typ"] = typ
    refused(service, signed(header, claims, keys.current), TokenFault.TYPE)


def test_the_media_type_form_of_typ_is_accepted(
    service: TokenService, keys: SigningKeys, secret: str
) -> None:
    header, claims = parts(issue(service, secret))
    token = signed({**header, "typ": "Application/AT+JWT"}, claims, keys.current)
    assert service.verify(token, HOST_A, HOST_A).client_id == APP


@pytest.mark.parametrize(
    "claim", ["iss", "sub", "aud", "client_id", "scope", "iat", "nbf", "exp", "jti"]
)
def test_a_token_lacking_a_claim_is_refused(
    service: TokenService, keys: SigningKeys, secret: str, claim: str
) -> None:
    header, claims = parts(issue(service, secret))
    del claims[claim]
    error = refused(service, signed(header, claims, keys.current), TokenFault.CLAIMS)
    assert claim in error.description


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "soon"), ("exp", True), ("exp", 1.5e9), ("aud", [1]), ("scope", ["rnis:read"])],
)
def test_a_claim_of_the_wrong_type_is_refused(
    service: TokenService, keys: SigningKeys, secret: str, claim: str, value: object
) -> None:
    header, claims = parts(issue(service, secret))
    claims[claim] = value
    refused(service, signed(header, claims, keys.current), TokenFault.CLAIMS)


def test_a_token_expires_after_its_lifetime_and_the_leeway(
    service: TokenService, secret: str, clock: FakeTime
) -> None:
    token = issue(service, secret)
    service.verify(token, HOST_A, HOST_A)  # remembered as verified from now on
    clock.now += DEFAULT_LIFETIME_S + LEEWAY_S - 1
    service.verify(token, HOST_A, HOST_A)
    clock.now += 1
    refused(service, token, TokenFault.EXPIRED)
    # Another service, which never saw it, refuses it as well.
    fresh = TokenService(service.keys, service.credentials, clock=clock)
    refused(fresh, token, TokenFault.EXPIRED)


def test_a_token_not_yet_valid_is_refused(
    service: TokenService, keys: SigningKeys, secret: str, clock: FakeTime
) -> None:
    header, claims = parts(issue(service, secret))
    claims["nbf"] = int(clock.now) + LEEWAY_S + 1
    refused(service, signed(header, claims, keys.current), TokenFault.NOT_YET_VALID)
    claims["nbf"] = int(clock.now) + LEEWAY_S  # within the leeway
    assert service.verify(signed(header, claims, keys.current), HOST_A, HOST_A)


def test_another_hosts_token_is_refused(service: TokenService, secret: str) -> None:
    token = issue(service, secret)
    error = refused(service, token, TokenFault.AUDIENCE, audience=HOST_B)
    assert error.description == f"the token is for {HOST_A}, not for {HOST_B}"
    refused(service, token, TokenFault.ISSUER, audience=HOST_A, issuer=HOST_B)


def test_after_rotation_old_tokens_hold_until_they_expire_then_not(
    service: TokenService, keys: SigningKeys, secret: str, clock: FakeTime
) -> None:
    before = issue(service, secret)
    service.verify(before, HOST_A, HOST_A)
    clock.now += 100
    keys.rotate()
    after = issue(service, secret)
    assert parts(after)[0]["kid"] == keys.current.kid != parts(before)[0]["kid"]
    service.verify(before, HOST_A, HOST_A)
    service.verify(after, HOST_A, HOST_A)

    # The old key retires once no token it signed can still be valid ...
    clock.now += keys.retire_after_s
    refused(service, before, TokenFault.UNKNOWN_KEY)  # remembered, yet refused
    # ... and tokens of the new key live their full lifetime.
    service.verify(issue(service, secret), HOST_A, HOST_A)


def test_a_rotation_before_a_token_expires_keeps_it_valid_to_the_end(
    service: TokenService, keys: SigningKeys, secret: str, clock: FakeTime
) -> None:
    token = issue(service, secret)
    clock.now += DEFAULT_LIFETIME_S - 1
    keys.rotate()
    clock.now += LEEWAY_S  # expiry plus leeway minus one second
    service.verify(token, HOST_A, HOST_A)


def test_keys_that_would_retire_before_tokens_expire_are_refused(
    keys: SigningKeys, credentials: Credentials
) -> None:
    with pytest.raises(ValueError, match="retire_after_s >= 605"):
        TokenService(keys, credentials, lifetime_s=600)


def test_authenticate_reads_the_authorization_header(service: TokenService, secret: str) -> None:
    token = issue(service, secret)
    assert service.authenticate(f"Bearer {token}", HOST_A, HOST_A).client_id == APP
    with pytest.raises(MissingToken) as missing:
        service.authenticate(None, HOST_A, HOST_A)
    assert missing.value.status == 401
    assert missing.value.headers == {"WWW-Authenticate": 'Bearer realm="meclab"'}
    with pytest.raises(MissingToken):
        service.authenticate("Basic b3BlcmF0b3I6eA==", HOST_A, HOST_A)
    with pytest.raises(InvalidToken) as malformed:
        service.authenticate(f"Bearer {token} {token}", HOST_A, HOST_A)
    assert malformed.value.fault is TokenFault.MALFORMED
