"""User-context relocation: an instance pushes a user's sealed context to another instance.

When a user moves to a zone another MEC host serves, MEC 021 tells the instance serving it
(the source) which instance takes over (``targetAppInfo.appInstanceId``) and where it is reached
(``commInterface.ipAddresses[{host, port}]``). :class:`UserContextRelocation` carries the
user's context there: exported from the :class:`~meclab.sdk.context.ContextStore`, sealed with
the application's :class:`~meclab.sdk.sealing.ContextKey`, posted to the target's endpoint
(through meclab's data plane: the target's address is emulated), opened, checked and imported::

    app = EdgeApp()
    store = ContextStore()
    relocation = UserContextRelocation(app, store, ContextKey.from_env())

    @relocation.on_relocation
    def moved(event: RelocationEvent) -> None:
        if event.direction is Direction.OUT:
            store.remove(event.user)                  # the target serves the user now

    # on a MobilityProcedureNotification naming the target:
    await relocation.push(user, target_id, host, port)

The endpoint, on the app's own server: ``POST /meclab-sdk/v1/contexts/{user}`` (the user's
address, one path segment), the body the sealed form (:mod:`meclab.sdk.sealing`) with
``Content-Type: application/vnd.meclab.sealed-context`` and the headers
``Meclab-Context-Source`` (the sender's appInstanceId), ``Meclab-Context-Target`` (the
addressee's), ``Meclab-Context-Revision`` (the context's revision) and, optionally,
``Meclab-Context-Stage``: ``provisional`` for a copy sent ahead while the source still serves
the user (a newer, final one follows), ``final`` (the default) for the last one. The answers:

=====  =========================================================================================
204    imported; the target's ``on_import`` hook ran, then its ``on_relocation`` hooks run
400    a header missing or malformed, or a body that is no sealed context (names which)
409    the revision is not newer than the one held for that user: a replay or a late copy
413    body larger than ``max_bytes``
415    another content type
421    addressed to another instance (``Meclab-Context-Target``)
422    the seal does not open (another key, altered, bound to another user, source, target or
       revision) or the blob inside is not this user's context at that revision
500    the application's ``on_import`` hook raised
=====  =========================================================================================

``GET /meclab-sdk/v1/contexts/{user}/arrival?wait=S``, with the same three headers and
``Meclab-Context-Proof`` (an empty payload sealed for that binding, base64url: only a holder
of the key asks), waits at most ``S`` seconds (30 at most) for the user's first request at
the target (:meth:`UserContextRelocation.arrived`) and answers ``{"arrived": true|false}``.
A source that pushed a provisional copy asks it, so that it learns the switch has happened
from the user itself, as soon as the target sees the user, and sends the final copy then.

Every refusal is RFC 7807 problem details. The revision is checked after the seal is opened,
so only a holder of the key learns what revision an instance holds.

A re-push is a new export, hence a newer revision: the final sync after the switch lands.

Errors, added to the tree of :mod:`meclab.sdk.errors`::

    SdkError
      ├── ContextNotFound          push of a user the store holds no context of
      └── RelocationFailed         a push that did not land; names the user, target and URL
            ├── TargetUnreachable  no answer: refused, data plane refusal, timeout
            └── RelocationRefused  the target answered an error: ``status``, ``problem``
"""

from __future__ import annotations

import asyncio
import base64
import enum
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from meclab.platform.wire import ProblemDetails
from meclab.sdk.app import EdgeApp
from meclab.sdk.context import ContextFormatError, ContextNotFound, ContextStore, read_blob
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import ConfigError, SdkError
from meclab.sdk.problem import problem_response
from meclab.sdk.sealing import Binding, ContextIntegrityError, ContextKey, SealFormatError

log = logging.getLogger(__name__)

PATH = "/meclab-sdk/v1/contexts/{user}"
"""Where an instance takes sealed contexts, on its own server."""
SEALED_MEDIA = "application/vnd.meclab.sealed-context"
HEADER_SOURCE = "Meclab-Context-Source"
HEADER_TARGET = "Meclab-Context-Target"
HEADER_REVISION = "Meclab-Context-Revision"
HEADER_STAGE = "Meclab-Context-Stage"
HEADER_PROOF = "Meclab-Context-Proof"
ARRIVAL_PROOF = b"arrival"
"""What a proof seals: nothing secret, the seal itself (AES-GCM under the app's key) is the
proof."""
MAX_ARRIVAL_WAIT_S = 30.0
PUSH_TIMEOUT_S = 10.0
MAX_BYTES = 16 * 1024 * 1024
"""The largest sealed context the endpoint takes by default."""


class Stage(enum.StrEnum):
    """Whether a pushed context is the last of its relocation (``Meclab-Context-Stage``)."""

    PROVISIONAL = "provisional"
    """Sent ahead while the source still serves the user: a final copy follows."""
    FINAL = "final"


class Direction(enum.StrEnum):
    """Which way a context went, seen from the instance reporting it."""

    OUT = "out"
    IN = "in"


@dataclass(frozen=True, slots=True)
class RelocationEvent:
    """A user's context that left (``OUT``, at the source) or arrived (``IN``, at the target)."""

    direction: Direction
    user: str
    """The user's address (``acr:10.0.0.1``)."""
    source: str
    """The appInstanceId that sent it."""
    target: str
    """The appInstanceId that took it."""
    revision: int
    """The context's revision."""
    size: int
    """Bytes of the sealed context."""
    seconds: float
    """OUT: export to answer; IN: request arrival to import done."""
    stage: Stage = Stage.FINAL
    """Whether a final copy follows (``PROVISIONAL``) or this is it."""


Hook = Callable[[RelocationEvent], Awaitable[None] | None]
"""An ``on_relocation`` hook: a coroutine function or a plain one."""


class RelocationFailed(SdkError):
    """A push of ``user``'s context to ``target`` at ``url`` that did not land."""

    def __init__(self, user: str, target: str, url: str, reason: str) -> None:
        self.user = user
        self.target = target
        self.url = url
        self.reason = reason
        super().__init__(f"context of {user} to {target} at {url}: {reason}")


class TargetUnreachable(RelocationFailed):
    """No answer from the target: connection refused, refused by the data plane, timeout."""


class RelocationRefused(RelocationFailed):
    """The target answered ``status`` with the problem details ``problem``."""

    def __init__(
        self, user: str, target: str, url: str, status: int, problem: ProblemDetails
    ) -> None:
        self.status = status
        self.problem = problem
        what = problem.detail or problem.title or "no detail given"
        super().__init__(user, target, url, f"refused {status}: {what}")


class UserContextRelocation:
    """The relocation channel of one instance: the endpoint on ``app.web`` and :meth:`push`.

    Make it before the app serves (its route is added to ``app.web`` here). Pushes go through
    ``plane``; when none is given, through meclab's data plane located on the first push as
    the app's appInstanceId (``MECLAB_SOCKS_URL``, else the control API of ``app.config``);
    ``direct=True`` connects straight to the target instead (a network that reaches it).
    """

    def __init__(
        self,
        app: EdgeApp,
        store: ContextStore,
        key: ContextKey,
        *,
        plane: DataPlane | None = None,
        direct: bool = False,
        timeout_s: float = PUSH_TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        if direct and plane is not None:
            raise ConfigError("push through a data plane or direct, not both")
        self.app = app
        self.store = store
        self.key = key
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.hook_errors = 0
        """``on_relocation`` hooks that raised (logged, never stopping a relocation)."""
        self._plane = plane
        self._direct = direct
        self._hooks: list[Hook] = []
        self._client: aiohttp.ClientSession | None = None
        self._poller: aiohttp.ClientSession | None = None
        self._arrivals: dict[str, asyncio.Event] = {}
        app.web.router.add_post(PATH, self._receive)
        app.web.router.add_get(PATH + "/arrival", self._arrival)
        app.web.on_cleanup.append(lambda _web: self.close())

    def on_relocation(self, hook: Hook) -> Hook:
        """Decorator: ``hook(event)`` after each context pushed or imported."""
        self._hooks.append(hook)
        return hook

    # --- the source's side ------------------------------------------------------------------

    async def push(
        self,
        user: str,
        target_instance_id: str,
        host: str,
        port: int,
        *,
        stage: Stage = Stage.FINAL,
        timeout_s: float | None = None,
    ) -> RelocationEvent:
        """Seal ``user``'s context for ``target_instance_id`` and post it to ``host:port``
        (``targetAppInfo.commInterface.ipAddresses[]``); what went, once the target took it.
        ``stage`` tells the target whether a final copy follows.
        """
        if user not in self.store:
            raise ContextNotFound(user)
        source = self.app.app_instance_id
        waited = self.timeout_s if timeout_s is None else timeout_s
        url = self._url(host, port, user)
        started = time.monotonic()
        blob = self.store.export(user)
        revision = self.store.revision(user)
        sealed = self.key.seal(blob, Binding(user, source, target_instance_id, revision))
        headers = {
            "Content-Type": SEALED_MEDIA,
            "Accept": "application/problem+json",
            HEADER_SOURCE: source,
            HEADER_TARGET: target_instance_id,
            HEADER_REVISION: str(revision),
            HEADER_STAGE: stage.value,
        }
        timeout = aiohttp.ClientTimeout(total=waited)
        client = await self._session()
        try:
            try:
                status, raw = await _post(client, url, sealed, headers, timeout)
            except aiohttp.ServerDisconnectedError:
                # A kept-alive connection the target closed meanwhile: once more, on a new one.
                status, raw = await _post(client, url, sealed, headers, timeout)
        except TimeoutError as exc:
            raise TargetUnreachable(
                user, target_instance_id, url, f"no answer within {waited:g} s"
            ) from exc
        except SdkError as exc:  # the data plane's refusals, typed by its connector
            raise TargetUnreachable(user, target_instance_id, url, str(exc)) from exc
        except aiohttp.ClientError as exc:
            reason = str(exc) or type(exc).__name__
            raise TargetUnreachable(user, target_instance_id, url, reason) from exc
        if status != 204:
            problem = _problem(status, raw)
            raise RelocationRefused(user, target_instance_id, url, status, problem)
        event = RelocationEvent(
            Direction.OUT,
            user,
            source,
            target_instance_id,
            revision,
            len(sealed),
            time.monotonic() - started,
            stage,
        )
        await self._run_hooks(event)
        return event

    async def await_arrival(
        self,
        user: str,
        target_instance_id: str,
        host: str,
        port: int,
        revision: int,
        *,
        wait_s: float = MAX_ARRIVAL_WAIT_S,
    ) -> bool:
        """Whether ``user`` reached the target (its first request there) within ``wait_s``;
        ``revision``: that of the copy pushed there. RelocationFailed when it cannot be told."""
        source = self.app.app_instance_id
        proof = self.key.seal(ARRIVAL_PROOF, Binding(user, source, target_instance_id, revision))
        headers = {
            "Accept": "application/json",
            HEADER_SOURCE: source,
            HEADER_TARGET: target_instance_id,
            HEADER_REVISION: str(revision),
            HEADER_PROOF: base64.urlsafe_b64encode(proof).decode(),
        }
        url = self._url(host, port, user) + f"/arrival?wait={wait_s:g}"
        # A session of its own: the connection pushes use stays free for the final copy.
        if self._poller is None:
            self._poller = aiohttp.ClientSession(connector=await self._connector())
        limit = aiohttp.ClientTimeout(total=wait_s + self.timeout_s)
        try:
            async with self._poller.get(url, headers=headers, timeout=limit) as response:
                status, raw = response.status, await response.read()
        except (TimeoutError, aiohttp.ClientError, SdkError) as exc:
            reason = str(exc) or type(exc).__name__
            raise TargetUnreachable(user, target_instance_id, url, reason) from exc
        if status != 200:
            raise RelocationRefused(user, target_instance_id, url, status, _problem(status, raw))
        try:
            return bool(json.loads(raw)["arrived"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RelocationFailed(
                user, target_instance_id, url, f"bad answer {raw[:100]!r}"
            ) from exc

    def arrived(self, user: str) -> None:
        """``user``, whose provisional copy came in, made a request here: the source asking
        (or about to ask) is answered. Forgotten when the final copy comes, or the next
        provisional one."""
        self._arrivals.setdefault(user, asyncio.Event()).set()

    @staticmethod
    def _url(host: str, port: int, user: str) -> str:
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{PATH.format(user=quote(user, safe=''))}"

    async def _session(self) -> aiohttp.ClientSession:
        """One session for every push, so that the connection to a target opened by a first
        push (made ahead of a move) carries the final one at once."""
        if self._client is None:
            self._client = aiohttp.ClientSession(connector=await self._connector())
        return self._client

    async def _connector(self) -> aiohttp.BaseConnector:
        if self._direct:
            return aiohttp.TCPConnector()
        if self._plane is None:
            self._plane = await DataPlane.locate(self.app.app_instance_id, self.app.config)
        return self._plane.connector()

    async def close(self) -> None:
        """Close the connections pushes keep (done when the app's server winds down)."""
        for client in (self._client, self._poller):
            if client is not None:
                await client.close()
        self._client = self._poller = None

    # --- the target's side ------------------------------------------------------------------

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        user = request.match_info["user"]
        if request.content_type != SEALED_MEDIA:
            return problem_response(
                415, f"Content-Type must be {SEALED_MEDIA}, not {request.content_type!r}"
            )
        parties = _parties(request)
        if isinstance(parties, web.Response):
            return parties
        source, target, revision = parties
        stage_text = request.headers.get(HEADER_STAGE, Stage.FINAL.value).strip()
        if stage_text not in set(Stage):
            stages = " or ".join(repr(s.value) for s in Stage)
            return problem_response(
                400, f"header {HEADER_STAGE} must be {stages}, not {stage_text!r}"
            )
        me = self.app.app_instance_id
        if target != me:
            return _misdirected(target, me)
        sealed = await _body(request, self.max_bytes)
        if sealed is None:
            return problem_response(413, f"a sealed context here is at most {self.max_bytes} B")
        binding = Binding(user, source, me, revision)
        try:
            context = read_blob(self.key.open(sealed, binding))
        except SealFormatError as exc:
            return problem_response(400, f"body: {exc}")
        except (ContextIntegrityError, ContextFormatError) as exc:
            log.warning("refused the context of %s from %s: %s", user, source, exc)
            return problem_response(422, str(exc))
        if context.user != user or context.revision != binding.revision:
            return problem_response(
                422,
                f"the sealed blob is {context.user}'s at revision {context.revision}, "
                f"labelled {user}'s at revision {binding.revision}",
            )
        held = self.store.revision(user)
        if context.revision <= held:
            return problem_response(
                409,
                f"revision {context.revision} of {user} is not newer than revision {held} "
                "held here",
            )
        waiting = self._arrivals.pop(user, None)  # a new relocation, or the end of this one
        if waiting is not None and stage_text == Stage.FINAL:
            waiting.set()  # a source still asking has its answer: it sent the final copy
        try:
            self.store.adopt(context)
        except Exception:
            log.exception("on_import of %s's context failed", user)
            return problem_response(500, f"the application failed to import {user}'s context")
        event = RelocationEvent(
            Direction.IN,
            user,
            source,
            me,
            context.revision,
            len(sealed),
            time.monotonic() - started,
            Stage(stage_text),
        )
        # Answered before the hooks run, so that a slow hook never holds the source's push.
        response = web.Response(status=204)
        await response.prepare(request)
        await response.write_eof()
        await self._run_hooks(event)
        return response

    async def _arrival(self, request: web.Request) -> web.StreamResponse:
        user = request.match_info["user"]
        parties = _parties(request)
        if isinstance(parties, web.Response):
            return parties
        source, target, revision = parties
        proof_text = request.headers.get(HEADER_PROOF, "").strip()
        me = self.app.app_instance_id
        if target != me:
            return _misdirected(target, me)
        try:
            wait_s = min(float(request.query.get("wait", "0")), MAX_ARRIVAL_WAIT_S)
        except ValueError:
            return problem_response(
                400, f"query wait must be seconds, not {request.query['wait']!r}"
            )
        try:
            proof = base64.urlsafe_b64decode(proof_text)
            opened = self.key.open(proof, Binding(user, source, me, revision))
        except (ValueError, SealFormatError, ContextIntegrityError):
            return problem_response(422, f"header {HEADER_PROOF} does not prove the key")
        if opened != ARRIVAL_PROOF:
            return problem_response(422, f"header {HEADER_PROOF} does not prove the key")
        event = self._arrivals.setdefault(user, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), max(wait_s, 0.0))
        except TimeoutError:
            return web.json_response({"arrived": False})
        return web.json_response({"arrived": True})

    async def _run_hooks(self, event: RelocationEvent) -> None:
        for hook in self._hooks:
            try:
                result = hook(event)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                self.hook_errors += 1
                log.exception("on_relocation hook %r failed", hook)


def _parties(request: web.Request) -> tuple[str, str, int] | web.Response:
    """(source, target, revision) from a request's headers, or the 400 naming the bad one."""
    source = request.headers.get(HEADER_SOURCE, "").strip()
    target = request.headers.get(HEADER_TARGET, "").strip()
    revision_text = request.headers.get(HEADER_REVISION, "").strip()
    for name, value in ((HEADER_SOURCE, source), (HEADER_TARGET, target)):
        if not value:
            return problem_response(400, f"header {name} is missing: the appInstanceId")
    if not revision_text.isdigit():
        return problem_response(
            400, f"header {HEADER_REVISION} must be a whole number, not {revision_text!r}"
        )
    return source, target, int(revision_text)


def _misdirected(target: str, me: str) -> web.Response:
    return problem_response(421, f"addressed to {target}; this instance is {me}")


async def _post(
    client: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    limit: aiohttp.ClientTimeout,
) -> tuple[int, bytes]:
    async with client.post(url, data=body, headers=headers, timeout=limit) as response:
        return response.status, await response.read()


async def _body(request: web.Request, limit: int) -> bytes | None:
    """The request body, or None once it passes ``limit`` bytes."""
    if (request.content_length or 0) > limit:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _problem(status: int, raw: bytes) -> ProblemDetails:
    text = raw.decode("utf-8", "replace").strip()
    try:
        return ProblemDetails.model_validate_json(raw)
    except ValidationError:
        return ProblemDetails(status=status, detail=text[:500] or None)
