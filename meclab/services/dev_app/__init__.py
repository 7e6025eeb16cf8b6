"""ETSI GS MEC 016 V2.2.1 device application interface, ``/dev_app/v1``, once for the MEC system.

A terminal's device application lists the applications it may use, asks for an application
context (meclab picks the best MEC host for the terminal now, has an instance there, and
answers the reference URI the device reaches through the data plane), asks where an
application could run for it, and deletes its context, which releases the instance when no
other context uses it.

* :mod:`.models`: the MEC 016 bodies (clause 6);
* :mod:`.port`: :class:`~.port.DevAppPort`, what the service needs of the lifecycle;
* :mod:`.identity`: how a request names its terminal;
* :mod:`.locations`: MEC hosts as LocationConstraints, and requested constraints as hosts;
* :mod:`.contexts`: the contexts, kept in the subscription registry, and their notifications;
* :mod:`.routes`: the five operations (clause 7);
* :mod:`.service`: :class:`~.service.DevApp`, the wiring.
"""
