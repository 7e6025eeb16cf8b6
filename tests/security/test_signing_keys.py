"""Signing keys: one ES256 key made at first use, kept owner-only, rotated, published."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from helpers import FakeTime

from meclab.security.errors import DamagedFile
from meclab.security.keys import DEFAULT_RETIRE_AFTER_S, KEYS_FILE, SigningKeys
from meclab.security.tokens import DEFAULT_LIFETIME_S, LEEWAY_S


def test_a_key_is_made_at_first_use_owner_only(secrets_dir: Path, keys: SigningKeys) -> None:
    assert not secrets_dir.exists()  # nothing before first use
    key = keys.current
    assert key.curve_name == "P-256" and key.is_private
    assert key.kid == key.thumbprint()  # RFC 7638
    path = secrets_dir / KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700


def test_the_keys_survive_a_restart(secrets_dir: Path, keys: SigningKeys, clock: FakeTime) -> None:
    first = keys.current.kid
    clock.now += 10
    second = keys.rotate()
    again = SigningKeys(secrets_dir, clock=clock)
    assert again.current.kid == second
    assert again.verification_key(first) is not None
    assert again.jwks() == keys.jwks()


def test_the_jwks_holds_the_public_parts_only(keys: SigningKeys) -> None:
    (published,) = keys.jwks()["keys"]
    assert published == {
        "kty": "EC",
        "crv": "P-256",
        "x": published["x"],
        "y": published["y"],
        "alg": "ES256",
        "use": "sig",
        "kid": keys.current.kid,
    }
    assert "d" not in published


def test_a_rotated_key_verifies_until_it_retires(keys: SigningKeys, clock: FakeTime) -> None:
    old = keys.current.kid
    assert old is not None
    new = keys.rotate()
    assert new != old and keys.current.kid == new
    assert {k["kid"] for k in keys.jwks()["keys"]} == {old, new}

    clock.now += DEFAULT_RETIRE_AFTER_S - 1
    assert keys.verification_key(old) is not None
    clock.now += 1
    assert keys.verification_key(old) is None
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new]


def test_a_retired_key_leaves_the_file(
    secrets_dir: Path, keys: SigningKeys, clock: FakeTime
) -> None:
    first = keys.current.kid
    keys.rotate()
    clock.now += DEFAULT_RETIRE_AFTER_S
    third = keys.rotate()
    stored = json.loads((secrets_dir / KEYS_FILE).read_text())["keys"]
    assert first not in {entry["jwk"]["kid"] for entry in stored}
    assert stored[-1]["jwk"]["kid"] == third and len(stored) == 2


def test_no_key_outlives_its_tokens_by_default() -> None:
    assert DEFAULT_LIFETIME_S + LEEWAY_S == DEFAULT_RETIRE_AFTER_S


def test_an_unknown_kid_verifies_nothing(keys: SigningKeys) -> None:
    assert keys.verification_key("not-a-kid") is None


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"keys": []}',
        b'{"keys": [{"jwk": {"kty": "EC"}, "superseded_at": null}]}',
    ],
)
def test_a_damaged_keys_file_is_named(secrets_dir: Path, clock: FakeTime, content: bytes) -> None:
    SigningKeys(secrets_dir, clock=clock).jwks()  # made, then damaged
    (secrets_dir / KEYS_FILE).write_bytes(content)
    with pytest.raises(DamagedFile, match=KEYS_FILE):
        SigningKeys(secrets_dir, clock=clock).jwks()


def test_two_current_keys_are_refused(secrets_dir: Path, keys: SigningKeys) -> None:
    keys.rotate()
    path = secrets_dir / KEYS_FILE
    document = json.loads(path.read_text())
    document["keys"][0]["superseded_at"] = None
    path.write_text(json.dumps(document))
    with pytest.raises(DamagedFile, match="more than one current"):
        SigningKeys(secrets_dir).jwks()


def test_a_public_key_alone_is_refused(secrets_dir: Path, clock: FakeTime) -> None:
    keys = SigningKeys(secrets_dir, clock=clock)
    public = keys.current.as_dict(private=False)
    document = {"keys": [{"jwk": public, "superseded_at": None}]}
    (secrets_dir / KEYS_FILE).write_text(json.dumps(document))
    with pytest.raises(DamagedFile, match="private P-256"):
        SigningKeys(secrets_dir, clock=clock).jwks()
