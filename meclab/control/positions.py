"""The body of ``GET /meclab/v1/terminals/positions``, encoded once per world state.

Every open dashboard polls it several times a second, and at 10,000 terminals encoding it is
most of the request's cost; the engine replaces its (frozen) :class:`WorldState` at every tick
and every command, so one encoding per state serves every page until the next one.
"""

from __future__ import annotations

import numpy as np
import orjson

from meclab.engine.world import World, WorldState

POSITION_DECIMALS = 6
"""Degrees are rounded to 1e-6 (about 0.1 m): more digits only lengthen the body."""


def encode_positions(world: World) -> bytes:
    """The positions body (:class:`meclab.control.wire.TerminalPositions`) of ``world`` now."""
    state = world.state
    lonlat = world.projection.to_lonlat(state.xy) if len(world.ue_names) else np.zeros((0, 2))
    lonlat = np.round(lonlat, POSITION_DECIMALS)
    # index -1 (out of coverage) picks the trailing None
    poas = np.asarray([*world.poa_names, None], dtype=object)[state.serving]
    body = {
        "t": float(state.t),
        "names": world.ue_names,
        "lon": np.ascontiguousarray(lonlat[:, 0]),
        "lat": np.ascontiguousarray(lonlat[:, 1]),
        "poa": poas.tolist(),
    }
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)


class PositionsCache:
    """The last encoded positions body and the world state it was made from.

    It holds that world and state, so the identity test cannot match a new object that took a
    freed one's address.
    """

    def __init__(self) -> None:
        self._world: World | None = None
        self._state: WorldState | None = None
        self._body = b""
        self.encoded = 0
        """How many bodies it has encoded (each new state, or another world, makes one)."""

    def body(self, world: World) -> bytes:
        """The positions body of ``world`` now: the cached one while its state is unchanged."""
        if world is not self._world or world.state is not self._state:
            self._world, self._state = world, world.state
            self._body = encode_positions(world)
            self.encoded += 1
        return self._body
