"""The local CA: made once and kept, a server certificate for meclab's names that a client
trusting only ``ca.pem`` accepts over a real TLS handshake, issued again when it must be."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from meclab.security.ca import CA_CERT, CA_KEY, RENEW_BEFORE_DAYS, SERVER_DAYS, LocalCA
from meclab.security.errors import DamagedFile

NOW = dt.datetime(2026, 12, 4, 21, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


async def handshake(
    ca: LocalCA, names: list[str], server_name: str, *, trust: ssl.SSLContext | None = None
) -> str:
    """A TLS server on loopback with the server certificate for ``names``; a client that
    trusts only the CA (or ``trust``) connects asking for ``server_name``; what the server
    answered."""
    files = ca.server_files(names)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(files.cert, files.key)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello over TLS")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=trust or ca.trust(), server_hostname=server_name
        )
        got = await reader.read()
        writer.close()
        return got.decode()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_client_trusting_the_ca_alone_accepts_meclabs_names(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "security")
    names = ["localhost", "127.0.0.1", "meclab.example"]
    assert await handshake(ca, names, "localhost") == "hello over TLS"
    assert await handshake(ca, names, "meclab.example") == "hello over TLS"
    with pytest.raises(ssl.SSLCertVerificationError, match=r"other\.example"):
        await handshake(ca, names, "other.example")  # a name the certificate does not hold
    # a client trusting another meclab's CA does not accept this one's server
    stranger = LocalCA(tmp_path / "another")
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await handshake(ca, names, "localhost", trust=stranger.trust())


def test_the_ca_is_made_once_kept_owner_only_and_marked_a_ca(tmp_path: Path) -> None:
    directory = tmp_path / "security"
    first = LocalCA(directory).pem
    assert LocalCA(directory).pem == first  # a restart keeps it: clients stay trusting
    assert stat.S_IMODE((directory / CA_KEY).stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_the_server_certificate_is_issued_again_only_when_it_must(tmp_path: Path) -> None:
    clock = Clock()
    ca = LocalCA(tmp_path / "security", clock=clock)
    files = ca.server_files(["localhost", "127.0.0.1"])
    issued = files.cert.read_bytes()
    leaf = x509.load_pem_x509_certificates(issued)[0]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc > dt.timedelta(days=SERVER_DAYS - 1)
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert ca.server_files(["127.0.0.1", "localhost"]).cert.read_bytes() == issued  # same names
    assert ca.server_files(["localhost", "10.0.0.5"]).cert.read_bytes() != issued  # new names
    again = files.cert.read_bytes()
    clock.now = NOW + dt.timedelta(days=SERVER_DAYS - RENEW_BEFORE_DAYS - 1)
    assert ca.server_files(["localhost", "10.0.0.5"]).cert.read_bytes() == again
    clock.now = NOW + dt.timedelta(days=SERVER_DAYS - RENEW_BEFORE_DAYS + 1)
    assert ca.server_files(["localhost", "10.0.0.5"]).cert.read_bytes() != again  # near its end


def test_a_damaged_ca_key_is_refused_naming_the_file(tmp_path: Path) -> None:
    directory = tmp_path / "security"
    assert LocalCA(directory).pem.startswith(b"-----BEGIN CERTIFICATE-----")
    (directory / CA_KEY).write_bytes(b"not a key")
    with pytest.raises(DamagedFile, match=CA_KEY):
        _ = LocalCA(directory).pem
    with pytest.raises(ValueError, match="at least one name"):
        LocalCA(tmp_path / "empty").server_files([" "])
