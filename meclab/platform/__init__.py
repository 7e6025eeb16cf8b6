"""The MEC platform core: what applications create on each MEC host.

One :class:`~meclab.platform.platform.Platform` per MEC host owns that host's application
instances, services, DNS and traffic rules and subscriptions; :class:`~meclab.platform.
platform.Platforms` holds them all and keeps them in the store. The subscription and
notification mechanism (:mod:`.subscriptions`, :mod:`.delivery`) is written once here and used
by every ETSI API.
"""
