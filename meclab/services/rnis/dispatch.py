"""From engine events and ticks to RNI notifications, through the shared subscription core.

Two paths, both fast and non-blocking (the runtime awaits them inside its tick):

* **events** (the bus): handovers, connections, disconnections and network characteristics
  changes update the E-RAB table (:mod:`.bearers`) and become cell change, RAB and S1 bearer
  notifications;
* **ticks** (``runtime.on_tick``): what follows measurements rather than events, namely
  measurement reports (:mod:`.triggers`), timing advance and carrier aggregation, is evaluated
  for the UEs each such subscription watches, and only when such subscriptions exist.

A notification goes to the subscriptions of the MEC hosts whose scope holds a cell it concerns
(:mod:`.southbound`), whose filter matches (:mod:`.criteria`); the platform core delivers it.

Timing advance and carrier aggregation report *changes*: what a subscription sees when it is
created (or restored after a restart) is its baseline, and each later change of a UE's timing
advance index or serving cell (TA), or of its set of secondary cells (CA), is notified; a UE
that comes into the subscription's view later counts as a change for TA, and for CA when it
has secondary cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from meclab.bus.base import EventRecord
from meclab.engine.events import Connected, Disconnected, Handover, NetCharChanged
from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.services.rnis import reports, scales
from meclab.services.rnis.bearers import BearerChange, Bearers, Change
from meclab.services.rnis.criteria import Criteria
from meclab.services.rnis.models_common import HoStatus, S1Event
from meclab.services.rnis.models_subscriptions import (
    CA_RECONF,
    CELL_CHANGE,
    MEAS_REP_UE,
    MEAS_TA,
    NR_MEAS_REP_UE,
    RAB_EST,
    RAB_MOD,
    RAB_REL,
    S1_BEARER,
)
from meclab.services.rnis.southbound import Southbound, UeRadio
from meclab.services.rnis.triggers import (
    LTE_RULES,
    NEVER,
    NR_RULES,
    ReportConfig,
    TriggerState,
    UeTriggers,
    evaluate,
    secondary_cells,
)

API = "rni"
TICK_TYPES = frozenset({MEAS_REP_UE, NR_MEAS_REP_UE, MEAS_TA, CA_RECONF})
EVENT_TYPES = (Handover, Connected, Disconnected, NetCharChanged)

_S1_EVENTS = {
    Change.ESTABLISHED: S1Event.S1_BEARER_ESTABLISH,
    Change.MOVED: S1Event.S1_BEARER_MODIFY,
    Change.RELEASED: S1Event.S1_BEARER_RELEASE,
}
"""S1 bearer events per E-RAB change; a QoS modification leaves the tunnel as it is."""


@dataclass(slots=True)
class Watch:
    """What a tick-driven subscription remembers of the UEs it watches."""

    last: dict[int, Any] = field(default_factory=dict)
    """TA: (cell, TA index); CA: (cell, secondary cells) per UE."""
    triggers: dict[int, UeTriggers] = field(default_factory=dict)
    """Measurement reports: reporting state per UE."""


class Dispatcher:
    """Turns the world's changes into notifications for RNIS subscriptions."""

    def __init__(
        self, platforms: Platforms, config: ReportConfig, wall: Callable[[], float]
    ) -> None:
        self.platforms = platforms
        self.config = config
        self.wall = wall
        self.view: Southbound | None = None
        self.bearers = Bearers()
        self.watches: dict[str, Watch] = {}

    # --- lifecycle -------------------------------------------------------------------------

    def load(self, world: World) -> None:
        """A world was built or resumed: rebuild derived state, without notifying anyone."""
        self.view = Southbound(world, self.platforms.hosts)
        self.bearers.rebuild(self.view)
        self.watches.clear()
        for host in self.platforms.hosts:
            for sub in self.platforms.subscriptions.subscribers(API, host):
                self.prime(sub)

    def prime(self, sub: Subscription) -> None:
        """Start watching a (new, replaced or restored) subscription from the world as it is."""
        self.watches.pop(sub.id, None)
        if sub.type not in TICK_TYPES or self.view is None:
            return
        watch = self.watches[sub.id] = Watch()
        if sub.type in (MEAS_TA, CA_RECONF):
            for ue in self._in_view(sub.criteria, sub.host, nr=False):
                radio = self.view.radio(ue)
                if radio is not None:
                    watch.last[ue] = self._observe(sub.type, radio)

    def forget(self, sub_id: str) -> None:
        self.watches.pop(sub_id, None)

    def _subs(self, hosts: Iterable[str], kind: str) -> list[Subscription]:
        registry = self.platforms.subscriptions
        return [s for h in hosts for s in registry.subscribers(API, h) if s.type == kind]

    def _send(self, subs: Sequence[Subscription], body: dict[str, Any]) -> None:
        for sub in subs:
            self.platforms.subscriptions.notify(sub, reports.for_subscription(body, sub.href))

    # --- events ----------------------------------------------------------------------------

    async def on_events(self, records: Sequence[EventRecord]) -> None:
        """Bus handler: follow each event, notify the subscriptions it concerns."""
        view = self.view
        if view is None:
            return
        # The E-RAB table follows every event; notifications are built only when someone listens.
        listening = bool(self.platforms.subscriptions.subscribers(API))
        for record in records:
            event = record.event
            if not isinstance(event, EVENT_TYPES):
                continue
            if isinstance(event, Handover | Connected | Disconnected) and (
                event.ue not in view.world.top.ue_index
            ):
                continue  # an event of another world (a scenario load is under way)
            changes = self.bearers.apply(event, view)
            if not listening:
                continue
            if isinstance(event, Handover):
                top = view.world.top
                source, target = top.poa_index[event.source], top.poa_index[event.target]
                if view.is_lte(source) and view.is_lte(target):
                    self._cell_change(view, top.ue_index[event.ue], source, target, record.wall)
            for change in changes:
                self._bearer_change(view, change, record.wall)

    def _cell_change(self, view: Southbound, ue: int, src: int, trg: int, wall: float) -> None:
        subs = self._subs(view.hosts_of((src, trg)), CELL_CHANGE)
        keys = reports.ue_keys(view, ue, self.bearers.table.get(ue))
        cells = {view.cells[src].key, view.cells[trg].key}
        wanted = [
            s
            for s in subs
            if HoStatus.COMPLETED in s.criteria.ho_status
            and s.criteria.ue_matches(keys)
            and s.criteria.cells_match(cells)
        ]
        if wanted:
            self._send(wanted, reports.cell_change(view, ue, src, trg, wall))

    def _bearer_change(self, view: Southbound, change: BearerChange, wall: float) -> None:
        bearer = change.bearer
        cells = [bearer.cell] if change.source_cell is None else [change.source_cell, bearer.cell]
        hosts = view.hosts_of(cells)
        keys = {view.cells[c].key for c in cells}

        def rab(kind: str) -> list[Subscription]:
            return [
                s
                for s in self._subs(hosts, kind)
                if s.criteria.erab_matches(bearer.erab_id, bearer.qci)
                and s.criteria.cells_match(keys)
            ]

        if change.change is Change.ESTABLISHED and (subs := rab(RAB_EST)):
            self._send(subs, reports.rab_est(view, bearer, wall))
        elif change.change is Change.MODIFIED and (subs := rab(RAB_MOD)):
            self._send(subs, reports.rab_mod(view, bearer, wall))
        elif change.change is Change.RELEASED and (subs := rab(RAB_REL)):
            self._send(subs, reports.rab_rel(view, bearer, wall))
        s1_event = _S1_EVENTS.get(change.change)
        if s1_event is None:
            return
        ue_keys = reports.ue_keys(view, bearer.ue, bearer)
        subs = [
            s
            for s in self._subs(hosts, S1_BEARER)
            if int(s1_event) in s.criteria.s1_events
            and s.criteria.ue_matches(ue_keys)
            and s.criteria.cells_match(keys)
            and s.criteria.erab_matches(bearer.erab_id, bearer.qci)
        ]
        if subs:
            self._send(subs, reports.s1_bearer(view, bearer, s1_event, wall))

    # --- ticks -----------------------------------------------------------------------------

    async def on_tick(self, world: World) -> None:
        """Tick listener: measurement reports, timing advance, carrier aggregation."""
        view = self.view
        if view is None or view.world is not world:
            return
        registry = self.platforms.subscriptions
        subs = [s for s in registry.subscribers(API) if s.type in TICK_TYPES]
        live = {s.id for s in subs}
        for gone in [i for i in self.watches if i not in live]:
            del self.watches[gone]
        if not subs:
            return
        now = world.state.t
        wall = self.wall()
        radios: dict[int, UeRadio | None] = {}

        def radio_of(ue: int) -> UeRadio | None:
            if ue not in radios:
                radios[ue] = view.radio(ue)
            return radios[ue]

        for sub in subs:
            watch = self.watches.get(sub.id)
            if watch is None:  # not primed (created while no world was loaded): baseline now
                self.prime(sub)
                continue
            nr = sub.type == NR_MEAS_REP_UE
            seen = set()
            for ue in self._in_view(sub.criteria, sub.host, nr=nr):
                radio = radio_of(ue)
                if radio is None:
                    continue
                seen.add(ue)
                if sub.type in (MEAS_TA, CA_RECONF):
                    self._change(sub, watch, radio, wall)
                else:
                    self._reports(sub, watch, radio, now, wall)
            for ue in [u for u in watch.last if u not in seen]:
                del watch.last[ue]
            for ue in [u for u in watch.triggers if u not in seen]:
                del watch.triggers[ue]

    def _in_view(self, criteria: Criteria, host: str, *, nr: bool) -> list[int]:
        """UEs a subscription watches: on its host's cells of the right type, as filtered."""
        view = self.view
        assert view is not None
        cells = [
            c
            for c in view.host_cells.get(host, ())
            if view.cells[c].nr == nr and criteria.cells_match((view.cells[c].key,))
        ]
        ues = view.ues_on(cells)
        if criteria.associates is None:
            return ues
        return [
            u
            for u in ues
            if criteria.ue_matches(reports.ue_keys(view, u, self.bearers.table.get(u)))
        ]

    @staticmethod
    def _observe(kind: str, radio: UeRadio) -> Any:
        if kind == MEAS_TA:
            return (radio.serving.cell, scales.timing_advance(radio.serving.distance_m))
        return (radio.serving.cell, frozenset(m.cell for m in secondary_cells(radio)))

    def _change(self, sub: Subscription, watch: Watch, radio: UeRadio, wall: float) -> None:
        view = self.view
        assert view is not None
        now = self._observe(sub.type, radio)
        before = watch.last.get(radio.ue)
        watch.last[radio.ue] = now
        if before == now:
            return
        if sub.type == MEAS_TA:
            self._send([sub], reports.meas_ta(view, radio, now[1], wall))
            return
        old: frozenset[int] = before[1] if before is not None else frozenset()
        order = [m.cell for m in secondary_cells(radio)]
        added = [c for c in order if c not in old]
        removed = sorted(old - now[1])
        if added or removed:
            self._send([sub], reports.ca_reconf(view, radio, added, removed, wall))

    def _reports(
        self, sub: Subscription, watch: Watch, radio: UeRadio, now: float, wall: float
    ) -> None:
        view = self.view
        assert view is not None
        state = watch.triggers.get(radio.ue)
        if state is None or state.serving != radio.serving.cell:
            state = watch.triggers[radio.ue] = UeTriggers(radio.serving.cell)
        nr = sub.type == NR_MEAS_REP_UE
        rules = NR_RULES if nr else LTE_RULES
        build = reports.nr_report if nr else reports.lte_report
        for trigger in sub.criteria.triggers:
            rule = rules.get(trigger, NEVER)
            fired = evaluate(
                rule, state.states.setdefault(trigger, TriggerState()), radio, self.config, now
            )
            if fired is not None:
                body = build(
                    view,
                    radio,
                    trigger,
                    rule.other_rat,
                    fired,
                    self.config.max_report_cells,
                    wall,
                )
                self._send([sub], body)
