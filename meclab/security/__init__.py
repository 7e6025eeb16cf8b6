"""Identities, tokens and TLS: who an API client is, what it may do, and whom it talks to
(issue 12).

Every app instance (and the operator) is an OAuth 2.0 client (RFC 6749 §4.4, as ETSI GS MEC
009 asks); a MEC host's token endpoint trades its client id and secret for a short-lived signed
JWT access token (RFC 9068) naming its scopes; the APIs check that token on every request.

=================== ===============================================================
``scopes``          the scope names: ``{api}:{read|write}``
``credentials``     client ids and hashed secrets, kept in the data dir
``keys``            the ES256 signing keys, kept in the data dir, rotated, as a JWKS
``tokens``          issuing and verifying access tokens
``bearer``          the ``Authorization: Bearer`` header and its ``WWW-Authenticate`` challenge
``oauth``           the token endpoint and the JWKS as FastAPI routes
``ca``              the local CA and the server certificate it issues for TLS
``files``           owner-only files and directories for all of the above
``errors``          what can go wrong, and what each fault answers
=================== ===============================================================

Nothing here knows the platform, the services or the app: the lead wires them together.
"""
