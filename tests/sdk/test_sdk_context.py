"""The user-context store: versioned blobs that round-trip, refused when unknown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meclab.sdk.context import SCHEMA, VERSION, ContextFormatError, ContextStore, read_blob


def test_a_context_round_trips_between_two_stores_through_the_hooks() -> None:
    seen: list[str] = []

    def trim(user: str, state: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in state.items() if k != "cache"}

    def arrive(user: str, state: dict[str, Any]) -> dict[str, Any]:
        seen.append(user)
        return {**state, "warm": True}

    source = ContextStore(on_export=trim, clock=lambda: 12.5)
    source.get("acr:10.0.0.1").update({"score": 3, "frames": [1, 2], "cache": "big"})
    blob = source.export("acr:10.0.0.1")
    data = json.loads(blob)
    assert data == {
        "schema": SCHEMA,
        "version": VERSION,
        "user": "acr:10.0.0.1",
        "revision": 1,
        "updated": 12.5,
        "state": {"score": 3, "frames": [1, 2]},
    }
    target = ContextStore(on_import=arrive)
    assert target.import_(blob) == "acr:10.0.0.1"
    assert target.get("acr:10.0.0.1") == {"score": 3, "frames": [1, 2], "warm": True}
    assert seen == ["acr:10.0.0.1"] and list(target) == ["acr:10.0.0.1"]
    assert source.remove("acr:10.0.0.1") is not None and "acr:10.0.0.1" not in source


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        ({"schema": SCHEMA, "version": 99, "user": "u", "state": {}}, "version 99 is unknown"),
        ({"schema": "other", "version": 1, "user": "u", "state": {}}, "schema 'other'"),
        ({"schema": SCHEMA, "version": 1, "user": "", "state": {}}, "'user'"),
        ({"schema": SCHEMA, "version": 1, "user": "u", "state": [1]}, "'state'"),
    ],
)
def test_unknown_or_malformed_blobs_are_refused_and_nothing_is_stored(
    blob: dict[str, Any], message: str
) -> None:
    store = ContextStore()
    with pytest.raises(ContextFormatError, match=message):
        store.import_(json.dumps(blob))
    assert len(store) == 0
    with pytest.raises(ContextFormatError, match="not JSON"):
        store.import_(b"\x00garbage")


def test_state_must_be_json_data() -> None:
    with pytest.raises(ValueError, match="not JSON data"):
        ContextStore().put("acr:10.0.0.1", {"when": object()})


def test_a_context_made_afresh_is_no_newer_than_the_last_one_seen() -> None:
    here, there = ContextStore(), ContextStore()
    here.put("acr:10.0.0.1", {"score": 1})
    assert here.revision("acr:10.0.0.1") == 0  # made, not changed
    here.put("acr:10.0.0.1", {"score": 2})
    assert here.revision("acr:10.0.0.1") == 1
    there.import_(here.export("acr:10.0.0.1"))  # the user moves there: revision 2
    here.remove("acr:10.0.0.1")
    here.get("acr:10.0.0.1")["score"] = 0  # served here again without it: made afresh
    assert here.revision("acr:10.0.0.1") == 2
    there.get("acr:10.0.0.1")["score"] = 3
    coming_back = read_blob(there.export("acr:10.0.0.1"))
    assert coming_back.revision > here.revision("acr:10.0.0.1")  # it supersedes the fresh one
    here.adopt(coming_back)
    assert here.get("acr:10.0.0.1") == {"score": 3}
