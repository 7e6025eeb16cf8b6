"""How a MEC 016 request names its terminal.

MEC 016 has no UE address in its bodies: a device application is known by its
``associateDevAppId`` ("uniquely identifies the device application", at most 32 characters),
and a real MEC system learns the device behind it from the network the request came through.
meclab's requests do not come through the emulated network, so in meclab **the
associateDevAppId names the device application's terminal**, in any of the spellings MEC 014
tags use (:func:`meclab.services.ueid.registry.tag_index`): its scenario name (``ue-walk``),
its address (``acr:10.0.0.1``), the IP address in it (``10.0.0.1``) or its IMSI. A value that
names no terminal of the world is a 400 naming the attribute.
"""

from __future__ import annotations

from meclab.engine.world import World
from meclab.platform.errors import InvalidField
from meclab.services.ueid.registry import tag_index

FIELD = "associateDevAppId"


class Terminals:
    """The terminals of the current world, by every spelling of their identity."""

    def __init__(self) -> None:
        self._index: dict[str, str] = {}

    def use_world(self, world: World) -> None:
        self._index = tag_index(world)

    def of(self, associate_dev_app_id: str) -> str:
        """The terminal (scenario name) a device application id names; InvalidField if none."""
        ue = self._index.get(associate_dev_app_id)
        if ue is None:
            raise InvalidField(
                FIELD,
                f"{associate_dev_app_id!r} names no terminal of this world (meclab identifies a "
                "device application by its terminal: its name, acr: address, IP address or IMSI)",
            )
        return ue
