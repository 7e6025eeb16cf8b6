"""Ownership: which app instance may see and change which resource (issue 12).

Every owned resource records its owner's app instance id (subscriptions, services, rules,
registrations ...). Where the platform core resolves one for a request it asks here, once:

* :func:`check_owner` refuses (403) a caller that is neither the owner nor the operator;
* :func:`visible` filters a listing down to what the caller owns;
* :func:`owner_for_new` names the owner of a resource being created.

The caller is the request's :class:`~meclab.security.principal.Principal`. Without one (open
mode, or meclab's own work outside requests) nothing is refused and nothing is filtered, so
open mode behaves as before.
"""

from __future__ import annotations

from meclab.platform.errors import Forbidden
from meclab.security.principal import Principal, current


def _restricted() -> Principal | None:
    """The caller when ownership applies to it: an authenticated app instance."""
    caller = current()
    return None if caller is None or caller.operator else caller


def check_owner(owner: str | None, what: str) -> None:
    """Forbidden (403) unless the caller may act on ``what``, a resource of ``owner``."""
    caller = _restricted()
    if caller is not None and owner != caller.client_id:
        raise Forbidden(
            f"{what} belongs to "
            + ("the platform" if owner is None else f"application instance {owner}")
            + f", not to {caller.client_id}"
        )


def visible(owner: str | None) -> bool:
    """Whether a listing shows the caller a resource of ``owner``."""
    caller = _restricted()
    return caller is None or owner == caller.client_id


def owner_for_new(default: str | None = None) -> str | None:
    """The owner of a resource the caller creates: the caller's app instance, else ``default``
    (for the operator and for meclab itself)."""
    caller = _restricted()
    return default if caller is None else caller.client_id
