"""Example 2: augmented reality that adapts to the radio.

A camera on a walking UE sends frames to an edge component, which follows the UE's RSRP through
RNIS and serves full, reduced or no overlays (:mod:`.levels`); a cloud component counts the
usage. :func:`~meclab.demo.ar.demo.run` runs it all and plots it.

::

    levels.py   the feature levels and their RSRP thresholds (pure)
    session.py  the session state the edge keeps per user, what relocates with it (pure)
    walk.py     the demo's scenario: the walker, the edge and cloud applications
    client.py   terminal: frames to the edge through the data plane
    edge.py     edge (EdgeApp): RNIS subscriptions, levels, overlays, the user's session
                (followed across hosts when AR_MOBILITY says so), usage to the cloud
    cloud.py    cloud: usage statistics
    report.py   timeline in simulation time, the PNG
    demo.py     run(): everything end to end, an ArReport
"""
