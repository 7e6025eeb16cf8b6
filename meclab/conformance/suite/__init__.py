"""The behaviour tests, one module per API, grouped as the command line names them.

A :class:`Group` is what ``--api NAME`` selects: the catalogue APIs it covers and its tests, in
order. Each test is an ``async def test(session)`` that records its steps through the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from meclab.conformance.catalogue.ams import AMS
from meclab.conformance.catalogue.location import LOCATION
from meclab.conformance.catalogue.location_v2 import LOCATION_V2
from meclab.conformance.catalogue.mec011 import APP_SUPPORT, SERVICE_MGMT
from meclab.conformance.catalogue.mec015 import BWM, MTS
from meclab.conformance.catalogue.model import Api
from meclab.conformance.catalogue.rni import RNI
from meclab.conformance.catalogue.ueid import UEID
from meclab.conformance.catalogue.wai import WAI
from meclab.conformance.session import Session
from meclab.conformance.suite import location, location_v2, mec011, mec015, others, rni

Case = Callable[[Session], Awaitable[None]]


@dataclass(frozen=True)
class Group:
    """What one ``--api`` name selects."""

    name: str
    apis: tuple[Api, ...]
    cases: tuple[Case, ...]


GROUPS: dict[str, Group] = {
    group.name: group
    for group in (
        Group("mec011", (SERVICE_MGMT, APP_SUPPORT), mec011.CASES),
        Group("rni", (RNI,), rni.CASES),
        Group("location", (LOCATION,), location.CASES),
        Group("location-v2", (LOCATION_V2,), location_v2.CASES),
        Group("ueid", (UEID,), others.UEID_CASES),
        Group("wai", (WAI,), others.WAI_CASES),
        Group("ams", (AMS,), others.AMS_CASES),
        Group("mec015", (BWM, MTS), mec015.CASES),
    )
}
"""Every group, in the order a run tests them."""

ALIASES: dict[str, str] = {
    "mec012": "rni",
    "mec013": "location",
    "mec013-v2": "location-v2",
    "mec014": "ueid",
    "mec028": "wai",
    "mec021": "ams",
    "bwm": "mec015",
    "mts": "mec015",
}
"""Other names of the groups (``mec012`` for ``rni``)."""


def resolve(names: list[str]) -> list[Group]:
    """The groups ``names`` select (all when empty), in run order; an unknown name raises a
    ValueError that lists the known ones."""
    if not names:
        return list(GROUPS.values())
    wanted = set()
    for name in names:
        key = ALIASES.get(name.lower(), name.lower())
        if key not in GROUPS:
            known = ", ".join([*GROUPS, *ALIASES])
            raise ValueError(f"unknown API {name!r}; known: {known}")
        wanted.add(key)
    return [group for key, group in GROUPS.items() if key in wanted]
