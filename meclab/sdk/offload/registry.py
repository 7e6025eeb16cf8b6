"""Policies by name.

A registry maps names to factories. :func:`default_registry` builds one holding meclab's
policies; an app adds its own to the registry it built (no global table changes behind anyone's
back)::

    registry = default_registry()
    registry.register("mine", MyPolicy)
    policy = registry.create("mine", threshold_ms=40)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from meclab.sdk.offload.errors import OffloadError, UnknownPolicy
from meclab.sdk.offload.learning import LearningPolicy
from meclab.sdk.offload.policies import DeadlineCostPolicy, GreedyPolicy, StaticPolicy
from meclab.sdk.offload.policy import Policy
from meclab.sdk.offload.task import PLACEMENTS

PolicyFactory = Callable[..., Policy]


class PolicyRegistry:
    """Policy factories by name."""

    def __init__(self) -> None:
        self._factories: dict[str, PolicyFactory] = {}

    def register(self, name: str, factory: PolicyFactory) -> None:
        """Make ``factory`` (a Policy class or any callable returning one) known as ``name``."""
        if not name:
            raise OffloadError("a policy name must not be empty")
        if name in self._factories:
            raise OffloadError(f"a policy named {name!r} is already registered")
        self._factories[name] = factory

    def create(self, name: str, **options: Any) -> Policy:
        """A new policy ``name`` made with ``options``; UnknownPolicy lists the known names."""
        factory = self._factories.get(name)
        if factory is None:
            raise UnknownPolicy(name, self._factories)
        return factory(**options)

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._factories)


def default_registry() -> PolicyRegistry:
    """A new registry holding meclab's policies: ``always-terminal``, ``always-edge``,
    ``always-cloud``, ``greedy``, ``deadline-cost`` and ``learning`` (which takes ``rng``)."""
    registry = PolicyRegistry()
    for placement in PLACEMENTS:
        registry.register(f"always-{placement.value}", partial(StaticPolicy, placement))
    registry.register("greedy", GreedyPolicy)
    registry.register("deadline-cost", DeadlineCostPolicy)
    registry.register("learning", LearningPolicy)
    return registry
