"""MEC 010-2 app_pkgm/v1 over HTTP: every operation, notifications, and the refusals."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import BASE_URL, FAST_RETRIES, problem
from package_lab import APP_D_ID, archive, edit, package_dir, sha256_checksum
from receiver import Receiver

from meclab.http.problem import install_problem_handlers
from meclab.lifecycle.packages import PackageRegistry
from meclab.platform.platform import Platforms
from meclab.services.app_pkgm.service import AppPkgm
from meclab.store.sqlite import SqliteStore

PKGM = "/app_pkgm/v1"
PACKAGES = f"{PKGM}/onboarded_app_packages"


@dataclass
class Served:
    client: httpx.AsyncClient
    packages: PackageRegistry
    platforms: Platforms
    zipped: bytes


def build_app(platforms: Platforms, packages: PackageRegistry) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    AppPkgm(platforms, packages).mount(app)
    return app


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    platforms = Platforms(store, base_url=BASE_URL, api_root="/sbx/mep")
    platforms.notifier.policy = FAST_RETRIES
    packages = PackageRegistry(tmp_path / "packages")
    app = build_app(platforms, packages)
    zipped, _ = archive(package_dir(tmp_path / "src"), tmp_path / "hello.zip")
    # what Platforms.load does before anything is notified
    await platforms.subscriptions.restore()
    await platforms.notifier.restore(platforms.subscriptions.find, missing="gone")
    await platforms.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=f"{BASE_URL}/sbx/mep") as c:
            yield Served(c, packages, platforms, zipped)
    finally:
        await packages.close()
        await platforms.stop(drain_s=0.5)
        await store.close()


async def _create(client: httpx.AsyncClient, data: bytes, **extra: Any) -> dict[str, Any]:
    body = {"appPkgName": "hello", "appPkgVersion": "1.0", "checksum": sha256_checksum(data)}
    response = await client.post(PACKAGES, json={**body, **extra})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == response.json()["_links"]["self"]["href"]
    return response.json()


async def _settle(served: Served, key: str) -> dict[str, Any]:
    await served.packages.settled(key)
    response = await served.client.get(f"{PACKAGES}/{key}")
    assert response.status_code == 200
    return response.json()


async def _onboard(served: Served, data: bytes | None = None) -> dict[str, Any]:
    data = served.zipped if data is None else data
    created = await _create(served.client, data)
    put = await served.client.put(
        f"{PACKAGES}/{created['id']}/package_content",
        content=data,
        headers={"Content-Type": "application/zip"},
    )
    assert put.status_code == 202 and put.content == b""
    return await _settle(served, created["id"])


async def _subscribe(client: httpx.AsyncClient, kind: str, url: str, **extra: Any) -> Any:
    response = await client.post(
        f"{PKGM}/subscriptions", json={"subscriptionType": kind, "callbackUri": url, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_upload_onboard_and_read(served: Served) -> None:
    created = await _create(served.client, served.zipped, userDefinedData={"team": "edge"})
    assert created["onboardingState"] == "CREATED"
    assert created["operationalState"] == "DISABLED" and created["appDId"] == ""
    assert created["_links"]["self"]["href"] == f"{BASE_URL}/sbx/mep{PACKAGES}/{created['id']}"
    put = await served.client.put(
        f"{PACKAGES}/{created['id']}/package_content",
        content=served.zipped,
        headers={"Content-Type": "application/zip"},
    )
    assert put.status_code == 202
    info = await _settle(served, created["id"])
    assert info["onboardingState"] == "ONBOARDED" and info["operationalState"] == "ENABLED"
    assert info["usageState"] == "NOT_IN_USE"
    assert (info["appDId"], info["appName"], info["appSoftwareVersion"]) == (
        APP_D_ID,
        "hello-edge",
        "1.0",
    )
    assert info["mecInfo"] == ["3.1.1"] and info["userDefinedData"] == {"team": "edge"}
    assert info["_links"]["self"]["href"].endswith(f"{PACKAGES}/{APP_D_ID}")
    by_app_d_id = await served.client.get(f"{PACKAGES}/{APP_D_ID}")
    assert by_app_d_id.json() == info and by_app_d_id.headers["etag"]
    assert info["checksum"]["hash"] == hashlib.sha256(served.zipped).hexdigest()
    # the query's default excludes checksum and softwareImages; all_fields has them
    (listed,) = (await served.client.get(PACKAGES)).json()
    assert "checksum" not in listed and "softwareImages" not in listed
    full = (await served.client.get(PACKAGES, params={"all_fields": ""})).json()
    assert full[0]["checksum"] == {
        "algorithm": "SHA-256",
        "hash": hashlib.sha256(served.zipped).hexdigest(),
    }
    assert full[0]["softwareImages"][0]["swImage"] == "meclab-app.yaml"


async def test_list_filters_and_selects(served: Served, tmp_path: Path) -> None:
    await _onboard(served)
    other = package_dir(tmp_path / "other")
    edit(other / "appd.yaml", lambda d: d.update(appDId="other-app", appName="other"))
    other_zip, _ = archive(other, tmp_path / "other.zip")
    await _onboard(served, other_zip)
    await served.client.patch(
        f"{PACKAGES}/other-app",
        json={"operationalState": "DISABLED"},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    listed = await served.client.get(PACKAGES, params={"filter": "(eq,operationalState,ENABLED)"})
    assert [p["appDId"] for p in listed.json()] == [APP_D_ID]
    picked = await served.client.get(PACKAGES, params={"fields": "checksum"})
    assert all("checksum" in p and "softwareImages" not in p for p in picked.json())
    bad = await served.client.get(PACKAGES, params={"filter": "(eq,appName"})
    assert problem(bad, 400)["invalidParams"][0]["name"] == "filter"


async def test_the_appd_and_the_content(served: Served) -> None:
    await _onboard(served)
    appd = (await served.client.get(f"{PACKAGES}/{APP_D_ID}/appd")).json()
    assert appd["appDId"] == APP_D_ID and "virtualComputeDescriptor" not in appd  # default
    assert appd["appDNSRule"][0]["ipAddress"] == "0.0.0.0"
    with_compute = await served.client.get(
        f"{PACKAGES}/{APP_D_ID}/appd", params={"fields1": "virtualComputeDescriptor"}
    )
    assert with_compute.json()["virtualComputeDescriptor"]["virtualMemory"] == {
        "virtualMemSize": 128.0
    }
    not_matching = await served.client.get(
        f"{PACKAGES}/{APP_D_ID}/appd", params={"filter": "(eq,appName,other)"}
    )
    problem(not_matching, 404)

    content = await served.client.get(f"{PACKAGES}/{APP_D_ID}/package_content")
    assert content.status_code == 200 and content.content == served.zipped
    assert content.headers["content-type"] == "application/zip"
    part = await served.client.get(
        f"{PACKAGES}/{APP_D_ID}/package_content", headers={"Range": "bytes=10-19"}
    )
    assert part.status_code == 206 and part.content == served.zipped[10:20]
    size = len(served.zipped)
    assert part.headers["content-range"] == f"bytes 10-19/{size}"
    tail = await served.client.get(
        f"{PACKAGES}/{APP_D_ID}/package_content", headers={"Range": "bytes=-5"}
    )
    assert tail.content == served.zipped[-5:]
    outside = await served.client.get(
        f"{PACKAGES}/{APP_D_ID}/package_content", headers={"Range": f"bytes={size}-"}
    )
    problem(outside, 416)
    assert outside.headers["content-range"] == f"bytes */{size}"


async def test_an_invalid_package_ends_in_error_with_every_problem(
    served: Served, tmp_path: Path
) -> None:
    root = package_dir(tmp_path / "bad")
    edit(root / "appd.yaml", lambda d: d["appDNSRule"][0].update(ipAddressType="IP_V6"))
    edit(root / "meclab-app.yaml", lambda d: d.update(command=[]))
    bad_zip = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad_zip, "w") as zf:
        for path in sorted(root.iterdir()):
            zf.write(path, path.name)
    info = await _onboard(served, bad_zip.read_bytes())
    assert info["onboardingState"] == "ERROR"
    details = info["onboardingFailureDetails"]
    assert {p["name"] for p in details["invalidParams"]} == {
        "appd.yaml:appDNSRule[0].ipAddress",
        "meclab-app.yaml:command",
    }
    content = await served.client.get(f"{PACKAGES}/{info['id']}/package_content")
    problem(content, 409)


async def test_refusals(served: Served) -> None:
    client = served.client
    problem(await client.get(f"{PACKAGES}/nothing"), 404)
    missing = await client.post(PACKAGES, json={"appPkgName": "x", "appPkgVersion": "1"})
    assert "checksum" in str(problem(missing, 400)["invalidParams"])
    created = await _create(client, served.zipped)
    not_zip = await client.put(
        f"{PACKAGES}/{created['id']}/package_content",
        content=b"{}",
        headers={"Content-Type": "application/json"},
    )
    problem(not_zip, 415)
    early = await client.patch(f"{PACKAGES}/{created['id']}", json={"operationalState": "ENABLED"})
    problem(early, 409)
    unknown_query = await client.get(PACKAGES, params={"colour": "red"})
    problem(unknown_query, 400)


async def test_delete_is_refused_in_use_and_if_match_guards(served: Served) -> None:
    info = await _onboard(served)
    await served.packages.set_in_use(APP_D_ID, True, "instance-1")
    problem(await served.client.delete(f"{PACKAGES}/{APP_D_ID}"), 409)
    await served.packages.set_in_use(APP_D_ID, False, "instance-1")
    stale = await served.client.delete(f"{PACKAGES}/{APP_D_ID}", headers={"If-Match": '"old"'})
    problem(stale, 412)
    etag = (await served.client.get(f"{PACKAGES}/{APP_D_ID}")).headers["etag"]
    gone = await served.client.delete(f"{PACKAGES}/{APP_D_ID}", headers={"If-Match": etag})
    assert gone.status_code == 204
    problem(await served.client.get(f"{PACKAGES}/{info['id']}"), 404)


async def test_subscriptions_and_notifications(served: Served, receiver: Receiver) -> None:
    client = served.client
    onboarding = await _subscribe(client, "AppPackageOnBoardingSubscription", receiver.url("/on"))
    change = await _subscribe(
        client,
        "AppPackageChangeSubscription",
        receiver.url("/change"),
        appPkgFilter=[{"appDId": APP_D_ID, "operationalState": "DISABLED"}],
    )
    deletion = await _subscribe(client, "AppPackageDeletionSubscription", receiver.url("/del"))
    elsewhere = await _subscribe(
        client,
        "AppPackageOnBoardingSubscription",
        receiver.url("/other"),
        appPkgFilter=[{"appName": "some-other-app"}],
    )
    assert set(onboarding) == {"id", "subscriptionType", "callbackUri", "_links"}
    listed = (await client.get(f"{PKGM}/subscriptions")).json()
    assert [s["href"] for s in listed["_links"]["subscriptions"]] == [
        s["_links"]["self"]["href"] for s in (onboarding, change, deletion, elsewhere)
    ]
    one = await client.get(f"{PKGM}/subscriptions/{change['id']}")
    assert one.json() == change

    info = await _onboard(served)
    (on,) = await receiver.wait_for(1, path="/on")
    assert on["notificationType"] == "AppPackageOnBoarded"
    assert (on["appPkgId"], on["appDId"], on["operationalState"]) == (
        info["id"],
        APP_D_ID,
        "ENABLED",
    )
    assert on["subscriptionId"] == onboarding["id"]
    assert on["_links"]["subscription"]["href"] == onboarding["_links"]["self"]["href"]

    for state in ("DISABLED", "ENABLED", "DISABLED"):
        patched = await client.patch(f"{PACKAGES}/{APP_D_ID}", json={"operationalState": state})
        assert patched.status_code == 200 and patched.json() == {"operationalState": state}
    changes = await receiver.wait_for(2, path="/change")
    assert [n["notificationType"] for n in changes] == ["AppPackageDisabled"] * 2  # filter

    assert (await client.delete(f"{PACKAGES}/{APP_D_ID}")).status_code == 204
    (deleted,) = await receiver.wait_for(1, path="/del")
    assert deleted["notificationType"] == "AppPackageDeleted" and deleted["appDId"] == APP_D_ID
    assert await receiver.quiet(0.2) == 0
    assert receiver.bodies("/other") == []

    removed = await client.delete(f"{PKGM}/subscriptions/{change['id']}")
    assert removed.status_code == 204
    problem(await client.get(f"{PKGM}/subscriptions/{change['id']}"), 404)


async def test_subscription_filters_follow_the_gs(served: Served) -> None:
    client = served.client
    both = await client.post(
        f"{PKGM}/subscriptions",
        json={
            "subscriptionType": "AppPackageChangeSubscription",
            "callbackUri": "http://127.0.0.1:9/cb",
            "appPkgFilter": [{"appPkgInfoId": "a", "appDId": "b"}],
        },
    )
    assert problem(both, 400)["invalidParams"][0]["name"] == "appPkgFilter[0]"
    state = await client.post(
        f"{PKGM}/subscriptions",
        json={
            "subscriptionType": "AppPackageDeletionSubscription",
            "callbackUri": "http://127.0.0.1:9/cb",
            "appPkgFilter": [{"usageState": "IN_USE"}],
        },
    )
    assert problem(state, 400)["invalidParams"][0]["name"] == "appPkgFilter[0].usageState"
    unknown = await client.post(
        f"{PKGM}/subscriptions",
        json={"subscriptionType": "AppPackageEverything", "callbackUri": "http://x/cb"},
    )
    problem(unknown, 400)


async def test_user_defined_notification_takes_our_own(served: Served) -> None:
    client = served.client
    url = f"{BASE_URL}/sbx/mep{PKGM}/user_defined_notification"
    sub = await _subscribe(client, "AppPackageOnBoardingSubscription", url)
    note = {
        "id": "n1",
        "notificationType": "AppPackageOnBoarded",
        "subscriptionId": sub["id"],
        "timeStamp": {"seconds": 1, "nanoSeconds": 0},
        "appPkgId": "p",
        "appDId": "d",
        "operationalState": "ENABLED",
        "_links": {"subscription": {"href": sub["_links"]["self"]["href"]}},
    }
    ok = await client.post(f"{PKGM}/user_defined_notification", json=note)
    assert ok.status_code == 204
    stranger = await client.post(
        f"{PKGM}/user_defined_notification", json={**note, "subscriptionId": "nobody"}
    )
    problem(stranger, 404)
    malformed = await client.post(
        f"{PKGM}/user_defined_notification", json={**note, "operationalState": "ON"}
    )
    assert problem(malformed, 400)["invalidParams"][0]["name"] == "operationalState"


async def test_the_openapi_document_lists_the_13_operations(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    app = build_app(Platforms(store), PackageRegistry(tmp_path / "packages"))
    paths = app.openapi()["paths"]
    await store.close()
    operations = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    assert len(operations) == 13
    assert ("PUT", f"{PACKAGES}/{{appDId}}/package_content") in operations
