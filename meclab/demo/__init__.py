"""meclab's demos: the example applications, run end to end in a world of their own.

A demo derives a scenario from the default one (or the one given) by adding its applications,
starts ``meclab up`` on it in a temporary data dir, starts each component as a real process
(edge components through ``meclab run``), lets them work, stops everything and reports what
they measured, with a plot.

::

    derive.py    pure functions on the scenario model: place the demo's apps, pick its UEs
    stage.py     run it: meclab up, the components as processes, stop all, collect results
    results.py   what a component records (JSON lines at a path its environment names)
    component.py what a component process shares: serving until SIGTERM
"""
