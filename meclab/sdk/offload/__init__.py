"""Dynamic offloading: place each unit of work on the terminal, the edge or the cloud.

The pieces, each in its own module:

* :mod:`.task`: :class:`Task` (cycles, input/output bytes, deadline, energy weight),
  :class:`Placement`, :class:`Observation`;
* :mod:`.context`: the live :class:`Context` of one decision (links, nodes, energy, prices);
* :mod:`.estimate`: expected completion time, terminal energy and cost per placement;
* :mod:`.policy`, :mod:`.policies`, :mod:`.learning`, :mod:`.registry`: the policy interface,
  meclab's policies and the registry that makes them by name;
* :mod:`.sharing`, :mod:`.executors`: processor sharing, emulated and real execution;
* :mod:`.sources`, :mod:`.live`, :mod:`.rnis_source`: where contexts come from (by hand,
  meclab's control API, any platform's RNIS);
* :mod:`.offloader`: :class:`Offloader`, which ties them together.
"""

from meclab.sdk.offload.context import Context, EnergyModel, Link, Node, Prices, Site
from meclab.sdk.offload.errors import (
    InvalidContext,
    InvalidTask,
    MissingExecutor,
    OffloadError,
    UnknownPolicy,
)
from meclab.sdk.offload.estimate import Estimate, estimate, estimates
from meclab.sdk.offload.executors import AppExecutor, EmulatedExecutor, EmulatedNode, Executor
from meclab.sdk.offload.learning import LearningPolicy
from meclab.sdk.offload.offloader import Offloader, OffloadStats, Outcome
from meclab.sdk.offload.policies import DeadlineCostPolicy, GreedyPolicy, StaticPolicy
from meclab.sdk.offload.policy import Policy
from meclab.sdk.offload.registry import PolicyRegistry, default_registry
from meclab.sdk.offload.sharing import ProcessorSharing
from meclab.sdk.offload.sources import ContextSource, StaticContextSource
from meclab.sdk.offload.task import PLACEMENTS, Observation, Placement, Task

__all__ = [
    "PLACEMENTS",
    "AppExecutor",
    "Context",
    "ContextSource",
    "DeadlineCostPolicy",
    "EmulatedExecutor",
    "EmulatedNode",
    "EnergyModel",
    "Estimate",
    "Executor",
    "GreedyPolicy",
    "InvalidContext",
    "InvalidTask",
    "LearningPolicy",
    "Link",
    "MissingExecutor",
    "Node",
    "Observation",
    "OffloadError",
    "OffloadStats",
    "Offloader",
    "Outcome",
    "Placement",
    "Policy",
    "PolicyRegistry",
    "Prices",
    "ProcessorSharing",
    "Site",
    "StaticContextSource",
    "StaticPolicy",
    "Task",
    "UnknownPolicy",
    "default_registry",
    "estimate",
    "estimates",
]
