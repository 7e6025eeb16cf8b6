"""The catalogue's schema validator: every problem, each with its JSON path and clause."""

from __future__ import annotations

from meclab.conformance.catalogue.mec011 import SERVICE_MGMT
from meclab.conformance.schema import Problem, validate


def service(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "serName": "x",
        "version": "1",
        "state": "ACTIVE",
        "serializer": "JSON",
        "transportInfo": {
            "id": "t",
            "name": "n",
            "type": "REST_HTTP",
            "protocol": "HTTP",
            "version": "1",
            "endpoint": {"uris": ["http://x"]},
            "security": {},
        },
        "_links": {"self": {"href": "http://x/services/1"}},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_a_right_body_has_no_problem_and_unknown_members_are_allowed() -> None:
    assert validate(service(vendorExtension={"a": 1}), "ServiceInfo", SERVICE_MGMT.schemas) == []
    assert validate([service(), service()], "[ServiceInfo]", SERVICE_MGMT.schemas) == []


def test_every_problem_is_found_with_its_path() -> None:
    transport = {
        "id": "t",
        "name": "n",
        "type": "SMOKE_SIGNALS",
        "protocol": "HTTP",
        "version": 1,
        "security": {},
    }
    body = service(serializer=None, state="ASLEEP", transportInfo=transport, isLocal="yes")
    problems = validate([service(), body], "[ServiceInfo]", SERVICE_MGMT.schemas)
    assert [(p.path, p.actual) for p in problems] == [
        ("$[1].state", "'ASLEEP'"),
        ("$[1].transportInfo.type", "'SMOKE_SIGNALS'"),
        ("$[1].transportInfo.version", "integer 1"),
        ("$[1].transportInfo.endpoint", "absent"),
        ("$[1].serializer", "absent"),
        ("$[1].isLocal", "string 'yes'"),
    ]
    assert problems[0] == Problem(
        "$[1].state", "one of ACTIVE, INACTIVE, SUSPENDED", "'ASLEEP'", "MEC 011 §8.1.2.2"
    )
    assert problems[1].clause == "MEC 011 §8.1.2.3"  # TransportInfo's own clause


def test_the_wrong_kind_of_body() -> None:
    assert validate({"a": 1}, "[ServiceInfo]", SERVICE_MGMT.schemas) == [
        Problem("$", "an array of ServiceInfo", "object", "MEC 011 §8.1.2.2")
    ]
    assert validate([1], "[ServiceInfo]", SERVICE_MGMT.schemas)[0].actual == "integer"
