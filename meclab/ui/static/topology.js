// meclab dashboard: the topology panel. Operators → zones → MEC hosts and fog nodes (and the
// clouds) → app instances with their platform state, the services each offers (MEC 011
// registry) and requires, and how many terminals each host serves now (their names in small
// worlds), from GET /meclab/v1/topology. A Terminate button per instance sends the control
// API's TerminateCommand (the CLI's `meclab event terminate`).
//
// Refreshed when the world loads, shortly after events (debounced: handovers may come by the
// hundred) and every few seconds while the panel is shown; a few dozen DOM nodes whatever the
// number of terminals (counts, and names only where the API lists them).
"use strict";

(() => {
  const meclab = window.meclab;
  const REFRESH_MS = 3000;
  const EVENT_DEBOUNCE_MS = 500;

  /** What the panel shows; read by the browser tests. */
  const topo = { data: null, refreshes: 0, terminating: [] };
  meclab.topology = topo;

  const root = document.getElementById("panel-topology");
  root.innerHTML = '<div class="topo-tree muted">loading…</div>';
  let busy = false;
  let soon = null;

  function visible() {
    return meclab.panel === "topology";
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      topo.data = await meclab.api("/topology");
      topo.refreshes++;
      render(topo.data);
    } catch (exc) {
      meclab.report(exc, "poll");
    } finally {
      busy = false;
    }
  }
  topo.refresh = refresh;

  function refreshSoon() {
    if (soon !== null || !visible()) return;
    soon = setTimeout(() => {
      soon = null;
      refresh();
    }, EVENT_DEBOUNCE_MS);
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function link(text, kind, name) {
    const a = el("a", text, "topo-link");
    a.href = "#";
    a.addEventListener("click", (e) => {
      e.preventDefault();
      meclab.showDetails(kind, name);
    });
    return a;
  }

  async function terminate(app) {
    const id = app.name || app.app_instance_id;
    if (!window.confirm(`Terminate application instance ${id}?`)) return;
    try {
      await meclab.api("/events", { method: "POST", body: { type: "terminate", app: id } });
      topo.terminating.push(id);
    } catch (exc) {
      meclab.report(exc);
    }
    await refresh();
  }

  function appRow(app, host) {
    const tr = el("tr");
    tr.dataset.app = app.name || app.app_instance_id;
    const state = app.state || (host.kind === "cloud" ? "cloud" : "terminated");
    const stateCell = el("td");
    stateCell.append(el("span", state, `topo-state s-${state.toLowerCase()}`));
    const offered = app.services_offered.map((s) => `${s.name} (${s.state})`).join(", ") || "–";
    const consumed =
      app.services_consumed.map((s) => (s.available ? s.name : `${s.name} (missing)`)).join(", ") ||
      "–";
    const action = el("td");
    if (app.state && app.state !== "TERMINATING") {
      const b = el("button", "Terminate", "topo-terminate");
      b.type = "button";
      b.title = "terminate this instance gracefully (MEC 011 AppTermination)";
      b.addEventListener("click", () => terminate(app));
      action.append(b);
    }
    const name = el("td", app.name || app.app_instance_id);
    if (app.app_name !== app.name) name.append(el("span", ` (${app.app_name})`, "muted"));
    if (!app.emulated) name.append(el("span", " yours", "topo-badge"));
    tr.append(name, stateCell, el("td", offered), el("td", consumed), action);
    return tr;
  }

  function hostBlock(host) {
    const box = el("div", undefined, `topo-host k-${host.kind}`);
    box.dataset.host = host.name;
    const kinds = { mec_host: "MEC host", fog: "fog node", cloud: "cloud" };
    const head = el("div", undefined, "topo-host-head");
    head.append(el("span", kinds[host.kind], "topo-kind"), " ", link(host.name, "node", host.name));
    if (host.kind !== "cloud") {
      const served = el("span", undefined, "topo-served");
      served.dataset.count = String(host.terminals_served);
      served.textContent = ` · serves ${host.terminals_served} terminal${host.terminals_served === 1 ? "" : "s"}`;
      if (host.terminals && host.terminals.length) served.title = host.terminals.join(", ");
      head.append(served);
    }
    box.append(head);
    if (host.terminals && host.terminals.length) {
      box.append(el("div", host.terminals.join(", "), "topo-terminals muted"));
    }
    if (host.platform_services.length) {
      box.append(el("div", `platform services: ${host.platform_services.join(", ")}`, "muted"));
    }
    if (host.apps.length) {
      const table = el("table", undefined, "topo-apps");
      const tr = el("tr");
      for (const h of ["app instance", "state", "offers", "requires", ""]) tr.append(el("th", h));
      table.append(tr);
      for (const app of host.apps) table.append(appRow(app, host));
      box.append(table);
    } else box.append(el("div", "no application instance", "muted"));
    return box;
  }

  function render(data) {
    const tree = el("div", undefined, "topo-tree");
    tree.append(
      el(
        "div",
        `${data.terminals} terminals, ${data.connected_terminals} connected`,
        "topo-summary muted",
      ),
    );
    for (const op of data.operators) {
      const section = el("section", undefined, "topo-operator");
      section.dataset.operator = op.name;
      section.append(el("h3", `operator ${op.name}`));
      for (const zone of op.zones) {
        const z = el("div", undefined, "topo-zone");
        z.dataset.zone = zone.name;
        const head = el("div", undefined, "topo-zone-head");
        head.append(link(zone.name, "zone", zone.name), el("span", ` · ${zone.poas.length} cells`, "muted"));
        z.append(head);
        for (const host of zone.hosts) z.append(hostBlock(host));
        section.append(z);
      }
      for (const cloud of op.clouds) section.append(hostBlock(cloud));
      tree.append(section);
    }
    if (data.clouds.length) {
      const section = el("section", undefined, "topo-operator");
      section.append(el("h3", "public network"));
      for (const cloud of data.clouds) section.append(hostBlock(cloud));
      tree.append(section);
    }
    root.replaceChildren(tree);
  }

  meclab.on("world", () => {
    if (visible()) refresh();
  });
  meclab.on("panel", (name) => {
    if (name === "topology") refresh();
  });
  meclab.on("event", refreshSoon);
  setInterval(() => {
    if (visible() && meclab.ready) refresh();
  }, REFRESH_MS);
})();
