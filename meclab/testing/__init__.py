"""Testing edge apps under mobility: a meclab world in the test's process, on a stepped clock.

* :mod:`meclab.testing.lab`: :class:`Lab`, the handle (advance time, move terminals, change
  network characteristics, wait for notifications, see what happened, run the app's parts);
* :mod:`meclab.testing.plugin`: the pytest plugin (``meclab_lab`` and ``meclab_world``
  fixtures, the ``meclab`` marker, ``--meclab-scenario``), registered as a pytest11 entry
  point;
* :mod:`meclab.testing.records`, :mod:`meclab.testing.apps`: what a lab records, and the
  apps and processes it runs; :class:`~meclab.scenario.builder.WorldBuilder` builds worlds.

``from meclab.testing import Lab`` works, but imports the lab (and meclab's whole server side)
only then: pytest loads this package for every run through the plugin, and a run that uses no
lab should not pay for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Lab": "meclab.testing.lab",
    "AsyncLab": "meclab.testing.lab",
    "scenario_of": "meclab.testing.lab",
    "LabError": "meclab.testing.core",
    "AppRun": "meclab.testing.apps",
    "LabProcess": "meclab.testing.apps",
    "Notification": "meclab.testing.records",
    "ApiRequest": "meclab.testing.records",
    "WorldBuilder": "meclab.scenario.builder",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'meclab.testing' has no attribute {name!r}")
    return getattr(import_module(module), name)
