"""meclab/http/requests.py: which requests count, under which API and status class."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from meclab.http.requests import RequestCounter

APIS = {"/rni/v2", "/ui/v1", "/mec_service_mgmt/v1"}


class Tally:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def child(self, api: str, code: str) -> Any:
        tally = self

        class Child:
            def inc(self) -> None:
                tally.counts[api, code] = tally.counts.get((api, code), 0) + 1

        return Child()


def answering(status: int) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def request(counter: RequestCounter, path: str) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(_: Any) -> None:
        pass

    await counter({"type": "http", "path": path}, receive, send)


@pytest.mark.parametrize(
    ("root", "path", "api"),
    [
        ("", "/meclab/v1/world", "control"),
        ("", "/rni/v2/queries/rab_info", "rni"),
        ("", "/hosts/mec-a/rni/v2/subscriptions", "rni"),
        ("", "/ui/v1/app_ue/x", "ui"),  # MEC 014
        ("", "/ui/dashboard.js", None),  # the dashboard's asset
        ("", "/", None),
        ("", "/metrics", None),
        ("", "/hosts/mec-a/nope/v9/x", "other"),
        ("/sbx1/mep", "/sbx1/mep/mec_service_mgmt/v1/services", "mec_service_mgmt"),
        ("/sbx1/mep", "/sbx1/mep/nope", "other"),
        ("/sbx1/mep", "/rni/v2/queries/rab_info", None),  # not under the root
        ("/sbx1/mep", "/sbx1/mepx/rni/v2", None),
    ],
)
def test_the_api_of_a_path(root: str, path: str, api: str | None) -> None:
    counter = RequestCounter(answering(200), child=Tally().child, apis=lambda: APIS, api_root=root)
    assert counter.api_of(path) == api


async def test_answers_count_by_class_and_a_crash_as_5xx() -> None:
    tally = Tally()
    for status in (200, 201, 404, 422, 503):
        counter = RequestCounter(answering(status), child=tally.child, apis=lambda: APIS)
        await request(counter, "/rni/v2/x")

    async def crashing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    counter = RequestCounter(crashing, child=tally.child, apis=lambda: APIS)
    with pytest.raises(RuntimeError):
        await request(counter, "/meclab/v1/world")
    await request(RequestCounter(answering(200), child=tally.child, apis=lambda: APIS), "/ui/x.js")
    assert tally.counts == {
        ("rni", "2xx"): 2,
        ("rni", "4xx"): 2,
        ("rni", "5xx"): 1,
        ("control", "5xx"): 1,
    }
