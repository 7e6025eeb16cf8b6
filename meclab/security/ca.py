"""meclab's local certificate authority: the CA that ``--secure`` serves every API under.

At first use a CA key (EC P-256) and its self-signed certificate are made in the data dir
(``ca-key.pem`` owner-only, ``ca.pem`` the certificate others may be given: ``meclab ca``
prints it). The server's certificate is issued by that CA for the names and addresses meclab
is reached at (``subjectAltName``), kept beside it, and issued again when those change or when
it nears its end. A client trusts meclab by trusting ``ca.pem`` alone (:meth:`LocalCA.trust`),
as it would an enterprise CA: no certificate warnings, no verification switched off.

The CA lives ten years, a server certificate :data:`SERVER_DAYS` days (what browsers accept,
CA/Browser Forum BR 6.3.2), re-issued :data:`RENEW_BEFORE_DAYS` days before it ends.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from meclab.security.errors import DamagedFile
from meclab.security.files import private_directory, read_private, write_private

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_BEFORE_DAYS = 30
CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SERVER_CERT = "server.pem"
SERVER_KEY = "server-key.pem"

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ServerFiles:
    """Where the server's certificate (with the CA's after it) and key are, for uvicorn's
    ``ssl_certfile`` and ``ssl_keyfile``."""

    cert: Path
    key: Path


class LocalCA:
    """The CA in ``directory`` (made owner-only), created at first use."""

    def __init__(self, directory: Path, *, clock: Clock = _utc_now) -> None:
        self.directory = directory
        self.clock = clock
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._cert: x509.Certificate | None = None

    # --- the CA -----------------------------------------------------------------------------

    @property
    def certificate(self) -> x509.Certificate:
        """The CA's certificate (made with its key at first use)."""
        self._load()
        assert self._cert is not None
        return self._cert

    @property
    def pem(self) -> bytes:
        """The CA's certificate, PEM: what a client is given to trust meclab."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def file(self) -> Path:
        """The CA certificate's PEM file (made at first use), for clients to trust."""
        self._load()
        return self.directory / CA_CERT

    def trust(self) -> ssl.SSLContext:
        """A client TLS context that trusts this CA (and verifies names), nothing else."""
        return ssl.create_default_context(cadata=self.pem.decode())

    def _load(self) -> None:
        if self._cert is not None:
            return
        private_directory(self.directory)
        key_pem = read_private(self.directory / CA_KEY)
        cert_path = self.directory / CA_CERT
        if key_pem is None:
            self._create()
            return
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except (ValueError, OSError) as exc:
            raise DamagedFile(self.directory / CA_KEY, f"not meclab's CA: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or cert.public_key() != key.public_key():
            raise DamagedFile(cert_path, "the CA certificate is not of the CA key")
        self._key, self._cert = key, cert

    def _create(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        now = self.clock()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "meclab local CA")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        write_private(self.directory / CA_KEY, _key_pem(key))
        # The certificate is public: readable by others, written whole like the key.
        (self.directory / CA_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._key, self._cert = key, cert

    # --- the server's certificate -----------------------------------------------------------

    def server_files(self, names: Iterable[str]) -> ServerFiles:
        """The server certificate for ``names`` (DNS names or IP addresses), issued again when
        the names changed or it ends within :data:`RENEW_BEFORE_DAYS` days."""
        wanted = _alt_names(names)
        files = ServerFiles(self.directory / SERVER_CERT, self.directory / SERVER_KEY)
        current = self._current_server(files)
        if current is None or not self._still_good(current, wanted):
            self._issue(files, wanted)
        return files

    def _current_server(self, files: ServerFiles) -> x509.Certificate | None:
        if not files.cert.exists() or read_private(files.key) is None:
            return None
        try:
            return x509.load_pem_x509_certificates(files.cert.read_bytes())[0]
        except (ValueError, IndexError):
            return None  # damaged: issued again

    def _still_good(self, cert: x509.Certificate, wanted: list[x509.GeneralName]) -> bool:
        try:
            alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            return False
        renew_at = cert.not_valid_after_utc - dt.timedelta(days=RENEW_BEFORE_DAYS)
        return (
            set(alt) == set(wanted)
            and cert.issuer == self.certificate.subject
            and self.clock() < renew_at
        )

    def _issue(self, files: ServerFiles, names: list[x509.GeneralName]) -> None:
        self._load()
        assert self._key is not None and self._cert is not None
        key = ec.generate_private_key(ec.SECP256R1())
        now = self.clock()
        first = names[0].value
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(first))]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        write_private(files.key, _key_pem(key))
        chain = cert.public_bytes(serialization.Encoding.PEM) + self.pem
        files.cert.write_bytes(chain)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _alt_names(names: Iterable[str]) -> list[x509.GeneralName]:
    """``names`` as subjectAltName entries (addresses as IPAddress), in order, once each."""
    out: list[x509.GeneralName] = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name.strip("[]"))))
        except ValueError:
            out.append(x509.DNSName(name))
    if not out:
        raise ValueError("a server certificate needs at least one name or address")
    return out
