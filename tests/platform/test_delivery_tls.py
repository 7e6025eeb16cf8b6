"""Notifications to ``https`` callbacks: the receiver's certificate is verified, against the
system's CAs or the trust meclab is given (``meclab up --callback-ca``)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from aiohttp import web
from helpers import free_port, until
from platform_helpers import FAST, make_sub, note

from meclab.metrics import Metrics
from meclab.platform.delivery import Notifier
from meclab.security.ca import LocalCA


def failed_attempts(metrics: Metrics) -> float:
    return sum(
        sample.value
        for family in metrics.registry.collect()
        if family.name == "meclab_notification_attempts_failed"
        for sample in family.samples
        if sample.name.endswith("_total")
    )


async def https_receiver(ca: LocalCA, got: list[Any]) -> tuple[web.AppRunner, int]:
    """A receiver serving HTTPS with a certificate from ``ca``, collecting what is POSTed."""

    async def take(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(status=204)

    files = ca.server_files(["127.0.0.1"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    app = web.Application()
    app.router.add_post("/cb", take)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    return runner, port


async def test_an_untrusted_receiver_gets_nothing_and_a_trusted_one_everything(
    tmp_path: Path,
) -> None:
    ca = LocalCA(tmp_path / "ca")
    got: list[Any] = []
    runner, port = await https_receiver(ca, got)
    url = f"https://127.0.0.1:{port}/cb"
    metrics = Metrics()
    strict = Notifier(policy=FAST, metrics=metrics)
    trusting = Notifier(policy=FAST, trust=ssl.create_default_context(cafile=str(ca.file)))
    try:
        refused = make_sub("s-strict", url)
        strict.send(refused, note(1))
        await until(lambda: failed_attempts(metrics) >= 2, "failed attempts")
        assert got == []
        assert strict.pending("s-strict") == 1  # kept, retried: nothing lost
        trusted = make_sub("s-trusted", url)
        trusting.send(trusted, note(2))
        await until(lambda: trusting.delivered == 1, "the delivery")
        assert got == [{"notificationType": "TestNotification", "n": 2}]
    finally:
        await strict.close()
        await trusting.close()
        await runner.cleanup()
