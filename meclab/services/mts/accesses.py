"""The access networks MTS offers on a MEC host: the points of access of the host's zone.

Each point of access (4G cell, 5G cell, Wi-Fi AP) of the zone is one access network connection
a multi-access terminal there may use (``MtsAccessInfo``, ETSI GS MEC 015 clause 7.2.4):

* ``accessId``: 1 + the point of access's index in the scenario (its order in the file), so it
  is stable for a scenario and unique across the deployment. A cell identity would not do: an
  NR cell identity has 36 bits and ``accessId`` 32;
* ``accessType``: E-UTRA (32) for 4G, NR (33) for 5G, and IEEE 802.11 a/b/g/n/ac (13) for
  Wi-Fi, the VHT PHY that WAI reports for meclab's APs (:mod:`meclab.services.wai.wifi`);
* ``metered``: Wi-Fi is not metered, cellular accesses are (the GS's note: a connection with a
  data allowance per period, billed beyond it). This is also what ranks them by cost
  (:func:`meclab.services.mts.choice.cost_rank`).
"""

from __future__ import annotations

from meclab.engine.world import World
from meclab.services.mts.models import AccessType, Metered, MtsAccessInfo
from meclab.types import RadioType

ACCESS_TYPE = {
    RadioType.LTE: AccessType.E_UTRA,
    RadioType.NR: AccessType.NR,
    RadioType.WIFI: AccessType.WLAN_ABGN_AC,
}
METERED = {
    RadioType.LTE: Metered.METERED,
    RadioType.NR: Metered.METERED,
    RadioType.WIFI: Metered.NOT_METERED,
}


def access_id(world: World, poa: str) -> int:
    """The ``accessId`` of a point of access (module docstring)."""
    return world.top.poa_index[poa] + 1


def zone_accesses(world: World, zone: str | None) -> list[MtsAccessInfo]:
    """The access network connections of ``zone``, in scenario order (none for no zone)."""
    top = world.top
    return [
        MtsAccessInfo(
            accessId=access_id(world, poa.name),
            accessType=ACCESS_TYPE[poa.type],
            metered=METERED[poa.type],
        )
        for poa in top.poas
        if zone is not None and top.elements[poa.name].zone == zone
    ]
