"""The keys that sign access tokens: ES256, made at first use, rotated, published as a JWKS.

One file, ``signing-keys.json`` in the given directory (owner-only, see :mod:`.files`), holds
every key still needed, each as a private JWK (RFC 7517) with when it stopped signing::

    {"keys": [{"jwk": {"kty": "EC", "crv": "P-256", "d": ..., "kid": ...},
               "superseded_at": 1764876000.0}, ..., {"jwk": ..., "superseded_at": null}]}

The newest key signs; :meth:`SigningKeys.rotate` makes a new one and leaves the others to
verify the tokens they signed until ``retire_after_s`` after they stopped signing. Every
token a key signed expires by then, so a rotation refuses no token early; after it, the key
verifies nothing and leaves the file at the next write. A ``kid`` is the key's RFC 7638
thumbprint: the same key always has the same id, and two keys never share one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from meclab.security.errors import DamagedFile
from meclab.security.files import read_private, write_private

KEYS_FILE = "signing-keys.json"
ALGORITHM = "ES256"
"""ECDSA P-256 with SHA-256 (RFC 7518 §3.4): small keys and signatures, fast to verify."""

DEFAULT_RETIRE_AFTER_S = 305.0
"""The default token lifetime (300 s, :data:`meclab.security.tokens.DEFAULT_LIFETIME_S`) plus
the leeway a verifier allows an expiry (5 s): no token outlives its key."""


@dataclass(frozen=True)
class _Entry:
    key: ECKey
    superseded_at: float | None
    """When it stopped signing; None for the current key."""
    kid: str = field(init=False)
    """The key's id, read once: every request's token names one."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kid", _kid(self.key))


class SigningKeys:
    """The signing keys kept in ``directory``; read there if present, else made there.

    ``clock`` gives the time in seconds since the epoch (``time.time``); tests pass a fake one.
    """

    def __init__(
        self,
        directory: Path,
        *,
        retire_after_s: float = DEFAULT_RETIRE_AFTER_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = directory / KEYS_FILE
        self.retire_after_s = retire_after_s
        self._clock = clock
        self._entries: list[_Entry] | None = None
        # rotate() may run on the event loop while a token endpoint signs in a worker thread.
        self._lock = threading.Lock()

    @property
    def current(self) -> ECKey:
        """The key that signs new tokens (made at first use)."""
        with self._lock:
            return self._load()[-1].key

    def rotate(self) -> str:
        """Make a new signing key; the previous ones verify until retired. The new ``kid``."""
        with self._lock:
            now = self._clock()
            kept = [
                _Entry(e.key, now if e.superseded_at is None else e.superseded_at)
                for e in self._load()
                if self._valid(e, now)
            ]
            new = _Entry(_generate(), None)
            # Saved first: should the write fail, the keys in use stay as they were.
            self._save([*kept, new])
            self._entries = [*kept, new]
            return _kid(new.key)

    def verification_key(self, kid: str) -> ECKey | None:
        """The key named ``kid``, if it still verifies tokens; None otherwise."""
        with self._lock:
            now = self._clock()
            for entry in self._load():
                if entry.kid == kid and self._valid(entry, now):
                    return entry.key
        return None

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set (RFC 7517 §5) of every key that still verifies tokens."""
        with self._lock:
            now = self._clock()
            valid = [e.key for e in self._load() if self._valid(e, now)]
        return {"keys": [key.as_dict(private=False) for key in valid]}

    def _valid(self, entry: _Entry, now: float) -> bool:
        return entry.superseded_at is None or now < entry.superseded_at + self.retire_after_s

    def _load(self) -> list[_Entry]:
        if self._entries is None:
            data = read_private(self.path)
            if data is None:
                entries = [_Entry(_generate(), None)]
                self._save(entries)
                self._entries = entries
            else:
                self._entries = _parse(self.path, data)
        return self._entries

    def _save(self, entries: list[_Entry]) -> None:
        document = {
            "keys": [
                {"jwk": e.key.as_dict(private=True), "superseded_at": e.superseded_at}
                for e in entries
            ]
        }
        write_private(self.path, json.dumps(document, indent=1).encode())


def _generate() -> ECKey:
    return ECKey.generate_key(
        "P-256", parameters={"alg": ALGORITHM, "use": "sig"}, private=True, auto_kid=True
    )


def _kid(key: ECKey) -> str:
    kid = key.kid
    assert kid is not None  # every key here is made or read with its kid
    return kid


def _parse(path: Path, data: bytes) -> list[_Entry]:
    try:
        document = json.loads(data)
        entries = [
            _Entry(
                ECKey.import_key(item["jwk"]),
                None if item["superseded_at"] is None else float(item["superseded_at"]),
            )
            for item in document["keys"]
        ]
    except (ValueError, KeyError, TypeError, JoseError) as error:
        raise DamagedFile(path, f"not a signing keys file ({error})") from error
    if not entries or entries[-1].superseded_at is not None:
        raise DamagedFile(path, "holds no current signing key")
    if any(e.superseded_at is None for e in entries[:-1]):
        raise DamagedFile(path, "holds more than one current signing key")
    for entry in entries:
        if not entry.key.is_private or entry.key.kid is None or entry.key.curve_name != "P-256":
            raise DamagedFile(path, "holds a key that is not a private P-256 key with a kid")
    return entries
