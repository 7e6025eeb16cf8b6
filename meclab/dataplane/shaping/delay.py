"""Latency and jitter: how long a piece takes to cross the path, one way.

Jitter follows the scenario's distribution the way Linux netem reads ``delay LATENCY JITTER
distribution D`` (tc-netem(8); iproute2 ``netem/*.c`` generate its tables):

* ``uniform``: uniform in ``[-jitter, +jitter]`` (netem's default, without a table);
* ``normal``: standard deviation ``jitter``;
* ``pareto``: a Pareto of shape 3 (as iproute2's ``pareto`` table), shifted to zero mean and
  scaled to standard deviation ``jitter``: mostly a little early, sometimes very late;
* ``paretonormal``: netem's mix of one quarter normal and three quarters Pareto, rescaled to
  standard deviation ``jitter``.

A delay is never negative: ``max(0, latency + jitter sample)``. Keeping pieces in order despite
jitter is the pipeline's job (it clamps each piece to the one before, like netem without
reordering); a stage only samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from meclab.scenario.model import JitterDistribution

PARETO_SHAPE = 3.0
"""Shape ``a`` of iproute2's netem ``pareto`` table (netem/pareto.c: ``a = 3.0``)."""
_PARETO_MEAN = PARETO_SHAPE / (PARETO_SHAPE - 1.0)  # scale x_m = 1
_PARETO_SD = math.sqrt(PARETO_SHAPE / ((PARETO_SHAPE - 1.0) ** 2 * (PARETO_SHAPE - 2.0)))
_MIX_NORMAL, _MIX_PARETO = 0.25, 0.75
"""iproute2 netem/paretonormal.c: "1/4 normal and 3/4 pareto"."""
_MIX_SD = math.sqrt(_MIX_NORMAL**2 + _MIX_PARETO**2)


def standard_pareto(rng: np.random.Generator) -> float:
    """A Pareto(shape 3) sample with zero mean and unit standard deviation."""
    # numpy's pareto() is the Lomax form (x_m = 1, shifted by -1): add 1 for the classical one.
    return (float(rng.pareto(PARETO_SHAPE)) + 1.0 - _PARETO_MEAN) / _PARETO_SD


def jitter_sample(
    distribution: JitterDistribution, jitter_s: float, rng: np.random.Generator
) -> float:
    """One jitter sample (seconds, may be negative) around a zero mean."""
    if jitter_s <= 0.0:
        return 0.0
    if distribution is JitterDistribution.UNIFORM:
        return float(rng.uniform(-jitter_s, jitter_s))
    if distribution is JitterDistribution.NORMAL:
        return float(rng.standard_normal()) * jitter_s
    if distribution is JitterDistribution.PARETO:
        return standard_pareto(rng) * jitter_s
    mixed = _MIX_NORMAL * float(rng.standard_normal()) + _MIX_PARETO * standard_pareto(rng)
    return mixed / _MIX_SD * jitter_s


@dataclass(slots=True)
class Delay:
    """One-way latency plus jitter; parameters may change at any time."""

    latency_s: float = 0.0
    jitter_s: float = 0.0
    distribution: JitterDistribution = JitterDistribution.NORMAL

    @property
    def active(self) -> bool:
        return self.latency_s > 0.0 or self.jitter_s > 0.0

    def sample(self, rng: np.random.Generator) -> float:
        """A one-way delay in seconds, never negative."""
        return max(0.0, self.latency_s + jitter_sample(self.distribution, self.jitter_s, rng))

    def spread_s(self) -> float:
        """A generous bound on how far above the latency a sample goes (for buffer sizing)."""
        return 4.0 * self.jitter_s
