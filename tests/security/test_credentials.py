"""Client credentials: a secret shown once, only its hash kept, rotation and revocation at once."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from meclab.security.credentials import CREDENTIALS_FILE, OPERATOR, Client, Credentials
from meclab.security.errors import DamagedFile, UnknownClient, UnknownScope

APP = "6f1c5c2e-app-instance"


def test_the_issued_secret_proves_the_client(credentials: Credentials) -> None:
    secret = credentials.issue(APP, ["rnis:read", "mec011_service_mgmt:write"])
    assert len(secret) >= 43  # 32 random bytes, base64url
    assert credentials.check(APP, secret) == Client(
        APP, frozenset({"rnis:read", "mec011_service_mgmt:write"})
    )
    assert credentials.scopes_of(APP) == {"rnis:read", "mec011_service_mgmt:write"}
    assert APP in credentials


def test_a_wrong_secret_or_client_proves_nothing(credentials: Credentials) -> None:
    secret = credentials.issue(APP, ["rnis:read"])
    other = credentials.issue("other-app", ["rnis:read"])
    assert credentials.check(APP, other) is None
    assert credentials.check(APP, secret[:-1]) is None
    assert credentials.check(APP, "") is None
    assert credentials.check("nobody", secret) is None
    assert credentials.check(APP, secret * 10) is None  # too long to be one


def test_each_secret_is_new(credentials: Credentials) -> None:
    assert credentials.issue(APP, []) != credentials.issue("other", [])


def test_after_rotation_the_old_secret_is_refused(credentials: Credentials) -> None:
    old = credentials.issue(APP, ["wai:read"])
    new = credentials.rotate(APP)
    assert new != old
    assert credentials.check(APP, old) is None
    assert credentials.check(APP, new) == Client(APP, frozenset({"wai:read"}))


def test_issuing_again_replaces_secret_and_scopes(credentials: Credentials) -> None:
    old = credentials.issue(APP, ["wai:read"])
    new = credentials.issue(APP, ["ams:write"])
    assert credentials.check(APP, old) is None
    assert credentials.check(APP, new) == Client(APP, frozenset({"ams:write"}))


def test_a_revoked_client_is_refused(credentials: Credentials) -> None:
    secret = credentials.issue(APP, ["wai:read"])
    assert credentials.revoke(APP) is True
    assert credentials.check(APP, secret) is None
    assert credentials.revoke(APP) is False
    with pytest.raises(UnknownClient, match=APP):
        credentials.scopes_of(APP)
    with pytest.raises(UnknownClient):
        credentials.rotate(APP)


def test_credentials_survive_a_restart_with_hashes_only(
    secrets_dir: Path, credentials: Credentials
) -> None:
    secret = credentials.issue(OPERATOR, ["app_lcm:write"])
    revoked = credentials.issue(APP, ["rnis:read"])
    credentials.revoke(APP)
    again = Credentials(secrets_dir)
    assert again.check(OPERATOR, secret) == Client(OPERATOR, frozenset({"app_lcm:write"}))
    assert again.check(APP, revoked) is None
    path = secrets_dir / CREDENTIALS_FILE
    assert secret not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700
    (record,) = json.loads(path.read_text())["clients"].values()
    assert record["scrypt"] == {"n": 2**14, "r": 8, "p": 1}


def test_each_hash_has_its_own_salt(secrets_dir: Path, credentials: Credentials) -> None:
    credentials.issue("a", [])
    credentials.issue("b", [])
    records = json.loads((secrets_dir / CREDENTIALS_FILE).read_text())["clients"]
    assert records["a"]["salt"] != records["b"]["salt"]


@pytest.mark.parametrize("client_id", ["", "tab\there", "é", "x" * 257])
def test_a_client_id_is_printable_ascii(credentials: Credentials, client_id: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        credentials.issue(client_id, [])


def test_an_unknown_scope_is_not_granted(secrets_dir: Path, credentials: Credentials) -> None:
    with pytest.raises(UnknownScope, match="rnis:admin"):
        credentials.issue(APP, ["rnis:read", "rnis:admin"])
    assert APP not in credentials
    assert not (secrets_dir / CREDENTIALS_FILE).exists()


def test_a_damaged_credentials_file_is_named(secrets_dir: Path, credentials: Credentials) -> None:
    credentials.issue(APP, [])
    path = secrets_dir / CREDENTIALS_FILE
    record = json.loads(path.read_text())
    record["clients"][APP]["salt"] = "not base64!"
    path.write_text(json.dumps(record))
    with pytest.raises(DamagedFile, match=CREDENTIALS_FILE):
        Credentials(secrets_dir).check(APP, "x")
