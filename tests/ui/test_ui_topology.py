"""The dashboard's topology panel in a real headless Chromium against a real ``meclab up``
(fixtures in tests/ui/conftest.py): what it lists is what the control API says, and Terminate
on the page terminates the instance in the world."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from browser_kit import WAIT_MS, control, needs_browser, open_dashboard, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Dialog, Page

pytestmark = needs_browser

API = "/meclab/v1"
VICTIM = "ar-guide-fontvieille"


def get(base: str, path: str) -> Any:
    response = httpx.get(f"{base}{API}{path}", timeout=5.0)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_topology_panel_lists_the_world_and_terminates_an_instance(
    meclab_url: str, page: Page, tmp_path: Path
) -> None:
    base = meclab_url
    control(base, {"type": "pause"})  # who serves whom stays put while the test compares
    open_dashboard(page, base)
    page.click("#tabs button[data-panel=topology]")
    page.wait_for_function("() => meclab.topology.refreshes > 0", timeout=WAIT_MS)
    panel = page.locator("#panel-topology")

    # operators -> zones -> hosts, as the control API lists them
    zones = get(base, "/zones")
    nodes = get(base, "/nodes")
    apps = {a["name"]: a for a in get(base, "/apps")}
    assert panel.locator("[data-operator]").evaluate_all("e => e.map(x => x.dataset.operator)") == [
        "op-monaco"
    ]
    listed_zones = panel.locator("[data-zone]").evaluate_all("e => e.map(x => x.dataset.zone)")
    assert listed_zones == [z["name"] for z in zones]
    listed_hosts = panel.locator("[data-host]").evaluate_all("e => e.map(x => x.dataset.host)")
    assert sorted(listed_hosts) == sorted(n["name"] for n in nodes)
    for zone in zones:
        box = panel.locator(f"[data-zone='{zone['name']}']")
        for host in zone["mec_hosts"]:
            assert box.locator(f"[data-host='{host}']").count() == 1

    # every app instance with its platform state, and its services
    for node in nodes:
        host = panel.locator(f"[data-host='{node['name']}']")
        for name in node["apps"]:
            row = host.locator(f"tr[data-app='{name}']")
            state = apps[name]["state"] or "cloud"
            assert row.locator(".topo-state").inner_text() == state
            for service in apps[name]["services_produced"]:
                assert service in row.inner_text()
    guide = panel.locator(f"tr[data-app='{VICTIM}']")
    assert "rni" in guide.inner_text() and "location" in guide.inner_text()

    # which host serves how many terminals now: the zones' terminals, all counted
    connected = get(base, "/world")["counts"]["connected_terminals"]
    counts = panel.locator(".topo-served").evaluate_all("e => e.map(x => +x.dataset.count)")
    assert sum(counts) == connected
    for zone in zones:
        text = panel.locator(f"[data-zone='{zone['name']}']").inner_text()
        assert all(t in text for t in zone["terminals"])  # names, in a small world

    # Terminate (confirmed) terminates the instance in the world; the panel shows it
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    guide.locator(".topo-terminate").click()
    page.wait_for_function(
        f"() => meclab.topology.terminating.includes({VICTIM!r})", timeout=WAIT_MS
    )
    assert asked == [f"Terminate application instance {VICTIM}?"]
    state = {a["name"]: a for a in get(base, "/apps")}[VICTIM]["state"]
    assert state in ("TERMINATING", None)
    page.wait_for_function(
        f"""() => {{
            const s = document.querySelector("tr[data-app='{VICTIM}'] .topo-state");
            return s && ["TERMINATING", "terminated"].includes(s.textContent);
        }}""",
        timeout=WAIT_MS,
    )
    assert guide.locator(".topo-terminate").count() == 0
    manual = get(base, "/events?type=manual")["items"]
    asked_for = [e["params"]["app"] for e in manual if e["action"] == "terminate"]
    assert asked_for == [VICTIM]  # one command, the CLI's
    # a name click opens its details
    panel.locator("[data-host='mec-condamine'] .topo-link").first.click()
    page.wait_for_function(
        "() => document.getElementById('details-body').dataset.name === 'mec-condamine'",
        timeout=WAIT_MS,
    )
    screenshot(page, tmp_path, "topology")
