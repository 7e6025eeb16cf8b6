"""ETSI GS MEC 012 V2.2.1 Radio Network Information Service (RNIS), fed by the world engine.

* :mod:`.models` (with ``models_common``, ``models_subscriptions``, ``models_notifications``):
  the API's bodies, under the spec's names;
* :mod:`.routes`: ``/rni/v2`` on every MEC host (northbound);
* :mod:`.southbound`: the host's scope, identities (:mod:`.identity`) and measurements read
  from the engine; :mod:`.bearers`: the E-RAB table RNIS derives; :mod:`.layer2`: layer 2
  figures; :mod:`.scales`: 3GPP reporting scales; :mod:`.triggers`: measurement report triggers;
* :mod:`.dispatch` and :mod:`.reports`: engine events and ticks to notification bodies, through
  the shared subscription core; :mod:`.criteria`: subscription filters;
* :mod:`.service`: :class:`Rnis`, the wiring.
"""
