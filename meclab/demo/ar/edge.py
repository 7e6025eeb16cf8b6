"""The AR demo's edge component: AR features that follow the UE's radio (``meclab run``).

An :class:`~meclab.sdk.app.EdgeApp`. Once ready it subscribes to RNIS (ETSI GS MEC 012) for the
UE ``AR_UE_ADDRESS`` names: periodic measurement reports (MeasRepUeSubscription, trigger 1
PERIODICAL_REPORT_STRONGEST_CELLS: meclab reports every 5.12 s of simulation time) and cell
changes (CellChangeSubscription), both delivered to :data:`NOTIFY_PATH` of its own server.
Each report's serving-cell RSRP sets the feature level (:mod:`.levels`); a cell change drops
to the plain level of the next report, since the old cell's RSRP says nothing of the new one.

``POST /frames`` takes a camera frame (the client's sequence number in ``X-AR-Frame``) of that
UE, the user, and answers the overlay at the current level (``X-AR-Level``), with the
appInstanceId that served it (``X-AR-Instance``) and the user's frame count (``X-AR-Frames``).
The user's session (:mod:`.session`) lives in a :class:`~meclab.sdk.context.ContextStore`.
``AR_MOBILITY`` set (``assisted`` or ``self``, as :class:`~meclab.sdk.mobility.Mode` names
them) makes a :class:`~meclab.sdk.mobility.UserMobility` follow the user across MEC hosts in
that MEC 021 mode: its session goes to the instance of the target host, sealed with
``MECLAB_CONTEXT_KEY``, so that the count goes on there. Unset, the session stays here.

It keeps its overlays' bandwidth with MEC 015 BWM (:class:`~meclab.sdk.bandwidth.BandwidthNeed`):
the need is ``AR_FPS`` overlays a second at the current level, towards the UE; when what it
served over the last second stays below that (the downlink is crowded, so the client's frames
come slower), it asks for a session allocation of the need, replaced as the level changes and
released once the user sends no more frames here (gone, or relocated) or needs no overlay.

Every :data:`USAGE_EVERY_S` it reports the frames served to the cloud application
``AR_CLOUD_APP`` through meclab's data plane, as itself. Everything it learns and does is
recorded (:mod:`meclab.demo.results`), with wall-clock times: ``rsrp`` (with the report's own
``timeStamp``), ``level``, ``cell_change``, ``usage``, ``bandwidth`` (an allocation asked,
changed, released or refused), and with mobility ``relocation`` (each context sent or
received, as the SDK reports it) and ``relocated_away`` (a frame that came once the user's
context had left: answered 503 with ``Retry-After: 0``, so that the client asks again and
reaches the target).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from meclab.demo.ar.levels import OVERLAY_BYTES, Level, step
from meclab.demo.ar.session import ENV_FPS, HEADER_FRAME, HEADER_FRAMES, HEADER_INSTANCE, served
from meclab.demo.results import ResultWriter
from meclab.sdk.app import EdgeApp
from meclab.sdk.bandwidth import BandwidthNeed, Direction, ThroughputMeter
from meclab.sdk.clients.bwm import BwmClient
from meclab.sdk.context import ContextStore
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import ConfigError, SdkError
from meclab.sdk.mobility import Mode, UserMobility, UserRelocated
from meclab.sdk.problem import problem_response
from meclab.sdk.relocation import RelocationEvent
from meclab.services.bwm.models import SessionFilter
from meclab.services.rnis.models import (
    AssociateId,
    AssociateIdType,
    CellChangeNotification,
    CellChangeSubscription,
    FilterCriteriaAssocHo,
    FilterCriteriaAssocTri,
    MeasRepUeNotification,
    MeasRepUeSubscription,
    Trigger,
)

ENV_UE = "AR_UE_ADDRESS"
ENV_CLOUD = "AR_CLOUD_APP"
ENV_MOBILITY = "AR_MOBILITY"
NOTIFY_PATH = "/notifications/rni"
SUBSCRIPTIONS = "/rni/v2/subscriptions"
USAGE_EVERY_S = 1.0
SERVED_WINDOW_S = 2.0
"""The served rate is measured over this long: 20 frames at 10 a second, so that one frame
more or less in the window (the window's edges) moves it by 5 %, not 10 %."""
NEED_MARGIN = 0.8
"""Bandwidth is asked for when the served rate stays below this share of the need: well
below the window's quantisation, well above a level's step (a quarter)."""
RSRP_INDEX_OFFSET_DBM = -141.0
"""TS 36.133 Table 9.1.4-1: index n reports an RSRP in [-141 + n, -140 + n) dBm. The edge takes
the interval's lower bound, so that an integer threshold is met exactly when the index says so."""


def rsrp_dbm(index: int) -> float:
    """The RSRP a reported index stands for (the lower bound of its interval)."""
    return RSRP_INDEX_OFFSET_DBM + index


class ArEdge:
    """The edge's state: the level, the user's session, the usage not yet reported, the
    records. ``mobility``: the MEC 021 mode to follow the user in (None: it stays here)."""

    def __init__(
        self,
        app: EdgeApp,
        results: ResultWriter,
        ue_address: str,
        cloud: str,
        *,
        mobility: Mode | None = None,
        fps: float = 10.0,
    ) -> None:
        self.app = app
        self.fps = fps
        self.results = results
        self.user = ue_address
        self.associate = AssociateId(
            type=AssociateIdType.UE_IPV4_ADDRESS, value=ue_address.removeprefix("acr:")
        )
        self.cloud = cloud
        self.store = ContextStore()
        self.mobility: UserMobility | None = None
        if mobility is not None:  # the key: MECLAB_CONTEXT_KEY, every instance the same
            self.mobility = UserMobility(app, self.store, mode=mobility)
            self.mobility.on_relocation(self.relocated)
        self.level: Level | None = None
        self.pending: Counter[str] = Counter()
        self.pending_bytes = 0
        self.served = ThroughputMeter(SERVED_WINDOW_S)
        """Overlay bytes served lately."""
        self.frames = ThroughputMeter(USAGE_EVERY_S)
        """Frames received over the last second (a byte each)."""
        self.bandwidth: BandwidthNeed | None = None
        """The overlays' bandwidth, kept with BWM once the app serves (:meth:`started`)."""
        self.usage_task: asyncio.Task[None] | None = None
        app.post(NOTIFY_PATH)(self.on_notification)
        app.post("/frames")(self.on_frame)
        app.on_start(self.started)

    def record(self, kind: str, **fields: Any) -> None:
        self.results.write({"kind": kind, "wall": time.time(), **fields})

    def set_level(self, level: Level, why: str) -> None:
        if level != self.level:
            self.record(
                "level",
                level=level.name,
                before=None if self.level is None else self.level.name,
                why=why,
            )
        self.level = level

    async def started(self, app: EdgeApp) -> None:
        self.bandwidth = BandwidthNeed(
            BwmClient(app.http),
            app.app_instance_id,
            direction=Direction.DOWNLINK,
            session=SessionFilter(dstAddress=self.associate.value),
            margin=NEED_MARGIN,
            below_s=SERVED_WINDOW_S + USAGE_EVERY_S,  # a whole window at the need, then one more
        )
        callback = f"{app.url}{NOTIFY_PATH}"
        meas = MeasRepUeSubscription(
            subscriptionType="MeasRepUeSubscription",
            callbackReference=callback,
            filterCriteriaAssocTri=FilterCriteriaAssocTri(
                appInstanceId=app.app_instance_id,
                associateId=[self.associate],
                trigger=[Trigger.PERIODICAL_REPORT_STRONGEST_CELLS],
            ),
        )
        change = CellChangeSubscription(
            subscriptionType="CellChangeSubscription",
            callbackReference=callback,
            filterCriteriaAssocHo=FilterCriteriaAssocHo(
                appInstanceId=app.app_instance_id, associateId=[self.associate]
            ),
        )
        for body, model in ((meas, MeasRepUeSubscription), (change, CellChangeSubscription)):
            created = await app.http.post(SUBSCRIPTIONS, body, model)
            self.record("subscribed", type=body.subscriptionType, href=created.location)
        # Runs until the process ends (asyncio.run cancels it once the app has stopped).
        self.usage_task = asyncio.get_running_loop().create_task(self.report_usage())

    async def on_notification(self, request: web.Request) -> web.Response:
        data = await request.json()
        kind = data.get("notificationType") if isinstance(data, dict) else None
        try:
            if kind == "MeasRepUeNotification":
                note = MeasRepUeNotification.model_validate(data)
                rsrp = rsrp_dbm(note.rsrp)
                stamp = note.timeStamp.unix() if note.timeStamp else None
                self.record(
                    "rsrp", rsrp_dbm=rsrp, index=note.rsrp, cell=note.ecgi.cellId, stamp=stamp
                )
                self.set_level(step(self.level, rsrp), f"RSRP {rsrp:g} dBm")
            elif kind == "CellChangeNotification":
                change = CellChangeNotification.model_validate(data)
                self.record("cell_change", src=change.srcEcgi.cellId, trg=change.trgEcgi[0].cellId)
                self.level = None  # the next report sets the plain level
        except ValidationError as exc:
            return problem_response(400, str(exc)[:300])
        return web.Response(status=204)

    async def on_frame(self, request: web.Request) -> web.Response:
        frame = await request.read()
        level = self.level if self.level is not None else Level.REDUCED
        number = request.headers.get(HEADER_FRAME, "")
        try:
            async with self.session() as context:
                count = served(
                    context,
                    frame=int(number) if number.isdigit() else None,
                    size=len(frame),
                    level=level,
                )
        except UserRelocated as moved:
            self.record("relocated_away", user=moved.user, target=moved.target)
            return moved.response()  # 503, Retry-After: 0: the client's retry reaches the target
        overlay = bytes(OVERLAY_BYTES[level])
        self.served.add(len(overlay))
        self.frames.add(1)
        self.pending[level.name] += 1
        self.pending_bytes += len(frame) + len(overlay)
        return web.Response(
            body=overlay,
            headers={
                "X-AR-Level": level.name,
                HEADER_INSTANCE: self.app.app_instance_id,
                HEADER_FRAMES: str(count),
            },
            content_type="application/octet-stream",
        )

    def session(self) -> contextlib.AbstractAsyncContextManager[dict[str, Any]]:
        """The user's context, for one frame: with mobility, the SDK's session (the user taken
        on the first time, a context in transit waited for, UserRelocated once it has left)."""
        if self.mobility is None:
            return contextlib.nullcontext(self.store.get(self.user))
        return self.mobility.session(self.user)

    def relocated(self, event: RelocationEvent) -> None:
        """Record a context that left or arrived, as the SDK reports it."""
        self.record(
            "relocation",
            direction=event.direction.value,
            user=event.user,
            source=event.source,
            target=event.target,
            revision=event.revision,
            size=event.size,
            seconds=event.seconds,
        )

    async def report_usage(self) -> None:
        plane = await DataPlane.locate(self.app.app_instance_id)
        async with aiohttp.ClientSession(connector=plane.connector()) as session:
            while True:
                await asyncio.sleep(USAGE_EVERY_S)
                await self.keep_bandwidth()
                await self.send_usage(session)

    async def keep_bandwidth(self) -> None:
        """Ask BWM for the overlays' rate when the served rate falls short, release it once no
        frame came for a second (module docstring); record what changed."""
        if self.bandwidth is None:
            return
        level = self.level if self.level is not None else Level.REDUCED
        coming = self.frames.rate_bps() > 0
        self.bandwidth.set_need(self.fps * OVERLAY_BYTES[level] * 8 if coming else 0)
        before, refused = self.bandwidth.allocation, self.bandwidth.refused
        try:
            await self.bandwidth.observe(self.served.rate_bps())
        except SdkError as exc:
            self.record("bandwidth", action="failed", error=str(exc)[:200])
            return
        now = self.bandwidth.allocation
        if now is not None and before is None:
            self.record("bandwidth", action="asked", bps=int(now.fixedAllocation))
        elif now is None and before is not None:
            self.record("bandwidth", action="released")
        elif now is not None and before is not None and now != before:
            self.record("bandwidth", action="changed", bps=int(now.fixedAllocation))
        if self.bandwidth.refused is not None and self.bandwidth.refused is not refused:
            self.record("bandwidth", action="refused", detail=str(self.bandwidth.refused)[:200])

    async def send_usage(self, session: aiohttp.ClientSession) -> None:
        if not self.pending:
            return
        # Taken out before the request: frames served while it is under way count next time.
        by_level, size = self.pending, self.pending_bytes
        self.pending, self.pending_bytes = Counter(), 0
        report = {"frames": sum(by_level.values()), "bytes": size, "by_level": dict(by_level)}
        try:
            async with session.post(f"http://{self.cloud}/usage", json=report) as response:
                response.raise_for_status()
        except (aiohttp.ClientError, SdkError) as exc:
            self.record("usage_failed", error=str(exc)[:200])
            self.pending.update(by_level)  # sent with the next report
            self.pending_bytes += size
            return
        self.record("usage", **report)


def build() -> EdgeApp:
    """The edge application, from the environment (``meclab run`` and the demo set it)."""
    app = EdgeApp()
    mode = os.environ.get(ENV_MOBILITY, "").strip()
    try:
        mobility = Mode(mode) if mode else None
    except ValueError:
        known = ", ".join(m.value for m in Mode)
        raise ConfigError(f"{ENV_MOBILITY} is {mode!r}; it takes {known} (or unset)") from None
    try:
        fps = float(os.environ.get(ENV_FPS, "10"))
    except ValueError:
        raise ConfigError(
            f"{ENV_FPS} is {os.environ[ENV_FPS]!r}; it takes frames a second"
        ) from None
    ArEdge(
        app,
        ResultWriter.from_env(),
        os.environ[ENV_UE],
        os.environ[ENV_CLOUD],
        mobility=mobility,
        fps=fps,
    )
    return app


class Main:
    """What ``meclab run meclab.demo.ar.edge:Main`` calls: the app, built when it runs."""

    @staticmethod
    def run() -> None:
        build().run()
