"""Reading WAI request bodies: the type first, then its attributes, errors as problems.

FastAPI hands the route the parsed JSON object; validating it here (rather than in the route
signature) lets a subscription body pick its model by ``subscriptionType`` and lets every
error name the attribute at fault the way RFC 7807 ``invalidParams`` does.
"""

from __future__ import annotations

from typing import Any

from meclab.http.body import parse
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.services.wai.models_subs import SUBSCRIPTION_MODELS, WaiSubscription


def parse_subscription(body: Any) -> WaiSubscription:
    """A subscription body of any WAI type (ETSI GS MEC 028 clause 7.4.3.4)."""
    if not isinstance(body, dict):
        raise InvalidField("", "the body must be a JSON object")
    kind = body.get("subscriptionType")
    if kind is None:
        raise InvalidField("subscriptionType", f"required; one of {', '.join(SUBSCRIPTION_MODELS)}")
    model = SUBSCRIPTION_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise Unprocessable(
            f"subscriptionType {kind!r} is not a WAI subscription type; "
            f"one of {', '.join(SUBSCRIPTION_MODELS)}"
        )
    return parse(model, body)
