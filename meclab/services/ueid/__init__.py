"""ETSI GS MEC 014 V3.1.1 UE identity API, ``/ui/v1`` on every MEC host.

An application instance registers (state 1) or deregisters (state 0) UE identity tags on its own
MEC host; :mod:`.registry` says what a registration means in meclab and what it does not do.

* :mod:`.models`: UeIdentityTagInfo and UeIdentityTags (clause 6.2.2);
* :mod:`.registry`: registrations per instance, kept in the store, and tag resolution;
* :mod:`.routes`: GET and PUT ``/{appInstanceId}/ue_identity_tag_info`` (clause 7.3);
* :mod:`.service`: :class:`UeIdentity`, the wiring.
"""
