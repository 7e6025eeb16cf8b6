"""The key every instance of one application shares to seal its users' contexts in transit.

Instances of one package relocate users' contexts to each other (MEC 021); the SDK seals them
with ``MECLAB_CONTEXT_KEY`` (:mod:`meclab.sdk.sealing`). The lifecycle gives each deployed
process that variable: HMAC-SHA256 of the application's appDId under a secret that meclab makes
at first use and keeps in its data dir (readable by its owner only), so every instance of one
application, on any host and after any restart, holds the same key, and another application's
instances another one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "context-keys.secret"
SECRET_BYTES = 32


class ContextKeys:
    """Per-application context keys derived from one secret in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / SECRET_FILE
        self._secret: bytes | None = None

    def _load(self) -> bytes:
        if self._secret is None:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(secrets.token_bytes(SECRET_BYTES))
            secret = self.path.read_bytes()
            if len(secret) != SECRET_BYTES:
                raise ValueError(f"{self.path}: not a meclab context secret ({len(secret)} bytes)")
            self._secret = secret
        return self._secret

    def key_for(self, app_d_id: str) -> str:
        """``MECLAB_CONTEXT_KEY`` for the instances of application ``app_d_id`` (base64url)."""
        digest = hmac.new(self._load(), app_d_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
