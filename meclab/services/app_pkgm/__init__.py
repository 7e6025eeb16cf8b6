"""ETSI GS MEC 010-2 V3.1.1 application package management (``app_pkgm/v1``), system level.

:mod:`.models` holds the bodies, :mod:`.service` the service object (AppPkgInfo views and
notifications), :mod:`.routes` the 13 operations.
"""
