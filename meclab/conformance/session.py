"""What a behaviour test works with: the target, the receiver, the settings, the facts found so
far, and the steps it records.

A test calls :meth:`Session.call` for each exchange: the session sends it, applies the generic
checks of :mod:`meclab.conformance.checks` and the test's own ``judge`` (the behaviour the step
is about), and records one :class:`~meclab.conformance.results.Outcome`. When a step fails so
that the rest of the test cannot run, the test raises :class:`Stop`
(:func:`meclab.conformance.suite.common.need_ok`); the runner goes on with the next test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from meclab.conformance import checks
from meclab.conformance.catalogue.common import IF_MATCH_CLAUSE
from meclab.conformance.catalogue.model import Api
from meclab.conformance.exchange import Exchange, Target
from meclab.conformance.receiver import Receiver
from meclab.conformance.results import Outcome, RunResult, Status, Violation
from meclab.conformance.schema import validate
from meclab.conformance.settings import Settings

Judge = Callable[[Exchange], list[Violation]]
"""A step's own check of an answer that passed the generic rules."""

STALE_ETAG = '"meclab-conformance-stale"'
"""An entity tag no resource has: an ``If-Match`` with it must fail (412)."""


class Stop(Exception):
    """A step failed and the rest of its test depends on it (already recorded)."""


class Session:
    """The state one run shares between its tests (see the module docstring)."""

    def __init__(
        self,
        target: Target,
        receiver: Receiver,
        settings: Settings,
        result: RunResult,
        selected: set[str],
    ) -> None:
        self.target = target
        self.receiver = receiver
        self.settings = settings
        self.result = result
        self.selected = selected
        """The keys of the APIs chosen; steps of others are run but not recorded."""
        self.unserved: set[str] = set()
        """The keys of the APIs the platform does not serve; their steps are not recorded
        (the run records one skip for each of their operations instead)."""
        self.facts: dict[str, Any] = {}
        """Test data found or created so far, e.g. ``app_instance_id``."""

    def url(self, api: Api, key: str, params: Mapping[str, str] | None = None) -> str:
        """The absolute URL of operation ``key`` with its path parameters filled in."""
        quoted = {name: quote(str(value), safe="") for name, value in (params or {}).items()}
        return self.target.api_url(api.base, api.op(key).path.format(**quoted))

    def record(self, outcome: Outcome) -> None:
        """Keep ``outcome`` if its API is one of the chosen."""
        if outcome.api in self.selected and outcome.api not in self.unserved:
            self.result.outcomes.append(outcome)

    async def call(
        self,
        api: Api,
        key: str,
        step: str,
        *,
        params: Mapping[str, str] | None = None,
        query: Mapping[str, str | list[str]] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        expect: int | None = None,
        url: str | None = None,
        judge: Judge | None = None,
        optional: str | None = None,
    ) -> Exchange:
        """Send operation ``key`` of ``api`` and record the step (see the module docstring).

        ``expect``: the status the step expects instead of the operation's success code;
        ``url``: an absolute URL instead of the template's (a Location followed);
        ``optional``: why a platform may lack the operation (a 404, 405 or 501 to it is then
        a skip with that reason, and :class:`Stop`)."""
        op = api.op(key)
        exchange = await self.target.send(
            op.method,
            url or self.url(api, key, params),
            json_body=body,
            params=query,
            headers=headers,
        )
        self._refused(api, op.name, step, exchange, expect)
        if optional and exchange.status in (404, 405, 501):
            why = f"{optional} (answered {exchange.status})"
            self.record(Outcome(api.key, op.name, step, Status.SKIPPED, reason=why))
            raise Stop(why)
        found = checks.answer(exchange, api, op, expect)
        if judge is not None and exchange.status == (expect or op.success):
            found += judge(exchange)
        self._judged(api, op.name, step, exchange, found)
        return exchange

    async def stale_if_match(
        self, api: Api, key: str, step: str, *, url: str, body: Any, etag: str | None
    ) -> None:
        """A conditional update with an ``If-Match`` that no longer matches must answer 412
        and change nothing; skipped where the resource sent no ETag to match."""
        op = api.op(key)
        if not etag:
            self.skip(api, key, step, "the resource's GET sent no ETag (MEC 009 recommends one)")
            return
        exchange = await self.target.send(
            op.method, url, json_body=body, headers={"If-Match": STALE_ETAG}
        )
        self._refused(api, op.name, step, exchange, 412)
        found = checks.answer(exchange, api, op, 412)
        found = [
            Violation("If-Match", IF_MATCH_CLAUSE, v.expected, v.actual)
            if v.rule == "status code"
            else v
            for v in found
        ]
        self._judged(api, op.name, step, exchange, found)

    def _refused(
        self, api: Api, operation: str, step: str, exchange: Exchange, expect: int | None
    ) -> None:
        """A 403 for a missing scope (RFC 6750 §3.1 ``insufficient_scope``) says what the
        token may do, not how the API behaves: the step, and the rest of its test, are
        skipped, naming the scope."""
        challenge = exchange.headers.get("www-authenticate", "")
        if exchange.status != 403 or expect == 403 or "insufficient_scope" not in challenge:
            return
        scope = challenge.partition('scope="')[2].partition('"')[0] or "a scope it lacks"
        why = f"the token lacks {scope} (403 insufficient_scope); the rest of this test is skipped"
        self.record(Outcome(api.key, operation, step, Status.SKIPPED, reason=why))
        raise Stop(why)

    def _judged(
        self, api: Api, operation: str, step: str, exchange: Exchange, found: list[Violation]
    ) -> None:
        """Record a step decided by one exchange: passed, or failed with the violations found
        and the request and answer that show them."""
        self.record(
            Outcome(
                api.key,
                operation,
                step,
                Status.FAILED if found else Status.PASSED,
                tuple(found),
                exchange.show_request() if found else "",
                exchange.show_response() if found else "",
                duration_s=exchange.duration_s,
            )
        )

    def skip(self, api: Api, key: str, step: str, why: str) -> None:
        """Record a step that could not run, and why."""
        self.record(Outcome(api.key, api.op(key).name, step, Status.SKIPPED, reason=why))

    def fail(self, api: Api, key: str, step: str, violation: Violation, detail: str = "") -> None:
        """Record a step that failed on a behaviour checked outside an exchange."""
        self.record(
            Outcome(api.key, api.op(key).name, step, Status.FAILED, (violation,), response=detail)
        )

    async def notification(
        self,
        api: Api,
        key: str,
        step: str,
        *,
        callback: str,
        match: Callable[[Any], bool],
        what: str,
    ) -> Any:
        """Wait for the notification ``match`` accepts at ``callback``; record the step (its
        body checked against the operation's schema) and return the body, or ``None``."""
        start = time.perf_counter()
        timeout = self.settings.timeouts.notification_s
        delivery = await self.receiver.wait(callback, match, timeout)
        op = api.op(key)
        if delivery is None:
            self.fail(
                api,
                key,
                step,
                Violation("notification", op.clause, what, f"nothing within {timeout:g} s"),
            )
            return None
        found: list[Violation] = []
        if delivery.content_type.split(";")[0].strip() != checks.JSON:
            found.append(
                Violation("Content-Type", op.clause, checks.JSON, delivery.content_type or "(none)")
            )
        body, unwrapped = checks.unwrap(delivery.body, op.wrapper)
        found += unwrapped
        if op.body is not None and not unwrapped:
            found += [
                Violation(p.path, p.clause, p.expected, p.actual)
                for p in validate(body, op.body, api.schemas)
            ]
        self.record(
            Outcome(
                api.key,
                op.name,
                step,
                Status.FAILED if found else Status.PASSED,
                tuple(found),
                response=str(delivery.body)[:2000] if found else "",
                duration_s=time.perf_counter() - start,
            )
        )
        return delivery.body
