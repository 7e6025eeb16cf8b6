"""Sealed contexts: they round-trip, and every change of key, bytes or binding is refused."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from meclab.sdk.errors import ConfigError
from meclab.sdk.sealing import (
    FORMAT,
    HEADER_BYTES,
    MAGIC,
    NONCE_BYTES,
    Binding,
    ContextIntegrityError,
    ContextKey,
    SealFormatError,
)

BLOB = b'{"schema":"meclab.sdk.context","state":{"score":3}}'
BOUND = Binding(user="acr:10.0.0.1", source="src-1", target="dst-1", revision=4)


def test_a_sealed_context_opens_with_the_same_key_and_binding() -> None:
    key = ContextKey.generate()
    sealed = key.seal(BLOB, BOUND)
    assert sealed[:4] == MAGIC and sealed[4] == FORMAT
    assert BLOB not in sealed and b"score" not in sealed  # confidential, not just signed
    assert len(sealed) == HEADER_BYTES + NONCE_BYTES + len(BLOB) + 16
    assert key.open(sealed, BOUND) == BLOB
    again = key.seal(BLOB, BOUND)
    nonce = slice(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES)
    assert again[nonce] != sealed[nonce] and again != sealed  # a fresh nonce each time
    assert ContextKey.from_text(key.encode()).open(again, BOUND) == BLOB


@pytest.mark.parametrize("offset", [HEADER_BYTES, HEADER_BYTES + NONCE_BYTES, -1])
def test_a_changed_byte_is_refused_with_the_typed_error(offset: int) -> None:
    key = ContextKey.generate()
    sealed = bytearray(key.seal(BLOB, BOUND))
    sealed[offset] ^= 0x01  # nonce, ciphertext, tag
    with pytest.raises(ContextIntegrityError, match=r"does not open .* altered on the way"):
        key.open(bytes(sealed), BOUND)


def test_another_key_is_named_as_such() -> None:
    sealed = ContextKey.generate().seal(BLOB, BOUND)
    with pytest.raises(
        ContextIntegrityError, match=r"sealed with another key .*MECLAB_CONTEXT_KEY"
    ):
        ContextKey.generate().open(sealed, BOUND)


def test_a_forged_key_id_does_not_open_either() -> None:
    key, other = ContextKey.generate(), ContextKey.generate()
    sealed = other.seal(BLOB, BOUND)
    forged = sealed[: len(MAGIC) + 1] + key.key_id + sealed[HEADER_BYTES:]
    with pytest.raises(ContextIntegrityError, match="does not open"):
        key.open(forged, BOUND)


@pytest.mark.parametrize(
    "change",
    [{"user": "acr:10.0.0.2"}, {"target": "dst-2"}, {"source": "src-2"}, {"revision": 3}],
)
def test_another_binding_is_refused(change: dict[str, object]) -> None:
    key = ContextKey.generate()
    sealed = key.seal(BLOB, BOUND)
    with pytest.raises(ContextIntegrityError, match="does not open"):
        key.open(sealed, dataclasses.replace(BOUND, **change))  # type: ignore[arg-type]


def test_bytes_that_are_no_sealed_context_are_a_format_error() -> None:
    key = ContextKey.generate()
    with pytest.raises(SealFormatError, match="not a sealed context"):
        key.open(b"MLSC\x01short", BOUND)
    with pytest.raises(SealFormatError, match="not a sealed context"):
        key.open(BLOB, BOUND)
    future = bytearray(key.seal(BLOB, BOUND))
    future[len(MAGIC)] = 9
    with pytest.raises(SealFormatError, match="format 9 is unknown; this SDK reads 1"):
        key.open(bytes(future), BOUND)


def test_the_key_comes_from_the_environment() -> None:
    key = ContextKey.generate()
    padded = base64.urlsafe_b64encode(bytes(32)).decode()
    assert "=" in padded
    assert ContextKey.from_env({"MECLAB_CONTEXT_KEY": padded}).encode() == padded.rstrip("=")
    text = key.encode()
    assert ContextKey.from_env({"MECLAB_CONTEXT_KEY": f" {text}\n"}).key_id == key.key_id
    assert text not in repr(key) and key.key_id.hex() in repr(key)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "MECLAB_CONTEXT_KEY is not set"),
        ("not base64!", "MECLAB_CONTEXT_KEY is not base64url"),
        (base64.urlsafe_b64encode(bytes(16)).decode(), "32 bytes \\(it decodes to 16\\)"),
        (base64.b64encode(b"\xfb" * 32).decode(), "MECLAB_CONTEXT_KEY is not base64url"),
        ("A" * 42 + "*", "MECLAB_CONTEXT_KEY is not base64url"),
    ],
)
def test_a_missing_or_malformed_key_names_the_variable(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ContextKey.from_env({"MECLAB_CONTEXT_KEY": value})


def test_a_key_of_another_size_is_refused() -> None:
    with pytest.raises(ConfigError, match="32 bytes, not 31"):
        ContextKey(bytes(31))
