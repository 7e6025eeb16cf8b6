"""Notifications over a websocket, for apps the platform cannot reach (``requestWebsocketUri``).

A subscription made with ``websockNotifConfig: {"requestWebsocketUri": true}`` gets a
``websocketUri`` back (MEC 009 clause 6.12a, which every subscribing API adopts); the platform
then sends each notification as one JSON text frame and keeps those sent while no socket is
open. :class:`WebSocketDelivery` connects there, reads every frame into its typed model
(:mod:`meclab.sdk.notifications`) and hands it to the callback, reconnecting after a dropped
connection (waiting ``reconnect_s``, doubled up to ``max_reconnect_s``)::

    async with HttpClient(config) as http:
        sub = await http.post("/rni/v2/subscriptions", body, CellChangeSubscription)
        uri = sub.body.websockNotifConfig.websocketUri
        async with WebSocketDelivery(http, uri, Api.RNIS, on_cell_change) as delivery:
            ...

A frame the SDK cannot read is logged and counted (``unparseable``) and the socket stays open.
The platform closes with code 4404 when it knows no websocket subscription of that id, at
connection or once the subscription is deleted or expires: the delivery then stops and
:meth:`WebSocketDelivery.wait` raises :class:`SubscriptionGone`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Self

import aiohttp

from meclab.sdk.errors import PlatformUnreachable, SdkError, SubscriptionGone
from meclab.sdk.http import HttpClient
from meclab.sdk.notifications import Api
from meclab.sdk.receiver import Callback, Dispatcher, Route

log = logging.getLogger(__name__)

CLOSE_UNKNOWN_SUBSCRIPTION = 4404
"""meclab's close code for a websocket URI that names no websocket subscription."""


class WebSocketDelivery(Dispatcher):
    """Receives one subscription's notifications from ``uri`` (see the module docstring).

    ``http`` lends its session and access token, so the socket sees the platform as the REST
    calls do: each connection, the first and every reconnection, sends the token good at that
    moment (renewed by the token source when due), and a handshake refused for an invalid
    token drops it, so the next attempt fetches a new one. A token endpoint that does not
    answer is retried like the platform; one that refuses the client stops the delivery
    (:meth:`wait` raises its :class:`~meclab.sdk.errors.AuthenticationFailed`).
    """

    def __init__(
        self,
        http: HttpClient,
        uri: str,
        api: Api,
        callback: Callback,
        *,
        reconnect_s: float = 0.5,
        max_reconnect_s: float = 30.0,
    ) -> None:
        super().__init__()
        self.uri = uri
        self.connected = asyncio.Event()
        """Set while a socket is open."""
        self._http = http
        self._route = Route(api, callback)
        self._reconnect_s = reconnect_s
        self._max_reconnect_s = max_reconnect_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Connect and keep reading in the background."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def wait(self) -> None:
        """Until the delivery stops; raises :class:`SubscriptionGone` if the platform refused."""
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        """Close the socket, after the callbacks already started."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, SdkError):
                await self._task
        await self.drain()

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _run(self) -> None:
        delay = self._reconnect_s
        while True:
            try:
                if await self._session_once():
                    delay = self._reconnect_s  # it was up: start the backoff afresh
            except (aiohttp.ClientError, OSError, TimeoutError, PlatformUnreachable) as exc:
                log.warning("websocket %s: %s; retrying in %g s", self.uri, exc, delay)
            finally:
                self.connected.clear()  # also when the subscription is gone or we stop
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_reconnect_s)

    async def _session_once(self) -> bool:
        """Read one connection to its end; whether it had opened."""
        token = await self._http.bearer_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            ws = await self._http.session().ws_connect(
                self.uri, headers=headers, timeout=aiohttp.ClientWSTimeout(ws_close=5.0)
            )
        except aiohttp.WSServerHandshakeError as exc:
            # A server closing before it accepts (meclab's 4404) shows as a refused handshake
            # through ASGI servers that cannot send a close frame then (uvicorn: 403).
            if exc.status in (403, 404):
                raise SubscriptionGone(self.uri, f"handshake refused ({exc.status})") from exc
            self._http.refused(token, exc.status, exc.headers or {})
            raise
        async with ws:
            self.connected.set()
            while True:
                message = await ws.receive()
                if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    self.deliver(self._route, message.data)
                    continue
                if message.type is aiohttp.WSMsgType.CLOSE:
                    if message.data == CLOSE_UNKNOWN_SUBSCRIPTION:
                        raise SubscriptionGone(self.uri, str(message.extra or ""))
                    log.info("websocket %s closed (%s)", self.uri, message.data)
                break
        return True
