"""Reading WAI request bodies: the type first, then its attributes, errors as problems.

FastAPI hands the route the parsed JSON object; validating it here (rather than in the route
signature) lets a subscription body pick its model by ``subscriptionType`` and lets every
error name the attribute at fault the way RFC 7807 ``invalidParams`` does.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError

from meclab.http.content import require_json_body
from meclab.http.problem import ProblemError, describe_invalid, invalid_params
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.services.wai.models_subs import SUBSCRIPTION_MODELS, WaiSubscription

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], body: Any) -> M:
    """``body`` as ``model``; a 400 problem naming every bad attribute otherwise."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        params = invalid_params(errors)
        raise ProblemError(400, describe_invalid(params), invalidParams=params) from None


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


async def read_json(request: Request) -> Any:
    """The request's JSON body: 415 unless it says JSON, 400 when empty or malformed.

    Routes read their body with this *after* resolving the ids in their path, so that an unknown
    resource answers 404 whatever the body (as MEC 011's routes do).
    """
    await require_json_body(request)
    raw = await request.body()
    if not raw:
        raise ProblemError(
            400,
            "a JSON body is required",
            invalidParams=[{"name": "", "in": "body", "reason": "missing"}],
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = f"malformed JSON: {exc.msg} at position {exc.pos}"
        raise ProblemError(
            400, f"body: {reason}", invalidParams=[{"name": "", "in": "body", "reason": reason}]
        ) from None


def body_doc(*models: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body read by :func:`read_json`: one of ``models``."""
    schemas = [_inline(m.model_json_schema(by_alias=True)) for m in models]
    schema = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _inline(schema: dict[str, Any]) -> Any:
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)
