"""meclab's security authority in secure mode: one object holding what issue 12 needs.

Everything lives in one owner-only directory of the data dir (``<data dir>/security``)::

    client-credentials.json   client ids, scopes and hashed secrets (credentials)
    signing-keys.json         the ES256 keys that sign access tokens (keys)
    operator.secret           the operator's secret, for the CLI on this machine to read
    ca/                       the local CA and the server certificate it issued (ca)

The operator is a client like the apps, with every scope; its secret is the one secret meclab
keeps in clear, in an owner-only file, as ssh keeps a private key: whoever can read it is the
operator of this machine's meclab anyway (they can read the data dir).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from meclab.security.audit import Audit
from meclab.security.ca import LocalCA
from meclab.security.credentials import OPERATOR, Credentials
from meclab.security.files import private_directory, read_private, write_private
from meclab.security.keys import SigningKeys
from meclab.security.scopes import all_scopes
from meclab.security.tokens import DEFAULT_LIFETIME_S, LEEWAY_S, TokenService

OPERATOR_SECRET = "operator.secret"


class Authority:
    """Credentials, signing keys, tokens, the local CA and the audit of one meclab.

    ``clock`` gives Unix seconds (tests pass a fake one); ``lifetime_s`` is an access token's.
    """

    def __init__(
        self,
        directory: Path,
        *,
        lifetime_s: int = DEFAULT_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = private_directory(directory)
        self.credentials = Credentials(directory)
        self.keys = SigningKeys(directory, retire_after_s=lifetime_s + LEEWAY_S, clock=clock)
        self.tokens = TokenService(self.keys, self.credentials, lifetime_s, clock)
        self.ca = LocalCA(directory / "ca")
        self.audit = Audit(clock)

    @property
    def operator_file(self) -> Path:
        """Where the operator's secret is kept."""
        return self.directory / OPERATOR_SECRET

    def operator_secret(self) -> str:
        """The operator's secret: the one kept, or a new one (kept) when there is none or the
        kept one no longer works. Slow (a hash check): call it at start."""
        kept = read_private(self.operator_file)
        if kept is not None:
            secret = kept.decode().strip()
            client = self.credentials.check(OPERATOR, secret)
            if client is not None and client.scopes == all_scopes():
                return secret
        secret = self.credentials.issue(OPERATOR, all_scopes())
        write_private(self.operator_file, secret.encode() + b"\n")
        return secret

    def enrol(self, client_id: str, scopes: Iterable[str]) -> str:
        """A new secret for an app instance holding ``scopes`` (its old secret stops working)."""
        if client_id == OPERATOR:
            raise ValueError(f"{OPERATOR!r} is the operator's client id, not an app's")
        return self.credentials.issue(client_id, scopes)

    def revoke(self, client_id: str) -> bool:
        """Remove an app instance's credential; whether it had one. Its tokens still verify
        until they expire (at most one token lifetime): they are self-contained."""
        return self.credentials.revoke(client_id)

    def revoke_apps(self) -> None:
        """Remove every app instance's credential (a new scenario replaced them all)."""
        for client_id in list(self.credentials.clients()):
            if client_id != OPERATOR:
                self.credentials.revoke(client_id)
