"""MEC 013 v2.2.1 as a client generated from its ETSI file sees it, at the v2.2.1 base path.

The client is generated at test time (openapi-python-client) from
``etsi-forge-mirror/MEC013_Location_v2.2.1.yaml`` into a temporary folder, and every answer is
also validated against the response schema the file declares for its operation and status: the
generated models do not check the type of a plain property (v3's ``resourceURL`` object would
pass for v2.2.1's string), a JSON Schema validator does.

Both versions share the base path ``/location/v2`` and the paths ``/queries/...`` and
``/subscriptions/distance``, with different bodies; ``/location/v2`` answers v3.1.1's, and
``/location/v2.2.1`` serves the whole v2.2.1 API in its own shapes (see
:mod:`meclab.services.location`).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from conformance.spec import MIRROR, specs_dir
from conftest import Lab
from jsonschema import Draft202012Validator
from location_helpers import BASE_URL, LOC, RUN, STILL, UE_B, inner, subscribe, wrapped
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType
from receiver import Receiver

from meclab.services.location.reports import BASE_V2

pytestmark = pytest.mark.asyncio(loop_scope="module")

SPEC_FILE = f"{MIRROR}/MEC013_Location_v2.2.1.yaml"
PACKAGE = "mec013_v221_client"
"""Name of the generated package (imported from the test's temporary folder)."""


@pytest.fixture(scope="module")
def spec_path() -> Path:
    return specs_dir() / SPEC_FILE  # skips when the spec folder is absent


@pytest.fixture(scope="module")
def spec(spec_path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, spec_path: Path) -> Iterator[Path]:
    """The folder holding the client package generated from the v2.2.1 file."""
    folder = tmp_path_factory.mktemp("generated")
    config = Config.from_sources(
        ConfigFile(post_hooks=[]),  # no formatting of the generated code
        MetaType.NONE,
        spec_path,
        "utf-8",
        overwrite=True,
        output_path=folder / PACKAGE,
    )
    problems = generate(config=config)
    assert not problems, [f"{p.header}: {p.detail}" for p in problems]
    sys.path.insert(0, str(folder))
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module_name(operation_id: str) -> str:
    """The generated module of an operation (``distanceSubPOST`` -> ``distance_sub_post``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()


class V2Client:
    """The generated client, called by the file's operationIds; checks every answer."""

    def __init__(self, client: Any, spec: dict[str, Any]) -> None:
        self.client = client
        self.spec = spec
        self.operations = {
            op["operationId"]: op
            for item in spec["paths"].values()
            for method, op in item.items()
            if method != "parameters"
        }

    def model(self, name: str) -> Any:
        """A generated model class, by its Python name."""
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)

    async def call(self, operation_id: str, *args: Any, **kwargs: Any) -> Any:
        """The operation's ``Response`` (status, headers, parsed body), its body checked."""
        module = importlib.import_module(f"{PACKAGE}.api.location.{module_name(operation_id)}")
        response = await module.asyncio_detailed(*args, client=self.client, **kwargs)
        self.check(
            operation_id,
            httpx.Response(
                response.status_code, headers=response.headers, content=response.content
            ),
        )
        return response

    def check(self, operation_id: str, response: httpx.Response) -> None:
        """``response`` is of a status, a media type and a schema the operation declares."""
        status = response.status_code
        answer = self.operations[operation_id]["responses"].get(str(status))
        assert answer is not None, f"{operation_id} declares no {status}: {response.text}"
        if "$ref" in answer:
            answer = self.spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
        if not response.content:
            assert status == 204, f"{operation_id} {status} has no body"
            return
        media = response.headers["content-type"].split(";")[0]
        declared = answer.get("content", {})
        assert media in declared, f"{operation_id} {status} declares {list(declared)}, not {media}"
        schema = declared[media]["schema"]
        validator = Draft202012Validator({**schema, "components": self.spec["components"]})
        problems = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
        ]
        assert not problems, f"{operation_id} {status} breaks the v2.2.1 schema: {problems}"


@pytest_asyncio.fixture(loop_scope="module")
async def v2(lab: Lab, generated: Path, spec: dict[str, Any]) -> AsyncIterator[V2Client]:
    url = f"{BASE_URL}{BASE_V2}"
    package = importlib.import_module(PACKAGE)
    transport = httpx.ASGITransport(app=lab.app)
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        yield V2Client(package.Client(base_url=url).set_async_httpx_client(http), spec)


def distance_body(notify_url: str, **fields: Any) -> dict[str, Any]:
    return {
        "distanceNotificationSubscription": {
            "clientCorrelator": "0123",
            "callbackReference": {"notifyURL": notify_url, "callbackData": "1234"},
            "monitoredAddress": [RUN],
            "referenceAddress": [STILL],
            "distance": 500,
            "trackingAccuracy": 10,
            "criteria": "AllWithinDistance",
            "checkImmediate": False,
            "frequency": 10,
            **fields,
        }
    }


# --- the API surface ------------------------------------------------------------------------


async def test_every_v221_operation_is_served(lab: Lab, spec: dict[str, Any]) -> None:
    served = lab.app.openapi()["paths"]
    missing = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters" and method not in served.get(f"{BASE_V2}{path}", {})
    ]
    assert missing == []


# --- the distance subscriptions, whose path v3.1.1 shares ------------------------------------


async def test_distance_subscription_lifecycle(v2: V2Client, receiver: Receiver) -> None:
    post_body = v2.model("DistanceSubPostBody").from_dict(distance_body(receiver.url()))
    created = await v2.call("distanceSubPOST", body=post_body)
    assert created.status_code == 201
    sub = created.parsed.distance_notification_subscription
    href = created.headers["Location"]
    assert href.startswith(f"{BASE_URL}{BASE_V2}/subscriptions/distance/")
    assert sub.resource_url == href
    assert sub.monitored_address == [RUN]
    sub_id = href.rsplit("/", 1)[-1]

    listed = await v2.call("distanceSubListGET")
    assert listed.status_code == 200
    subs = listed.parsed.notification_subscription_list
    assert subs.resource_url == f"{BASE_URL}{BASE_V2}/subscriptions/distance"
    assert [s.resource_url for s in subs.distance_notification_subscription] == [href]
    assert subs.distance_notification_subscription[0].criteria.value == "AllWithinDistance"

    got = await v2.call("distanceSubGET", sub_id)
    assert got.status_code == 200
    assert got.parsed.distance_notification_subscription.distance == 500

    put_body = v2.model("DistanceSubPutBody").from_dict(
        distance_body(receiver.url(), distance=800, resourceURL=href)
    )
    replaced = await v2.call("distanceSubPUT", sub_id, body=put_body)
    assert replaced.status_code == 200
    assert replaced.parsed.distance_notification_subscription.distance == 800

    assert (await v2.call("distanceSubDELETE", sub_id)).status_code == 204
    after = await v2.call("distanceSubListGET")
    assert after.parsed.notification_subscription_list.distance_notification_subscription == []


async def test_distance_lists_by_the_version_asked_for(
    api: httpx.AsyncClient, v2: V2Client, receiver: Receiver
) -> None:
    # A v2.2.1 subscription made on the shared path (as v2.2.1's own base path has it) and a
    # v3.1.1 one: the v2.2.1 list has the first in full; the v3.1.1 list references both.
    old = await subscribe(api, "distance", distance_body(receiver.url()))
    v3 = await subscribe(
        api,
        "distance",
        wrapped(
            "UserDistanceSubscription",
            receiver.url(),
            monitoredAddress=[UE_B],
            referenceAddress=[STILL],
            distance=100,
            trackingAccuracy=10,
            criteria="AllWithinDistance",
            checkImmediate=False,
        ),
    )
    listed = await v2.call("distanceSubListGET")
    subs = listed.parsed.notification_subscription_list.distance_notification_subscription
    assert [(s.resource_url, s.monitored_address) for s in subs] == [(old, [RUN])]

    r = await api.get(f"{LOC}/subscriptions/distance")
    references = inner(r.json())["subscription"]
    assert {(s["href"], s["subscriptionType"]) for s in references} == {
        (old, "DistanceNotificationSubscription"),
        (v3, "UserDistanceSubscription"),
    }
    v3_id = v3.rsplit("/", 1)[-1]
    missing = await v2.call("distanceSubGET", v3_id)
    assert missing.status_code == 404  # a v3.1.1 subscription has no v2.2.1 shape


async def test_v3_body_refused_at_the_v221_distance_collection(
    v2: V2Client, receiver: Receiver
) -> None:
    body = wrapped(
        "UserDistanceSubscription",
        receiver.url(),
        monitoredAddress=[RUN],
        referenceAddress=[STILL],
        distance=100,
        trackingAccuracy=10,
        criteria="AllWithinDistance",
        checkImmediate=False,
    )
    r = await v2.call("distanceSubPOST", body=v2.model("DistanceSubPostBody").from_dict(body))
    assert r.status_code == 400
    named = [p["name"] for p in r.parsed.additional_properties["invalidParams"]]
    assert named == ["distanceNotificationSubscription", "userDistanceSubscription"]


# --- the other v2.2.1 collections, also under the v2.2.1 base path ---------------------------


async def test_user_tracking_at_the_v221_base(v2: V2Client, receiver: Receiver) -> None:
    body = {
        "userTrackingSubscription": {
            "callbackReference": {"notifyURL": receiver.url()},
            "address": RUN,
            "userEventCriteria": ["Entering"],
        }
    }
    created = await v2.call(
        "userTrackingSubPOST", body=v2.model("UserTrackingSubPostBody").from_dict(body)
    )
    assert created.status_code == 201
    href = created.headers["Location"]
    assert href.startswith(f"{BASE_URL}{BASE_V2}/subscriptions/userTracking/")
    listed = await v2.call("userTrackingSubListGET")
    subs = listed.parsed.notification_subscription_list.user_tracking_subscription
    assert [(s.resource_url, s.address) for s in subs] == [(href, RUN)]


# --- the queries --------------------------------------------------------------------------------


async def test_queries_in_v221_shapes(v2: V2Client, tick_to: Any) -> None:
    await tick_to(3.0)  # ue-run at x = 350 on A1, ue-still at x = 100 on A1
    users = await v2.call("usersGET", zone_id=["z1"])
    assert users.status_code == 200
    found = {u.address: u for u in users.parsed.user_list.user}
    assert set(found) == {RUN, STILL}
    run = found[RUN]
    assert (run.access_point_id, run.zone_id) == ("A1", "z1")
    assert run.resource_url.startswith(f"{BASE_URL}{BASE_V2}/queries/users?address=")
    assert run.location_info.timestamp.seconds == run.timestamp.seconds
    assert "relativeLocationInfo" not in run.additional_properties  # v3.1.1 only

    zones = await v2.call("zonesGET")
    assert [z.zone_id for z in zones.parsed.zone_list.zone] == ["z1", "z2"]
    zone = await v2.call("zonesGetById", "z1")
    assert zone.parsed.zone_info.resource_url == f"{BASE_URL}{BASE_V2}/queries/zones/z1"

    points = await v2.call("apGET", "z1")
    assert points.status_code == 200
    listed = points.parsed.access_point_list.access_point
    assert [(p.access_point_id, p.connection_type.value) for p in listed] == [
        ("A1", "Macro"),
        ("A2", "Macro"),
    ]
    point = await v2.call("apByIdGET", "z1", "A2")
    assert point.parsed.access_point_info.resource_url == (
        f"{BASE_URL}{BASE_V2}/queries/zones/z1/accessPoints/A2"
    )

    distance = await v2.call("distanceGET", address=[RUN, STILL])
    assert distance.parsed.terminal_distance.distance == 250


async def test_v221_base_on_every_host(api: httpx.AsyncClient) -> None:
    r = await api.get(f"/hosts/mec-2{BASE_V2}/queries/zones/z2/accessPoints")
    assert r.status_code == 200
    body = inner(r.json())
    assert body["resourceURL"] == f"{BASE_URL}/hosts/mec-2{BASE_V2}/queries/zones/z2/accessPoints"
    assert [(p["accessPointId"], p["connectionType"]) for p in body["accessPoint"]] == [
        ("B1", "Macro")
    ]
