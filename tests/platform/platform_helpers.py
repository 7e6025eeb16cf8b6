"""Small helpers of the platform core's tests: short retries, bare subscriptions and
notifications, metric samples, and a world of four MEC hosts.

The notification receiver is tests/receiver.py; ``until`` is in tests/helpers.py.
"""

from __future__ import annotations

from typing import Any

from meclab.metrics import Metrics
from meclab.platform.delivery import RetryPolicy
from meclab.platform.subscription import Subscription

FAST = RetryPolicy(initial_s=0.01, factor=2.0, max_s=0.05, jitter=0.0)
"""Retries within tens of milliseconds, so that a test sees many of them quickly."""


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """A metric sample's value (0 when it was never touched)."""
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def make_sub(
    sub_id: str,
    callback: str | None = None,
    *,
    websocket: bool = False,
    api: str = "test_api",
    host: str = "mec-1",
) -> Subscription:
    """A bare live subscription, as the registry would hold it."""
    return Subscription(
        id=sub_id,
        host=host,
        api=api,
        type="TestSubscription",
        body={},
        href=f"http://meclab.test/subs/{sub_id}",
        callback=callback,
        websocket=websocket,
    )


def note(n: int, kind: str = "TestNotification", **extra: Any) -> dict[str, Any]:
    """A numbered notification body."""
    return {"notificationType": kind, "n": n, **extra}


def host(name: str, x: float, apps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": name, "position": [7.40 + x, 43.70], "apps": apps or []}


def cell(name: str, x: float, n: int, fog: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "name": name,
        "type": "4G",
        "position": [7.40 + x, 43.70],
        "radius_m": 500.0,
        "cell_id": f"{n:X}",
        "fog_nodes": [{"name": f} for f in fog],
    }


def four_hosts_doc(apps: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Two operators; MEC hosts h1, h2 and fog node fog1 in zone z1, h3 in z2 (both op1), h4
    in z3 of op2. ``apps`` puts applications on the MEC hosts by name.

    ::

        op1 ── z1 ── h1, h2, p1 ── fog1
           └── z2 ── h3, p2
        op2 ── z3 ── h4, p3
    """
    apps = apps or {}
    return {
        "name": "four-hosts",
        "domains": [
            {
                "name": "op1",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "z1",
                        "mec_hosts": [
                            host("h1", 0.0, apps.get("h1")),
                            host("h2", 0.01, apps.get("h2")),
                        ],
                        "poas": [cell("p1", 0.0, 1, fog=("fog1",))],
                    },
                    {
                        "name": "z2",
                        "mec_hosts": [host("h3", 0.05, apps.get("h3"))],
                        "poas": [cell("p2", 0.05, 2)],
                    },
                ],
            },
            {
                "name": "op2",
                "mcc": "001",
                "mnc": "02",
                "zones": [
                    {
                        "name": "z3",
                        "mec_hosts": [host("h4", 0.1, apps.get("h4"))],
                        "poas": [cell("p3", 0.1, 3)],
                    }
                ],
            },
        ],
    }
