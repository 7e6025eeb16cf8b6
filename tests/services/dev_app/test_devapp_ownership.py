"""MEC 016 application contexts are their creator's (issue 12).

The requests run as a caller (:func:`~meclab.security.principal.acting_as`), as the
authentication layer serves them in secure mode: the routes, the contexts and the shared
registry are meclab's own, over the fake lifecycle of :mod:`devapp_helpers` (a real one would
start the apps' processes).
"""

from __future__ import annotations

from typing import Any

import httpx
from devapp_helpers import DEV, Served, context_body

from meclab.security.credentials import OPERATOR
from meclab.security.principal import Principal, acting_as

A = Principal("device-app-a", frozenset())
B = Principal("device-app-b", frozenset())


async def request(
    served: Served, who: Principal, method: str, path: str, body: Any = None
) -> httpx.Response:
    with acting_as(who):
        return await served.client.request(method, path, json=body)


async def test_another_clients_context_is_refused_and_unchanged(served: Served) -> None:
    made = await request(served, A, "POST", f"{DEV}/app_contexts", context_body())
    assert made.status_code == 201, made.text
    context = made.json()
    one = f"{DEV}/app_contexts/{context['contextId']}"
    moved = {**context, "callbackReference": "http://127.0.0.1:9/b"}

    for method, body in (("PUT", moved), ("DELETE", None)):
        refused = await request(served, B, method, one, body)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    (record,) = served.service.contexts.all()
    assert record.callback is None  # B's PUT changed nothing

    assert (await request(served, A, "PUT", one, moved)).status_code == 204
    assert served.service.contexts.all()[0].callback == "http://127.0.0.1:9/b"
    assert (await request(served, A, "DELETE", one)).status_code == 204
    assert served.service.contexts.all() == []


async def test_the_operator_may_end_any_context(served: Served) -> None:
    made = await request(served, A, "POST", f"{DEV}/app_contexts", context_body())
    one = f"{DEV}/app_contexts/{made.json()['contextId']}"
    operator = Principal(OPERATOR, frozenset())
    assert (await request(served, operator, "DELETE", one)).status_code == 204
