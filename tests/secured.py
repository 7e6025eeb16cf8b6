"""Tokens for tests of meclab in secure mode: ``from secured import Tokens``.

:class:`Tokens` gets them as a user would: the operator's secret from the data dir, an app
instance's credential from the control API (``POST /meclab/v1/apps/{name}/credentials``), each
traded for an access token at the token endpoint it names.
"""

from __future__ import annotations

import httpx

from meclab.security.authority import Authority
from meclab.security.credentials import OPERATOR


class Tokens:
    """Access tokens on the app that ``client`` reaches, whose security is ``authority``."""

    def __init__(self, client: httpx.AsyncClient, authority: Authority) -> None:
        self.client = client
        self.authority = authority
        self._operator: dict[str, str] | None = None
        self.credentials: dict[str, dict[str, str]] = {}
        """The credential issued for each app name asked for."""

    async def token(
        self, token_url: str, client_id: str, secret: str, scope: str | None = None
    ) -> str:
        """An access token from ``token_url`` (assert it is granted)."""
        form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
        answer = await self.client.post(token_url, data=form, auth=(client_id, secret))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    async def operator(self) -> dict[str, str]:
        """Headers with the operator's token."""
        if self._operator is None:
            secret = self.authority.operator_file.read_text().strip()
            url = f"{self.client.base_url}/meclab/v1/oauth2/token"
            self._operator = bearer(await self.token(url, OPERATOR, secret))
        return self._operator

    async def credential(self, name: str) -> dict[str, str]:
        """A new credential for app instance ``name`` (the operator asks for it)."""
        answer = await self.client.post(
            f"/meclab/v1/apps/{name}/credentials", headers=await self.operator()
        )
        assert answer.status_code == 200, answer.text
        self.credentials[name] = answer.json()
        return self.credentials[name]

    async def app(self, name: str, scope: str | None = None) -> dict[str, str]:
        """Headers with a token of app instance ``name`` (from its host's endpoint)."""
        issued = self.credentials.get(name) or await self.credential(name)
        token = await self.token(
            issued["token_url"], issued["client_id"], issued["client_secret"], scope
        )
        return bearer(token)


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header of a bearer token."""
    return {"Authorization": f"Bearer {token}"}
