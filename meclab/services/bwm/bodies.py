"""The rules of a BwInfo or BwInfoDeltas body that its schema cannot express (ETSI GS MEC 015
V2.2.1 clauses 7.2.2 and 7.2.3), each a 400 naming the attribute at fault, first failure
answers:

1. ``allocationId`` is the platform's: absent in a POST, absent or the path's in a PUT or PATCH;
2. ``appName``, when given, is the instance's appName;
3. ``requestType`` and ``sessionFilter`` agree: an application-level allocation (0) has no
   filter, a session-specific one (1) at least one; each filter names at least one attribute
   and is not given twice;
4. one allocation per traffic ("Any filtering criteria shall define a single session only. In
   case multiple sessions match sessionFilter, the request shall be rejected"): an instance has
   at most one application-level allocation, and a filter belongs to one allocation of its
   instance only;
5. a PATCH (:func:`patched`) names the allocation by ``appInsId`` and ``requestType``, which
   must equal the stored ones; what else it gives replaces the stored value.
"""

from __future__ import annotations

from collections.abc import Iterable

from meclab.platform.errors import InvalidField
from meclab.services.bwm.allocations import Allocation
from meclab.services.bwm.models import BwInfo, BwInfoDeltas, RequestType

REQUIRED = ("fixedAllocation", "allocationDirection")
"""What a PATCH may change but not remove (BwInfo requires them)."""


def check_allocation(
    info: BwInfo,
    app_name: str,
    others: Iterable[Allocation],
    *,
    path_id: str | None,
) -> None:
    """InvalidField for the first rule ``info`` breaks (module docstring). ``app_name`` is the
    appName of the allocation's instance, ``others`` the instance's other allocations, and
    ``path_id`` the id of the allocation a PUT or PATCH changes (None for a POST)."""
    _check_id(info.allocationId, path_id)
    if info.appName is not None and info.appName != app_name:
        raise InvalidField("appName", f"application instance {info.appInsId} is of {app_name!r}")
    _check_filters(info)
    _check_unique(info, [a for a in others if a.id != path_id])


def patched(stored: Allocation, deltas: BwInfoDeltas) -> BwInfo:
    """The allocation ``stored`` with ``deltas`` applied (rule 5); the result still has to
    pass :func:`check_allocation`."""
    _check_id(deltas.allocationId, stored.id)
    if deltas.appInsId != stored.owner:
        raise InvalidField(
            "appInsId", f"is {stored.owner} in allocation {stored.id}; it cannot change"
        )
    if deltas.requestType is not stored.info.requestType:
        raise InvalidField(
            "requestType",
            f"is {int(stored.info.requestType)} in allocation {stored.id}; it cannot change",
        )
    changes = deltas.model_dump(
        exclude_unset=True, exclude={"allocationId", "appInsId", "requestType"}
    )
    for name in REQUIRED:
        if name in changes and changes[name] is None:
            raise InvalidField(name, "is required in an allocation; it can change, not go")
    merged = stored.info.model_dump() | changes
    return BwInfo.model_validate(merged)


def _check_id(given: str | None, path_id: str | None) -> None:
    if given is not None and given != path_id:
        reason = (
            "is set by the platform; leave it out"
            if path_id is None
            else f"{given!r} is not the allocation of the path, {path_id!r}"
        )
        raise InvalidField("allocationId", reason)


def _check_filters(info: BwInfo) -> None:
    filters = info.sessionFilter or []
    if info.requestType is RequestType.APPLICATION_SPECIFIC_BW_ALLOCATION:
        if filters:
            raise InvalidField(
                "sessionFilter",
                "an application-level allocation (requestType 0) covers all the instance's "
                "traffic and takes no session filter; use requestType 1",
            )
        return
    if not filters:
        raise InvalidField(
            "sessionFilter",
            "a session-specific allocation (requestType 1) needs at least one session filter",
        )
    seen: dict[str, int] = {}
    for i, session in enumerate(filters):
        wire = session.wire()
        if not wire:
            raise InvalidField(
                f"sessionFilter[{i}]", "names no attribute; at least one is required"
            )
        key = repr(sorted(wire.items()))
        if key in seen:
            raise InvalidField(f"sessionFilter[{i}]", f"repeats sessionFilter[{seen[key]}]")
        seen[key] = i


def _check_unique(info: BwInfo, others: list[Allocation]) -> None:
    if info.requestType is RequestType.APPLICATION_SPECIFIC_BW_ALLOCATION:
        for other in others:
            if other.application_level:
                raise InvalidField(
                    "requestType",
                    f"application instance {info.appInsId} already has an application-level "
                    f"allocation, {other.id}",
                )
        return
    for i, session in enumerate(info.sessionFilter or []):
        for other in others:
            if session in (other.info.sessionFilter or []):
                raise InvalidField(
                    f"sessionFilter[{i}]", f"is already a filter of allocation {other.id}"
                )
