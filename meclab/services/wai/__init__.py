"""ETSI GS MEC 028 V2.3.1 WLAN Access Information (WAI) API, ``/wai/v2`` on every MEC host.

Scope: **a host's WAI reports on the Wi-Fi APs of the host's zone** (a fog node's zone is that
of its PoA) and on the stations associated with them; queries, subscription checks and
notifications follow this one rule (:mod:`.southbound`).

Layout (STYLE §9):

* :mod:`.models_ids`, :mod:`.models`, :mod:`.models_measure`, :mod:`.models_subs`: the data
  types of clause 6, with the GS's attribute names;
* :mod:`.wifi`: the IEEE 802.11 facts derived from meclab's radio model (channel, RCPI, MCS
  rates, MACs, RFC 6225 coordinates);
* :mod:`.southbound`: the world as WAI sees it (APs, stations), read at call time;
* :mod:`.info`, :mod:`.reports`: ApInfo/StaInfo bodies and radio measurement reports;
* :mod:`.triggers`: engine events and ticks to AssocSta, StaDataRate and MeasurementReport
  notifications, through the shared subscription registry;
* :mod:`.measurements`: the ``/measurements`` configurations, kept in the store;
* :mod:`.routes`, :mod:`.routes_info`: the twelve operations of clause 7;
* :mod:`.service`: :class:`Wai`, the wiring (registry, MEC 011 registration, listeners).
"""
