"""Client credentials: an id and a secret per OAuth client (an app instance, or the operator).

A secret is 32 random bytes (``secrets``), shown once when issued; meclab keeps only its
scrypt hash with a salt of its own, in ``client-credentials.json`` (owner-only, see
:mod:`.files`)::

    {"clients": {"<client id>": {"scopes": ["rnis:read", ...], "salt": "<base64>",
                                 "hash": "<base64>", "scrypt": {"n": 16384, "r": 8, "p": 1}}}}

A leaked file thus yields no usable secret. The secrets are random, not chosen by people,
so no guessing attack needs the slowness of a password hash; scrypt at n=2**14 (RFC 7914
§2's figure for interactive use, ~50 ms and 16 MiB here) is kept modest because every token
request pays it. The parameters are stored with each hash, so that raising them later
leaves the secrets already issued valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meclab.security.errors import DamagedFile, UnknownClient
from meclab.security.files import read_private, write_private
from meclab.security.scopes import known

CREDENTIALS_FILE = "client-credentials.json"
SECRET_BYTES = 32
SALT_BYTES = 16
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MAX_SECRET_CHARS = 256
"""Longer than any secret meclab issues (43): refused before hashing."""

OPERATOR = "operator"
"""The client id of the operator (control API, CLI)."""

_CLIENT_ID = re.compile(r"[\x20-\x7e]{1,256}")
"""RFC 6749 Appendix A.1 ``client-id``: printable ASCII (bounded, as it lands in logs)."""


@dataclass(frozen=True)
class Client:
    """A client that proved its identity."""

    client_id: str
    scopes: frozenset[str]


class Credentials:
    """The clients of one meclab, kept in ``directory`` (read there at first use)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CREDENTIALS_FILE
        self._clients: dict[str, dict[str, Any]] | None = None
        # The token endpoint checks secrets in worker threads (scrypt would hold up the event
        # loop) while the lifecycle issues and revokes on it.
        self._lock = threading.Lock()
        # An unknown client id costs a check as much time as a known one, so that timing
        # does not tell which ids exist.
        self._decoy = _record(secrets.token_urlsafe(SECRET_BYTES), frozenset())

    def issue(self, client_id: str, scopes: Iterable[str]) -> str:
        """A new secret for ``client_id`` holding ``scopes``; returned now and never again.

        A client that already exists gets the new secret and scopes, and its old secret stops
        working at once. ValueError for a client id that is not printable ASCII, UnknownScope
        for a scope meclab does not define.
        """
        if not _CLIENT_ID.fullmatch(client_id):
            raise ValueError(f"client id {client_id!r}: 1 to 256 printable ASCII characters")
        granted = known(scopes)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self._lock:
            clients = self._load()
            clients[client_id] = _record(secret, granted)
            self._save()
        return secret

    def rotate(self, client_id: str) -> str:
        """A new secret for ``client_id``, same scopes; the old one stops working at once."""
        return self.issue(client_id, self.scopes_of(client_id))

    def revoke(self, client_id: str) -> bool:
        """Forget ``client_id``: its secret stops working. Whether it existed."""
        with self._lock:
            clients = self._load()
            existed = clients.pop(client_id, None) is not None
            if existed:
                self._save()
        return existed

    def clients(self) -> list[str]:
        """Every client id, in the order they were first issued."""
        with self._lock:
            return list(self._load())

    def scopes_of(self, client_id: str) -> frozenset[str]:
        """The scopes ``client_id`` holds; UnknownClient if there is no such client."""
        with self._lock:
            record = self._load().get(client_id)
        if record is None:
            raise UnknownClient(client_id)
        return frozenset(record["scopes"])

    def __contains__(self, client_id: object) -> bool:
        with self._lock:
            return client_id in self._load()

    def check(self, client_id: str, secret: str) -> Client | None:
        """The client, if ``secret`` is its current one; None otherwise (whatever the reason).

        Slow on purpose (scrypt): call it off the event loop.
        """
        with self._lock:
            record = self._load().get(client_id)
        if len(secret) > MAX_SECRET_CHARS:
            return None
        matches = _matches(record or self._decoy, secret)
        if record is None or not matches:
            return None
        return Client(client_id, frozenset(record["scopes"]))

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._clients is None:
            data = read_private(self.path)
            self._clients = {} if data is None else _parse(self.path, data)
        return self._clients

    def _save(self) -> None:
        assert self._clients is not None  # _load() read them
        write_private(self.path, json.dumps({"clients": self._clients}, indent=1).encode())


def _hash(secret: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=params["n"], r=params["r"], p=params["p"], dklen=32
    )


def _record(secret: str, scopes: frozenset[str]) -> dict[str, Any]:
    salt = secrets.token_bytes(SALT_BYTES)
    return {
        "scopes": sorted(scopes),
        "salt": base64.b64encode(salt).decode(),
        "hash": base64.b64encode(_hash(secret, salt, SCRYPT)).decode(),
        "scrypt": dict(SCRYPT),
    }


def _matches(record: dict[str, Any], secret: str) -> bool:
    salt = base64.b64decode(record["salt"])
    expected = base64.b64decode(record["hash"])
    # compare_digest: the time taken does not tell how many leading bytes matched.
    return hmac.compare_digest(_hash(secret, salt, record["scrypt"]), expected)


def _parse(path: Path, data: bytes) -> dict[str, dict[str, Any]]:
    try:
        clients = json.loads(data)["clients"]
        for record in clients.values():
            base64.b64decode(record["salt"], validate=True)
            base64.b64decode(record["hash"], validate=True)
            if not all(isinstance(record["scrypt"][p], int) for p in SCRYPT):
                raise ValueError("scrypt parameters are not integers")
            if not all(isinstance(scope, str) for scope in record["scopes"]):
                raise ValueError("scopes are not strings")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DamagedFile(path, f"not a client credentials file ({error})") from error
    return clients
