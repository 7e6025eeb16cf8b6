"""meclab's app in secure mode, through its HTTP API as clients see it.

A lab world with two MEC hosts: ``mec-a`` runs ``edge-app`` and ``neighbour-app``, ``mec-b``
runs ``far-app``. Tokens come from the token endpoints as a client gets them (tests/secured.py).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import serve
from secured import Tokens, bearer

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.secure_mode import SCOPE_OF_API, app_scopes
from meclab.security.authority import Authority
from meclab.services.hosting import host_apis
from meclab.store.sqlite import SqliteStore

SERVICES = "/mec_service_mgmt/v1/services"


def two_hosts(lab: dict[str, Any]) -> dict[str, Any]:
    """The lab scenario with a second app on mec-a and a second MEC host, mec-b."""
    zone_a, zone_b = lab["domains"][0]["zones"]
    zone_a["mec_hosts"][0]["apps"].append(
        {"name": "neighbour-app", "services_required": [{"name": "rni"}]}
    )
    zone_a["mec_hosts"][0]["api"] = {"rate_per_s": 5, "burst": 3}
    zone_b["mec_hosts"] = [
        {"name": "mec-b", "position": [0.004, 0.0005], "apps": [{"name": "far-app"}]}
    ]
    return lab


@pytest.fixture
async def secure(
    tmp_path: Path, lab_doc: dict[str, Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Tokens]]:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(Scenario.model_validate(two_hosts(lab_doc)))
    authority = Authority(tmp_path / "security")
    try:
        async with serve(runtime, security=authority) as (app, client):
            yield app, client, Tokens(client, authority)
    finally:
        await runtime.stop()
        await store.close()


async def test_every_api_served_has_a_scope(secure: Any) -> None:
    app, _, _ = secure
    served = {path.removeprefix(app.state.platforms.api_root) for path in host_apis(app)}
    served |= {"/app_pkgm/v1", "/app_lcm/v1", "/granting/v1", "/dev_app/v1"}
    assert served - set(SCOPE_OF_API) == set()


async def test_no_token_is_401_with_the_bearer_challenge(secure: Any) -> None:
    _, client, _ = secure
    for path in (SERVICES, "/hosts/mec-b/rni/v2/queries/rab_info", "/meclab/v1/world", "/metrics"):
        answer = await client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"] == 'Bearer realm="meclab"'


async def test_public_paths_need_no_token(secure: Any) -> None:
    _, client, _ = secure
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/hosts/mec-b/oauth2/jwks")).status_code == 200
    assert (await client.get("/oauth2/jwks")).status_code == 200


async def test_an_app_token_serves_its_host_and_not_another(secure: Any) -> None:
    _, client, tokens = secure
    headers = await tokens.app("edge-app")
    assert (await client.get(SERVICES, headers=headers)).status_code == 200
    assert (await client.get(f"/hosts/mec-a{SERVICES}", headers=headers)).status_code == 200
    other = await client.get(f"/hosts/mec-b{SERVICES}", headers=headers)
    assert other.status_code == 401
    assert 'error="invalid_token"' in other.headers["www-authenticate"]
    assert "hosts/mec-b" in other.json()["detail"]


async def test_an_app_cannot_get_tokens_from_another_hosts_endpoint(secure: Any) -> None:
    _, client, tokens = secure
    issued = await tokens.credential("edge-app")
    answer = await client.post(
        "/hosts/mec-b/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(issued["client_id"], issued["client_secret"]),
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unauthorized_client"
    assert "mec-a" in answer.json()["error_description"]


async def test_an_app_token_does_not_open_the_control_api(secure: Any) -> None:
    _, client, tokens = secure
    answer = await client.get("/meclab/v1/world", headers=await tokens.app("edge-app"))
    assert answer.status_code == 401
    assert (
        await client.get("/meclab/v1/world", headers=await tokens.operator())
    ).status_code == 200


async def test_apps_cannot_use_the_operators_endpoint(secure: Any) -> None:
    _, client, tokens = secure
    issued = await tokens.credential("edge-app")
    answer = await client.post(
        "/meclab/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(issued["client_id"], issued["client_secret"]),
    )
    assert answer.status_code == 400 and answer.json()["error"] == "unauthorized_client"


async def test_the_operator_token_serves_every_host_and_the_system_apis(secure: Any) -> None:
    _, client, tokens = secure
    headers = await tokens.operator()
    for path in (SERVICES, f"/hosts/mec-b{SERVICES}", "/app_lcm/v1/app_instances", "/metrics"):
        assert (await client.get(path, headers=headers)).status_code == 200, path


async def test_scopes_come_from_what_the_app_requires(secure: Any) -> None:
    _, client, tokens = secure
    edge = await tokens.credential("edge-app")
    neighbour = await tokens.credential("neighbour-app")
    assert set(edge["scope"].split()) == app_scopes()
    assert "rnis:write" not in edge["scope"].split()
    assert set(neighbour["scope"].split()) == app_scopes(["rni"])
    assert {"rnis:write", "rnis:read", "mec011_app_support:write"} <= set(
        neighbour["scope"].split()
    )
    # read is granted on the host's information APIs, write on RNIS only where required
    body = {
        "subscriptionType": "CellChangeSubscription",
        "callbackReference": "http://127.0.0.1:9/cb",
        "filterCriteriaAssocHo": {
            "ecgi": [{"plmn": {"mcc": "001", "mnc": "01"}, "cellId": "0000001"}]
        },
    }
    refused = await client.post(
        "/rni/v2/subscriptions", json=body, headers=await tokens.app("edge-app")
    )
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert 'scope="rnis:write"' in refused.headers["www-authenticate"]
    read = await client.get("/rni/v2/queries/rab_info", headers=await tokens.app("edge-app"))
    assert read.status_code == 200


async def test_a_token_asking_fewer_scopes_holds_only_those(secure: Any) -> None:
    _, client, tokens = secure
    headers = await tokens.app("edge-app", scope="mec011_service_mgmt:read")
    assert (await client.get(SERVICES, headers=headers)).status_code == 200
    refused = await client.get("/rni/v2/queries/rab_info", headers=headers)
    assert refused.status_code == 403
    assert 'scope="rnis:read"' in refused.headers["www-authenticate"]


async def test_a_new_secret_ends_the_old_one(secure: Any) -> None:
    _, client, tokens = secure
    first = await tokens.credential("edge-app")
    await tokens.credential("edge-app")
    answer = await client.post(
        first["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(first["client_id"], first["client_secret"]),
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


async def test_a_removed_instance_loses_its_credential(secure: Any) -> None:
    app, client, tokens = secure
    issued = await tokens.credential("edge-app")
    platforms = app.state.platforms
    await platforms.remove_app(platforms.app_named("edge-app"))
    answer = await client.post(
        issued["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(issued["client_id"], issued["client_secret"]),
    )
    assert answer.status_code == 401


async def test_forged_and_foreign_tokens_are_refused(secure: Any, tmp_path: Path) -> None:
    _, client, _ = secure
    stranger = Authority(tmp_path / "elsewhere")
    secret = stranger.enrol("edge-app-id", app_scopes())
    forged, _, _ = stranger.tokens.issue(
        "edge-app-id",
        secret,
        None,
        "http://meclab.test/hosts/mec-a",
        "http://meclab.test/hosts/mec-a",
    )
    for token in (forged, "not.a.jwt", "e30.e30."):
        answer = await client.get(SERVICES, headers=bearer(token))
        assert answer.status_code == 401, token
        assert 'error="invalid_token"' in answer.headers["www-authenticate"]


async def test_refusals_are_audited_and_counted(secure: Any) -> None:
    _, client, tokens = secure
    await client.get(SERVICES)
    await client.get(f"/hosts/mec-b{SERVICES}", headers=await tokens.app("edge-app"))
    operator = await tokens.operator()
    audit = (await client.get("/meclab/v1/security/audit", headers=operator)).json()
    reasons = [(r["kind"], r["reason"], r["path"]) for r in audit["refusals"]]
    assert ("authentication", "invalid_token", f"/hosts/mec-b{SERVICES}") in reasons
    assert ("authentication", "missing_token", SERVICES) in reasons
    edge_id = tokens.credentials["edge-app"]["client_id"]
    mine = await client.get(
        "/meclab/v1/security/audit", params={"client_id": edge_id}, headers=operator
    )
    assert mine.json()["refusals"] == []  # the bad-audience token named no verified client
    metrics = (await client.get("/metrics", headers=operator)).text
    assert (
        'meclab_security_refusals_total{kind="authentication",reason="missing_token"} 1.0'
        in metrics
    )


async def test_each_app_is_limited_at_its_hosts_rate(secure: Any) -> None:
    _, client, tokens = secure
    edge = await tokens.app("edge-app")
    far = await tokens.app("far-app")
    statuses = [(await client.get(SERVICES, headers=edge)).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]  # burst 3 on mec-a
    refused = await client.get(SERVICES, headers=edge)
    assert refused.headers["retry-after"] == "1"
    assert "5 requests/s (burst 3)" in refused.json()["detail"]
    # another app, and another host's default limits, are untouched
    assert (await client.get(f"/hosts/mec-b{SERVICES}", headers=far)).status_code == 200
    audit = (
        await client.get(
            "/meclab/v1/security/audit", params={"kind": "limit"}, headers=await tokens.operator()
        )
    ).json()
    assert audit["refusals"][0]["client_id"] == tokens.credentials["edge-app"]["client_id"]
    assert audit["refusals"][0]["reason"] == "rate"


async def test_enrolling_a_client_by_id(secure: Any) -> None:
    _, client, tokens = secure
    operator = await tokens.operator()
    bad = await client.post(
        "/meclab/v1/credentials",
        json={"client_id": "dev-1", "scope": "nope:read"},
        headers=operator,
    )
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "scope"
    issued = await client.post(
        "/meclab/v1/credentials",
        json={"client_id": "dev-1", "scope": "dev_app:read"},
        headers=operator,
    )
    assert issued.status_code == 200
    body = issued.json()
    token = await tokens.token(body["token_url"], "dev-1", body["client_secret"])
    assert (await client.get("/dev_app/v1/app_list", headers=bearer(token))).status_code == 200
    gone = await client.delete("/meclab/v1/credentials/dev-1", headers=operator)
    assert gone.status_code == 204
    assert (
        await client.delete("/meclab/v1/credentials/dev-1", headers=operator)
    ).status_code == 404


async def test_rotating_keys_keeps_issued_tokens_and_signs_new_ones_anew(secure: Any) -> None:
    _, client, tokens = secure
    before = await tokens.app("edge-app")
    operator = await tokens.operator()
    old_keys = {k["kid"] for k in (await client.get("/oauth2/jwks")).json()["keys"]}
    rotated = await client.post("/meclab/v1/keys/rotate", headers=operator)
    assert rotated.status_code == 200
    new_kid = rotated.json()["kid"]
    assert new_kid not in old_keys
    published = {k["kid"] for k in (await client.get("/hosts/mec-b/oauth2/jwks")).json()["keys"]}
    assert published == old_keys | {new_kid}  # the old key verifies until its tokens expire
    assert (await client.get(SERVICES, headers=before)).status_code == 200
    after = await tokens.app("edge-app")
    header = jws_header(after["Authorization"].removeprefix("Bearer "))
    assert header["kid"] == new_kid and header["alg"] == "ES256" and header["typ"] == "at+jwt"
    assert (await client.get(SERVICES, headers=after)).status_code == 200


def jws_header(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


async def test_a_new_world_brings_its_own_limits(secure: Any, lab_doc: dict[str, Any]) -> None:
    _, client, tokens = secure
    edge = await tokens.app("edge-app")
    statuses = [(await client.get(SERVICES, headers=edge)).status_code for _ in range(4)]
    assert statuses[-1] == 429  # burst 3 on mec-a
    document = lab_doc  # the fixture's world: two_hosts() made it so
    document["domains"][0]["zones"][0]["mec_hosts"][0]["api"] = {"rate_per_s": 5, "burst": 20}
    document["name"] = "lab-roomier"
    loaded = await client.put("/meclab/v1/scenario", json=document, headers=await tokens.operator())
    assert loaded.status_code == 200, loaded.text
    # The token still verifies (same instance id, same host); its bucket is the new world's.
    statuses = [(await client.get(SERVICES, headers=edge)).status_code for _ in range(20)]
    assert statuses == [200] * 20
