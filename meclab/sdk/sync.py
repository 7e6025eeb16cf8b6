"""``SyncPlatform``: the async clients of :class:`~meclab.sdk.platform.MecPlatform`, callable
from scripts and notebooks without ``await``.

::

    with SyncPlatform(PlatformConfig("http://127.0.0.1:8080")) as mec:
        print(mec.location.users(zone_id="zone-a"))
        print(mec.host("mec-b").rnis.subscriptions())

The clients run on an event loop of their own, in a daemon thread, so a call works whether or
not the calling thread already runs a loop (Jupyter does: ``asyncio.run`` would refuse there).
Each call blocks until its answer; errors are the same :class:`~meclab.sdk.errors.SdkError`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Self, TypeVar

from meclab.sdk.config import PlatformConfig
from meclab.sdk.platform import MecPlatform

T = TypeVar("T")

CLIENTS = ("app_support", "service_mgmt", "rnis", "location", "location_v2", "wai", "ueid", "ams")


class _Loop:
    """An event loop running in a daemon thread; :meth:`run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="meclab-sdk", daemon=True)
        self.thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapped(), self.loop)
        return future.result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class SyncClient:
    """One async client, its coroutine methods turned into blocking calls."""

    def __init__(self, client: object, loop: _Loop) -> None:
        self._client = client
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute
        method: Callable[..., Awaitable[Any]] = attribute

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run(method(*args, **kwargs))

        return call


class SyncPlatform:
    """A :class:`MecPlatform` for synchronous code: the same clients, blocking."""

    app_support: SyncClient
    service_mgmt: SyncClient
    rnis: SyncClient
    location: SyncClient
    location_v2: SyncClient
    wai: SyncClient
    ueid: SyncClient

    def __init__(self, config: PlatformConfig) -> None:
        loop = _Loop()

        async def opened() -> MecPlatform:  # its session belongs to the loop's thread
            return await MecPlatform(config).__aenter__()

        self._bind(loop.run(opened()), loop, owned=True)

    def _bind(self, platform: MecPlatform, loop: _Loop, *, owned: bool) -> None:
        self.platform, self._loop, self._owned = platform, loop, owned
        self.config = platform.config
        for name in CLIENTS:
            setattr(self, name, SyncClient(getattr(platform, name), loop))

    @classmethod
    def from_env(cls) -> SyncPlatform:
        """The platform the environment names (:meth:`PlatformConfig.from_env`)."""
        return cls(PlatformConfig.from_env())

    def host(self, name: str) -> SyncPlatform:
        """The platform of meclab's MEC host ``name``, on this one's session and loop."""
        other = SyncPlatform.__new__(SyncPlatform)
        other._bind(self.platform.host(name), self._loop, owned=False)
        return other

    def close(self) -> None:
        """Close the session and stop the loop (a :meth:`host` leaves them to its parent)."""
        if self._owned:
            self._loop.run(self.platform.close())
            self._loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
