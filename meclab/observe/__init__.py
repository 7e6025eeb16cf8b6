"""Observing the running lab for the dashboard: bounded histories of the platform, the cells
and some terminals (:mod:`.history`), served by :mod:`.routes`."""
