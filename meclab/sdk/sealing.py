"""Sealed user contexts: AES-256-GCM for a context blob crossing from one MEC host to another.

Edge hosts stand in exposed places, so a context in transit between two instances of an
application must stay secret and arrive unaltered. :meth:`ContextKey.seal` encrypts a blob
(:meth:`meclab.sdk.context.ContextStore.export`) with a key every instance of the application
shares, and binds it, as AEAD associated data, to a :class:`Binding`: the user, the source and
target appInstanceIds and the context's revision. :meth:`ContextKey.open` needs the same
binding, so a sealed context replayed to another target, passed off as another user's, or
relabelled with another revision does not open.

The sealed form (bytes)::

    offset  size  field
    0       4     b"MLSC"             what it is
    4       1     format               FORMAT, 1
    5       8     key id               who can open it: SHA-256("meclab context key" + key)[:8]
    13      12    nonce                random, 96 bits (NIST SP 800-38D, 8.2.2)
    25      ...   ciphertext + tag     AES-256-GCM of the blob, 16-byte tag

The associated data is those first 13 bytes followed by the binding as the JSON array
``[user, source, target, revision]``: the format and the key id are authenticated too. The key
id tells a wrong key from an altered context in the error, and reveals nothing of the key.

The key: 32 bytes, :meth:`ContextKey.from_env` reads ``MECLAB_CONTEXT_KEY`` (base64url, padding
optional); make one with
``python -c "from meclab.sdk.sealing import ContextKey; print(ContextKey.generate().encode())"``.

Errors, added to the tree of :mod:`meclab.sdk.errors`::

    SdkError
      ├── ConfigError               MECLAB_CONTEXT_KEY missing, not base64url, not 32 bytes
      └── ContextIntegrityError     a sealed context that does not open: another key, altered,
            │                       or bound to another user, source, target or revision
            └── SealFormatError     not a sealed context at all: too short, another format
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from meclab.sdk.errors import ConfigError, SdkError

ENV_KEY = "MECLAB_CONTEXT_KEY"
"""The key shared by an application's instances, base64url of 32 bytes."""
MAGIC = b"MLSC"
FORMAT = 1
"""The sealed form this SDK writes and reads."""
KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + 1 + KEY_ID_BYTES
MIN_SEALED_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES


class ContextIntegrityError(SdkError):
    """A sealed context that does not open: sealed with another key, altered on the way, or
    bound to another user, source, target or revision than the one it is opened for."""


class SealFormatError(ContextIntegrityError):
    """Bytes that are not a sealed context this SDK reads."""


@dataclass(frozen=True, slots=True)
class Binding:
    """What a sealed context is bound to; opening needs the very same."""

    user: str
    """The user (UE address) whose context it is."""
    source: str
    """The appInstanceId of the instance that sealed it."""
    target: str
    """The appInstanceId of the only instance meant to open it."""
    revision: int
    """The context's revision (:meth:`meclab.sdk.context.ContextStore.revision`)."""

    def associated_data(self, header: bytes) -> bytes:
        """The AEAD associated data: the sealed form's header, then this binding."""
        fields = [self.user, self.source, self.target, self.revision]
        return header + json.dumps(fields, separators=(",", ":")).encode()


class ContextKey:
    """The AES-256-GCM key an application's instances share to seal user contexts."""

    __slots__ = ("_aead", "_secret", "key_id")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise ConfigError(f"a context key is {KEY_BYTES} bytes, not {len(secret)}")
        self._aead = AESGCM(secret)
        self.key_id = hashlib.sha256(b"meclab context key" + secret).digest()[:KEY_ID_BYTES]
        """Names the key without revealing it (in the sealed form and in errors)."""
        self._secret = secret

    @classmethod
    def generate(cls) -> ContextKey:
        """A fresh random key."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str, *, what: str = ENV_KEY) -> ContextKey:
        """A key from its base64url text (padding optional); ConfigError naming ``what``."""
        text = text.strip()
        try:
            if any(c in text for c in "+/"):  # altchars below would let them pass
                raise ValueError("standard base64 alphabet")
            padded = text + "=" * (-len(text) % 4)
            secret = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ConfigError(f"{what} is not base64url text") from exc
        if len(secret) != KEY_BYTES:
            raise ConfigError(
                f"{what} must be base64url of {KEY_BYTES} bytes (it decodes to {len(secret)})"
            )
        return cls(secret)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ContextKey:
        """The key ``MECLAB_CONTEXT_KEY`` gives; ConfigError naming it when unset or wrong."""
        text = (os.environ if environ is None else environ).get(ENV_KEY, "").strip()
        if not text:
            raise ConfigError(
                f"{ENV_KEY} is not set: give every instance of the application the same "
                f"{KEY_BYTES}-byte key, base64url (ContextKey.generate().encode() makes one)"
            )
        return cls.from_text(text)

    def encode(self) -> str:
        """The key as base64url text, unpadded: what ``MECLAB_CONTEXT_KEY`` takes."""
        return base64.urlsafe_b64encode(self._secret).decode().rstrip("=")

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return f"ContextKey(id={self.key_id.hex()})"

    def _header(self) -> bytes:
        return MAGIC + bytes([FORMAT]) + self.key_id

    def seal(self, blob: bytes, binding: Binding) -> bytes:
        """``blob`` encrypted and bound to ``binding``, in the sealed form."""
        header = self._header()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, blob, binding.associated_data(header))
        return header + nonce + sealed

    def open(self, sealed: bytes, binding: Binding) -> bytes:
        """The blob ``sealed`` holds, if it was sealed with this key for ``binding``."""
        if len(sealed) < MIN_SEALED_BYTES or not sealed.startswith(MAGIC):
            raise SealFormatError(
                f"not a sealed context ({len(sealed)} bytes; one starts with {MAGIC!r} "
                f"and has at least {MIN_SEALED_BYTES})"
            )
        if sealed[len(MAGIC)] != FORMAT:
            raise SealFormatError(
                f"sealed context format {sealed[len(MAGIC)]} is unknown; this SDK reads {FORMAT}"
            )
        header = sealed[:HEADER_BYTES]
        key_id = header[len(MAGIC) + 1 :]
        if key_id != self.key_id:
            raise ContextIntegrityError(
                f"sealed with another key (id {key_id.hex()}; this instance's is "
                f"{self.key_id.hex()}): every instance needs the same {ENV_KEY}"
            )
        nonce = sealed[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
        try:
            return self._aead.decrypt(
                nonce, sealed[HEADER_BYTES + NONCE_BYTES :], binding.associated_data(header)
            )
        except InvalidTag:
            raise ContextIntegrityError(
                f"the sealed context of {binding.user} does not open for source "
                f"{binding.source}, target {binding.target}, revision {binding.revision}: "
                "altered on the way, or sealed for another user, instance or revision"
            ) from None
