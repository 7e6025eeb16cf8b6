"""The dashboard's sequence panel in a real headless Chromium against a real ``meclab up``
(fixtures in tests/ui/conftest.py): a handover, an app's MEC API call and the notification it
receives appear as arrows; the filters hide the others; the Mermaid export is what is shown;
and in secure mode it reads the trace with the operator's token."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from browser_kit import (
    VIEWPORT,
    WAIT_MS,
    Console,
    control,
    needs_browser,
    open_dashboard,
    screenshot,
    wait_live,
    watch_console,
)
from test_up_secure import started

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # no browser tests then (needs_browser)
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]

pytestmark = needs_browser

API = "/meclab/v1"
SENSOR, OTHER_CELL = "sensor-air-port", "4g-fontvieille"
APP = "ar-guide-fontvieille"


class Notifications:
    """A small HTTP server that takes notifications (any POST answered 204) and keeps them."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cb"


@pytest.fixture
def notifications() -> Iterator[Notifications]:
    receiver = Notifications()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def get(base: str, path: str) -> Any:
    response = httpx.get(f"{base}{path}", timeout=5.0)
    assert response.status_code == 200, response.text
    return response.json()


def shown(page: Page) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = page.evaluate("() => meclab.sequence.shown")
    return records


def wait_shown(page: Page, condition: str) -> None:
    """Wait until some record shown satisfies the JS expression ``condition`` of ``r``."""
    try:
        page.wait_for_function(
            f"() => meclab.sequence.shown.some(r => {condition})", timeout=WAIT_MS
        )
    except PlaywrightTimeout:
        seen = [(r["kind"], r["source"], r["target"], r["label"], r["status"]) for r in shown(page)]
        raise AssertionError(f"no record shown with {condition}; shown: {seen[-30:]}") from None


def test_a_handover_an_api_call_and_a_notification_appear_filtered_and_exported(
    meclab_url: str, page: Page, tmp_path: Path, notifications: Notifications
) -> None:
    base = meclab_url
    control(base, {"type": "pause"})  # only what the test does hands terminals over
    app = next(a for a in get(base, f"{API}/apps") if a["name"] == APP)
    instance = app["app_instance_id"]
    open_dashboard(page, base)
    page.click("#tabs button[data-panel=sequence]")

    # the app subscribes to its own termination (a MEC 011 call naming it in the path) ...
    subscribed = httpx.post(
        f"{base}/mec_app_support/v1/applications/{instance}/subscriptions",
        json={
            "subscriptionType": "AppTerminationNotificationSubscription",
            "callbackReference": notifications.url,
            "appInstanceId": instance,
        },
        timeout=5.0,
    )
    assert subscribed.status_code == 201, subscribed.text
    wait_shown(
        page,
        f"r.kind === 'api' && r.source === 'app:{APP}' && r.status === '201'"
        " && r.label === 'POST /mec_app_support/v1/applications/{appInstanceId}/subscriptions'",
    )
    # ... a handover made through the control API shows as cell to cell, and in the list
    source_cell = get(base, f"{API}/terminals/{SENSOR}")["poa"]
    assert source_cell != OTHER_CELL
    control(base, {"type": "move", "ue": SENSOR, "poa": OTHER_CELL})
    wait_shown(
        page,
        f"r.kind === 'handover' && r.ue === {SENSOR!r} && r.source === 'cell:{source_cell}'"
        f" && r.target === 'cell:{OTHER_CELL}'",
    )
    page.locator("#event-list li", has_text=SENSOR).first.wait_for(timeout=WAIT_MS)
    assert OTHER_CELL in page.locator("#event-list li", has_text=SENSOR).first.inner_text()
    # ... and terminating the app sends it the notification, delivered
    control(base, {"type": "terminate", "app": APP, "graceful_timeout_s": 1})
    wait_shown(
        page,
        f"r.kind === 'notification' && r.target === 'app:{APP}' && r.status === 'delivered'"
        " && r.label === 'AppTerminationNotification'",
    )
    assert any(
        b.get("notificationType") == "AppTerminationNotification" for b in notifications.bodies
    )
    wait_shown(page, f"r.kind === 'lifecycle' && r.target === 'app:{APP}'")

    # every record is an arrow between two of the lifelines drawn
    records = shown(page)
    lanes = page.locator(".seq-lane-name").count()
    assert lanes == len({p for r in records for p in (r["source"], r["target"])}) >= 4
    assert page.locator(".seq-row").count() == len(records)
    handover_row = page.locator(".seq-row.k-handover", has_text=f"handover {SENSOR}")
    assert handover_row.count() >= 1
    screenshot(page, tmp_path, "sequence")

    # a click shows a record's detail
    handover_row.first.click()
    assert f'"ue": "{SENSOR}"' in page.locator(".seq-detail").inner_text()

    # filtering by terminal hides the others, live
    page.fill(".seq-ue", SENSOR)
    page.wait_for_function(
        "() => meclab.sequence.shown.length > 0 &&"
        f" meclab.sequence.shown.every(r => r.ue === {SENSOR!r})",
        timeout=WAIT_MS,
    )
    assert all(r["kind"] in ("handover", "zone", "attach") for r in shown(page))
    assert page.locator(".seq-row").count() == len(shown(page))
    page.fill(".seq-ue", "")

    # filtering by app: only what concerns it
    page.fill(".seq-app", APP)
    page.wait_for_function(
        "() => meclab.sequence.shown.length > 0 && meclab.sequence.shown.every(r =>"
        f" r.app === {APP!r} || r.source === 'app:{APP}' || r.target === 'app:{APP}')",
        timeout=WAIT_MS,
    )
    kinds = {r["kind"] for r in shown(page)}
    assert {"api", "notification", "lifecycle"} <= kinds and "handover" not in kinds

    # the export is a Mermaid sequence diagram of exactly what is shown
    text: str = page.evaluate("() => meclab.sequence.mermaid()")
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    participants = [line for line in lines if line.startswith("  participant ")]
    messages = [line for line in lines[1:] if not line.startswith("  participant ")]
    assert len(messages) == len(shown(page))
    assert f"participant P1 as app:{APP}" in text or f"as app:{APP}" in text
    assert len(participants) == page.locator(".seq-lane-name").count()
    assert any("AppTerminationNotification (delivered)" in m and "-->>" in m for m in messages)
    assert all(":" in m and ("->>" in m or "-x" in m) for m in messages)
    with page.expect_download() as download:
        page.click(".seq-download")
    saved = Path(download.value.path())
    assert download.value.suggested_filename.endswith(".mmd")
    assert saved.read_text() == text

    # scrolled up, the diagram stays put as records arrive; "follow" takes it to the bottom
    page.fill(".seq-app", "")
    page.evaluate("() => { document.querySelector('.seq-scroll').style.maxHeight = '60px'; }")
    page.wait_for_function("() => meclab.sequence.shown.length >= 6", timeout=WAIT_MS)
    page.evaluate("() => { const s = document.querySelector('.seq-scroll'); s.scrollTop = 0; }")
    page.wait_for_function("() => !meclab.sequence.follow", timeout=WAIT_MS)
    follow = page.locator(".seq-follow")
    assert follow.is_visible()
    before = len(shown(page))
    control(base, {"type": "move", "ue": SENSOR, "poa": source_cell})
    page.wait_for_function(f"() => meclab.sequence.shown.length > {before}", timeout=WAIT_MS)
    assert page.evaluate("() => document.querySelector('.seq-scroll').scrollTop") == 0
    follow.click()
    page.wait_for_function(
        "() => { const s = document.querySelector('.seq-scroll');"
        " return s.scrollTop > 0 && s.scrollTop + s.clientHeight >= s.scrollHeight - 4; }",
        timeout=WAIT_MS,
    )
    assert follow.is_hidden()


def test_the_sequence_panel_follows_a_secure_meclab(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    with started(tmp_path, "--secure") as meclab:
        context = browser.new_context(ignore_https_errors=True, viewport=VIEWPORT)
        page = context.new_page()
        watch_console(page, console)
        printed = meclab.cli("dashboard")
        assert printed.returncode == 0, printed.stderr
        page.goto(printed.stdout.strip())
        wait_live(page)
        page.click("#tabs button[data-panel=sequence]")
        for command in (("event", "pause"), ("event", "move", SENSOR, "--poa", OTHER_CELL)):
            done = meclab.cli(*command)
            assert done.returncode == 0, done.stderr
        wait_shown(page, f"r.kind === 'handover' && r.ue === {SENSOR!r}")
        # the trace itself wants the operator's token, as the other control routes
        refused = httpx.get(f"{meclab.base}{API}/trace", verify=False, timeout=5.0)
        assert refused.status_code == 401
        context.close()
    assert list(console) == [], console
