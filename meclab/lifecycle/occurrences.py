"""The states a lifecycle operation occurrence goes through, as a table.

::

    STARTING    --proceed------> PROCESSING    (granted, placed: the work begins)
    STARTING    --complete-----> COMPLETED     (nothing to do, e.g. stopping a stopped instance)
    PROCESSING  --complete-----> COMPLETED
    STARTING    --error--------> FAILED_TEMP   (whatever it did is undone first)
    PROCESSING  --error--------> FAILED_TEMP
    STARTING    --cancel-------> FAILED_TEMP   (POST .../cancel; undone as for an error)
    PROCESSING  --cancel-------> FAILED_TEMP
    FAILED_TEMP --retry--------> PROCESSING    (POST .../retry: run it again)
    FAILED_TEMP --fail---------> FAILED        (POST .../fail: give up for good)

COMPLETED and FAILED are final. meclab undoes a failed operation before it enters FAILED_TEMP,
so an instance is never left half instantiated: FAILED_TEMP means "failed, nothing left
behind, may be retried". Anything else raises :class:`~meclab.platform.errors.Conflict` (409).
"""

from __future__ import annotations

from enum import StrEnum

from meclab.lifecycle.records import OperationState, OpOcc
from meclab.platform.errors import Conflict


class OpMove(StrEnum):
    PROCEED = "proceed"
    COMPLETE = "complete"
    ERROR = "error"
    CANCEL = "cancel"
    RETRY = "retry"
    FAIL = "fail"


S = OperationState
TRANSITIONS: dict[tuple[OperationState, OpMove], OperationState] = {
    (S.STARTING, OpMove.PROCEED): S.PROCESSING,
    (S.STARTING, OpMove.COMPLETE): S.COMPLETED,
    (S.PROCESSING, OpMove.COMPLETE): S.COMPLETED,
    (S.STARTING, OpMove.ERROR): S.FAILED_TEMP,
    (S.PROCESSING, OpMove.ERROR): S.FAILED_TEMP,
    (S.STARTING, OpMove.CANCEL): S.FAILED_TEMP,
    (S.PROCESSING, OpMove.CANCEL): S.FAILED_TEMP,
    (S.FAILED_TEMP, OpMove.RETRY): S.PROCESSING,
    (S.FAILED_TEMP, OpMove.FAIL): S.FAILED,
}


def check(op: OpOcc, move: OpMove) -> OperationState:
    """The state ``move`` takes ``op`` to; Conflict naming both when the table has no such move."""
    target = TRANSITIONS.get((op.state, move))
    if target is None:
        raise Conflict(f"operation occurrence {op.id} is {op.state}; it cannot {move} now")
    return target


def apply(op: OpOcc, move: OpMove, now: float) -> OperationState:
    """Move ``op`` as the table says (Conflict, unchanged, otherwise)."""
    op.state = check(op, move)
    op.state_entered_time = now
    return op.state
