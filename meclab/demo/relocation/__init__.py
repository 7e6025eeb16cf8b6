"""Example 3: the AR session follows its user across MEC hosts (ETSI GS MEC 021).

The AR demo's walker (:mod:`meclab.demo.ar`) crosses from the zone of one MEC host into the
zone of another and back. The AR edge application runs an instance on each host, both keeping
the walker's session in a context store and following it with the SDK's user mobility, in
MEC-assisted or application self-controlled mode; each crossing relocates the session from one
instance to the other. :func:`~meclab.demo.relocation.demo.run` runs the walk once per mode
and reports each relocation and what the client saw of it, with a plot.

::

    world.py    the demo's scenario: the walk across two zones, an edge instance on each host
    outcome.py  each answer with or without context, each relocation's outcome (pure)
    report.py   the table and the timeline PNG
    demo.py     run(): one meclab per mode, everything end to end, a RelocationReport
"""
