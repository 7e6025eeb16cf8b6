"""meclab's ETSI MEC conformance suite, for any MEC platform: ``meclab conformance URL``.

Written from the facts of the ETSI specs, it speaks HTTP only (it never imports meclab's
server side). The pieces:

* :mod:`.catalogue`: per API, its operations (method, path, success code, body schema, clause)
  and data types (mandatory members, types, enums) as data;
* :mod:`.checks`: the generic rules (status code, ``application/json`` exactly,
  ProblemDetails on errors, ``Location`` on 201, schemas) applied to every answer;
* :mod:`.suite`: the behaviour tests per API (subscription life, filters, ``If-Match``/412,
  notifications to the built-in :mod:`.receiver`);
* :mod:`.preflight`, :mod:`.runner`, :mod:`.report`: probe, run, and print (console, JUnit XML,
  self-contained HTML).

The test data a platform must provide (an app instance, a cell, a terminal, a zone ...) comes
from the settings file (:mod:`.settings`, which documents every key) or is discovered or created
through the platform's own APIs.
"""
