"""The dashboard of a meclab in secure mode (HTTPS from its local CA, a token on every request):
it asks to sign in, signs in with the link ``meclab dashboard`` prints, and then works as in
open mode, its event stream included."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from browser_kit import (
    VIEWPORT,
    WAIT_MS,
    Console,
    needs_browser,
    open_dashboard,
    screenshot,
    state,
    wait_live,
    watch_console,
)
from test_up_secure import started

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = needs_browser

SENSOR, OTHER_CELL = "sensor-air-port", "4g-fontvieille"


def test_a_secure_meclab_is_watched_after_signing_in(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    with started(tmp_path, "--secure") as meclab:
        # meclab's certificate comes from its own CA, which this browser does not trust
        context = browser.new_context(ignore_https_errors=True, viewport=VIEWPORT)
        page = context.new_page()
        watch_console(page, console)

        # without a credential: the page says what it needs and how to get it
        page.goto(f"{meclab.base}/")
        form = page.locator("#signin")
        form.wait_for(state="visible", timeout=WAIT_MS)
        assert "meclab dashboard" in form.inner_text()
        page.locator("#errors .error", has_text="Unauthorized").first.wait_for(timeout=WAIT_MS)

        # a wrong secret typed in is refused, readably, and the form comes back
        page.fill("#signin input[name=secret]", "not-the-secret")
        page.click("#signin button")
        page.locator("#errors .error", has_text="sign-in refused").wait_for(timeout=WAIT_MS)
        form.wait_for(state="visible", timeout=WAIT_MS)

        # the sign-in link
        printed = meclab.cli("dashboard")
        assert printed.returncode == 0, printed.stderr
        link = printed.stdout.strip()
        assert link.startswith(f"{meclab.base}/#client_id=operator&client_secret=")
        assert "secure mode" in printed.stderr and "meclab ca" in printed.stderr
        page.goto(link)
        wait_live(page)
        assert "client_secret" not in page.url  # off the address bar
        assert form.is_hidden()
        assert state(page)["drawn"]["terminals"] == 23

        # live over the authenticated stream: a handover made with the CLI is listed
        for command in (("event", "pause"), ("event", "move", SENSOR, "--poa", OTHER_CELL)):
            done = meclab.cli(*command)
            assert done.returncode == 0, done.stderr
        page.wait_for_function(
            f"() => meclab.handovers.some(h => h.ue === {SENSOR!r} && h.target === {OTHER_CELL!r})",
            timeout=WAIT_MS,
        )
        screenshot(page, tmp_path, "dashboard-secure")

        # a reload keeps the session (this tab's storage), a new tab has none
        page.reload()
        open_dashboard(page, meclab.base)
        assert form.is_hidden()
        other = context.new_page()
        other.goto(f"{meclab.base}/")
        other.locator("#signin").wait_for(state="visible", timeout=WAIT_MS)
        other.close()
        context.close()
    # the requests refused before signing in, logged by the browser itself
    console.allow("status of 401")
    console.allow("status of 400")
