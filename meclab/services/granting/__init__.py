"""ETSI GS MEC 010-2 v3.1.1 granting (``granting/v1``): the MEC system grants the resources of a
lifecycle operation. The routes speak to the lifecycle through
:class:`~meclab.services.granting.port.GrantPort`."""
