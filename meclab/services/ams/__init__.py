"""ETSI GS MEC 021 V2.2.1 Application Mobility Service (AMS) API, ``/amsi/v1`` on every MEC host.

The REST face of :mod:`meclab.mobility`: the service validates bodies, resolves AssociateIds to
the world's terminals and shapes notifications; the mobility manager behind :class:`.port.
AmsPort` keeps the registrations and runs the relocation procedures.

Layout (STYLE §9):

* :mod:`.models`: the data types of clause 7 (importable by the SDK);
* :mod:`.bodies`: bodies to the manager's records and back, with the checks a schema cannot say;
* :mod:`.notify`: the manager's notices to MobilityProcedure and AdjacentAppInfo notifications;
* :mod:`.routes`: the twelve operations of clause 8;
* :mod:`.service`: :class:`~.service.Ams`, the wiring (subscription kinds, MEC 011 offer).
"""
