"""Prometheus metrics, on a registry of their own (one per running meclab, none global).

Exposed by the app at ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    """Every collector meclab keeps, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.notifications_sent = Counter(
            "meclab_notifications_delivered",
            "Notifications delivered to subscribers",
            ["api", "transport"],
            registry=r,
        )
        self.api_requests = Counter(
            "meclab_api_requests",
            "API requests answered, by API (an ETSI API's first path segment, or control) and "
            "status class (2xx, 4xx, 5xx)",
            ["api", "code"],
            registry=r,
        )
        self.notification_attempts_failed = Counter(
            "meclab_notification_attempts_failed",
            "Notification delivery attempts that failed (each is retried)",
            ["api", "reason"],
            registry=r,
        )
        self.notifications_undelivered = Counter(
            "meclab_notifications_undelivered",
            "Notifications given up, with why",
            ["api", "reason"],
            registry=r,
        )
        self.notification_latency = Histogram(
            "meclab_notification_latency_seconds",
            "From queueing a notification to the subscriber's 2xx answer",
            ["api"],
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=r,
        )
