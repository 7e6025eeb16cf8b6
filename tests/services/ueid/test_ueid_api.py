"""GET and PUT /ui/v1/{appInstanceId}/ue_identity_tag_info (ETSI GS MEC 014 V3.1.1 clause
7.3): behaviour and every error."""

from __future__ import annotations

import httpx
from helpers import problem
from ueid_helpers import B_APP, EDGE_APP, JSON, Served, tag_url, tags

from meclab.platform.apps import AppAction

URL = tag_url(EDGE_APP)


async def test_unregistered_tags_read_as_state_0(client: httpx.AsyncClient) -> None:
    response = await client.get(URL, params={"ueIdentityTag": ["acr:10.0.0.1", "someone"]})
    assert response.status_code == 200
    assert response.json() == tags(("acr:10.0.0.1", 0), ("someone", 0))
    assert response.headers["etag"].startswith('"')


async def test_register_then_read_then_deregister(client: httpx.AsyncClient) -> None:
    put = await client.put(URL, json=tags(("acr:10.0.0.1", 1), ("001010000000001", 1)))
    assert put.status_code == 200
    assert put.json() == tags(("acr:10.0.0.1", 1), ("001010000000001", 1))
    # the v3.1.1 file's lower-case parameter, a comma list, a repeat: the order asked, once each
    read = await client.get(URL, params={"ueidentitytag": "ue-car,001010000000001,ue-car"})
    assert read.json() == tags(("ue-car", 0), ("001010000000001", 1))
    put = await client.put(URL, json=tags(("acr:10.0.0.1", 0)))
    assert put.json() == tags(("acr:10.0.0.1", 0))
    both = await client.get(URL, params={"ueIdentityTag": ["acr:10.0.0.1", "001010000000001"]})
    assert both.json() == tags(("acr:10.0.0.1", 0), ("001010000000001", 1))  # untouched by the PUT


async def test_registrations_are_per_instance_and_host(client: httpx.AsyncClient) -> None:
    await client.put(URL, json=tags(("ue-car", 1)))
    other = await client.get(tag_url(B_APP, "mec-b"), params={"ueIdentityTag": "ue-car"})
    assert other.json() == tags(("ue-car", 0))


async def test_if_match_guards_put(client: httpx.AsyncClient) -> None:
    read = await client.get(URL, params={"ueIdentityTag": ["ue-car", "ue-far"]})
    etag = read.headers["etag"]
    # the same tags in another order have the same ETag
    put = await client.put(URL, json=tags(("ue-far", 0), ("ue-car", 1)), headers={"If-Match": etag})
    assert put.status_code == 200
    assert put.headers["etag"] != etag
    stale = await client.put(
        URL, json=tags(("ue-car", 0), ("ue-far", 0)), headers={"If-Match": etag}
    )
    problem(stale, 412)
    assert (await client.get(URL, params={"ueIdentityTag": "ue-car"})).json() == tags(("ue-car", 1))
    fresh = (await client.get(URL, params={"ueIdentityTag": ["ue-car", "ue-far"]})).headers["etag"]
    assert fresh == put.headers["etag"]
    wildcard = await client.put(URL, json=tags(("ue-car", 0)), headers={"If-Match": "*"})
    assert wildcard.status_code == 200


async def test_unknown_instance_or_host_is_404(client: httpx.AsyncClient) -> None:
    problem(await client.get(tag_url("nope"), params={"ueIdentityTag": "ue-car"}), 404)
    problem(await client.put(tag_url("nope"), content=b"{", headers=JSON), 404)  # before 400
    problem(await client.get(tag_url(EDGE_APP, "mec-b"), params={"ueIdentityTag": "x"}), 404)
    problem(await client.get(tag_url(EDGE_APP, "mars"), params={"ueIdentityTag": "x"}), 404)


BAD_QUERIES = [
    ({}, "ueIdentityTag"),
    ({"ueIdentityTag": ","}, "ueIdentityTag"),
    ({"ueIdentityTag": "a", "tag": "b"}, "tag"),
]


async def test_bad_queries_are_400(client: httpx.AsyncClient) -> None:
    for params, name in BAD_QUERIES:
        found = problem(await client.get(URL, params=params), 400)
        assert [p["name"] for p in found["invalidParams"]] == [name]


BAD_BODIES = [
    ({}, "ueIdentityTags"),
    ({"ueIdentityTags": []}, "ueIdentityTags"),
    (tags(("ue-car", 2)), "ueIdentityTags[0].state"),
    (
        {"ueIdentityTags": [{"ueIdentityTag": "ue-car", "state": "REGISTERED"}]},
        "ueIdentityTags[0].state",
    ),
    ({"ueIdentityTags": [{"state": 1}]}, "ueIdentityTags[0].ueIdentityTag"),
    (
        {"ueIdentityTags": [{"ueIdentityTag": "ue-car", "state": 1, "x": 1}]},
        "ueIdentityTags[0].x",
    ),
    (tags(("ue-car", 1), ("ue-car", 0)), "ueIdentityTags[1].ueIdentityTag"),
    (tags(("ue-car", 1), ("nobody", 1)), "ueIdentityTags[1].ueIdentityTag"),
]


async def test_bad_bodies_are_400_naming_the_attribute(client: httpx.AsyncClient) -> None:
    for body, name in BAD_BODIES:
        found = problem(await client.put(URL, json=body), 400)
        assert [p["name"] for p in found["invalidParams"]] == [name]
        assert (await client.get(URL, params={"ueIdentityTag": "ue-car"})).json() == tags(
            ("ue-car", 0)
        )


async def test_deregistering_an_unknown_tag_is_fine(client: httpx.AsyncClient) -> None:
    response = await client.put(URL, json=tags(("nobody", 0)))
    assert response.json() == tags(("nobody", 0))


async def test_non_json_and_malformed_bodies(client: httpx.AsyncClient) -> None:
    problem(await client.put(URL, content=b"state=1", headers={"Content-Type": "text/plain"}), 415)
    assert (
        "malformed JSON"
        in problem(await client.put(URL, content=b"{", headers=JSON), 400)["detail"]
    )


async def test_a_terminating_instance_may_not_register(served: Served) -> None:
    platforms = served.app.state.platforms
    await platforms.transition(platforms.app("mec-b", B_APP), AppAction.TERMINATE)
    found = problem(await served.client.put(tag_url(B_APP, "mec-b"), json=tags(("ue-car", 1))), 403)
    assert "terminating" in found["detail"]
    read = await served.client.get(tag_url(B_APP, "mec-b"), params={"ueIdentityTag": "ue-car"})
    assert read.status_code == 200  # reading stays allowed


async def test_an_instance_that_is_not_ready_yet_may_register(client: httpx.AsyncClient) -> None:
    response = await client.put(tag_url(B_APP, "mec-b"), json=tags(("ue-far", 1)))
    assert response.json() == tags(("ue-far", 1))
