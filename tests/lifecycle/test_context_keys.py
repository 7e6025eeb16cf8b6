"""The context key of an application: one per appDId, the same across restarts, owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from meclab.lifecycle.context_keys import SECRET_FILE, ContextKeys
from meclab.sdk.sealing import ContextKey


def test_one_key_per_application_kept_across_restarts(tmp_path: Path) -> None:
    keys = ContextKeys(tmp_path)
    first = keys.key_for("app-1")
    assert first == keys.key_for("app-1") != keys.key_for("app-2")
    assert ContextKey.from_text(first).encode() == first  # what the SDK reads
    assert ContextKeys(tmp_path).key_for("app-1") == first  # meclab restarted
    assert ContextKeys(tmp_path / "other").key_for("app-1") != first  # another data dir
    mode = stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode)
    assert mode == 0o600


def test_a_damaged_secret_is_named(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_bytes(b"short")
    with pytest.raises(ValueError, match=SECRET_FILE):
        ContextKeys(tmp_path).key_for("app-1")
