// meclab dashboard: the core of the page and its live map, from meclab's public control API.
//
// Everything shown comes from the same APIs a script would use: /meclab/v1/world, /poas,
// /zones, /nodes, /terminals/positions (polled), /terminals/{name} (on click) and the event
// stream /meclab/v1/events/stream (EventSource resends Last-Event-ID itself on reconnect, also
// after meclab restarted, and the server resumes after it, so no event is listed twice).
//
// Terminals are drawn on one canvas, one arc each, never one DOM node each: the page must stay
// smooth with 10,000 of them. `window.meclab` exposes what was drawn, for tests and curious
// users, and what the panels (charts.js, sequence.js, ...) plug into: `meclab.api`,
// `meclab.report`, and `meclab.on(topic, fn)` for "world" (loaded or reloaded), "poll" (fresh
// positions), "event" (each record of the event stream), "panel" (a panel was shown) and
// "select" ({kind, name}: a terminal or another element was picked for the details panel).
"use strict";

(() => {
  const { api, ApiError, stream } = window.meclabConnection;
  const POLL_MS = 200; // ~5 Hz, the engine ticks at 10 Hz by default
  const PICK_PX = 8; // a click picks the nearest terminal within this many pixels
  const FLASH_MS = 2500; // how long a handover highlights its terminal
  const MAX_EVENTS = 200; // handovers kept in the list
  const DRAG_PX = 4; // a press that moves less than this is a click, not a pan
  const M_PER_DEG = 111_320; // metres per degree of latitude (equirectangular projection)
  const RADIO_COLOURS = { "4G": "#f0a030", "5G": "#b070f0", WIFI: "#30c0a0" };
  const STREAM_TYPES = ["handover", "relocation", "netchar_change", "manual"];
  const COLOURS = { mec: "#e05060", cloud: "#6090f0", ue: "#f4f4f4", off: "#707a86", flash: "#ffe040" };

  /** What the page holds and has drawn; read by the browser tests. */
  const meclab = {
    ready: false,
    world: null,
    poas: [],
    zones: [],
    nodes: [],
    positions: null, // {t, names, lon, lat, poa}
    positionsT: null, // simulation time of the last positions received
    drawnPoll: 0, // which poll's positions are on the canvas now (meclab.polls then)
    polls: 0,
    drawn: { poas: 0, nodes: 0, terminals: 0, links: 0 },
    frames: 0,
    handovers: [], // newest first: {seq, t, ue, source, target}
    errors: [], // newest last: {title, detail}
    selected: null, // name of the terminal in the details panel
    streamOpen: false,
    streamOpens: 0, // how many times the stream (re)opened
    lastSeq: null, // seq of the last event received
    panel: "charts", // the panel shown below the map
  };
  window.meclab = meclab;

  const listeners = new Map(); // topic -> [fn]

  /** Call `fn(payload)` on each `topic`: "world", "poll", "event", "panel" or "select". */
  meclab.on = (topic, fn) => {
    if (!listeners.has(topic)) listeners.set(topic, []);
    listeners.get(topic).push(fn);
  };

  function emit(topic, payload) {
    for (const fn of listeners.get(topic) || []) {
      try {
        fn(payload);
      } catch (exc) {
        report(exc);
      }
    }
  }

  const canvas = document.getElementById("map");
  const ctx = canvas.getContext("2d");
  const flashes = new Map(); // terminal name -> performance.now() when its flash ends
  const view = { lon0: 0, lat0: 0, kx: M_PER_DEG, scale: 1, panX: 0, panY: 0 };
  let poaIndex = new Map(); // PoA name -> its entry in meclab.poas
  let screenXY = new Float64Array(0); // last drawn terminal positions, in CSS pixels
  let dirty = true;

  // --- errors ------------------------------------------------------------------------------

  /** Show an error in the page; `origin` "poll" marks those the next good poll clears. */
  function showError(title, detail, origin = "request") {
    const box = document.getElementById("errors");
    const last = meclab.errors[meclab.errors.length - 1];
    if (last && last.title === title && last.detail === detail) return; // a poll repeating it
    meclab.errors.push({ title, detail, origin });
    const line = document.createElement("div");
    line.className = "error";
    line.dataset.origin = origin;
    const b = document.createElement("b");
    b.textContent = title;
    line.append(b, document.createTextNode(detail));
    box.append(line);
    while (box.childElementCount > 5) box.firstElementChild.remove();
  }

  function clearErrors(origin) {
    for (const line of document.querySelectorAll(`#errors .error[data-origin="${origin}"]`)) {
      line.remove();
    }
  }

  meclab.api = api;
  meclab.ApiError = ApiError;

  function report(exc, origin = "request") {
    if (exc instanceof ApiError) showError(exc.title, exc.detail, origin);
    else showError("dashboard error", String(exc && exc.message ? exc.message : exc), origin);
  }
  meclab.report = report;
  meclab.showError = showError;

  // --- projection and view -------------------------------------------------------------------

  function fitView() {
    // equirectangular around the centre of the PoAs' coverage and the edge nodes, fitted to
    // the canvas; clouds are left out (the default one is in Paris, 700 km from Monaco), and
    // terminals only count in a world without PoAs
    const pts = [];
    for (const p of meclab.poas) pts.push([p.position[0], p.position[1], p.radius_m]);
    for (const n of meclab.nodes) {
      if (n.position && n.kind !== "cloud") pts.push([n.position[0], n.position[1], 0]);
    }
    const pos = meclab.positions;
    if (pos && !meclab.poas.length) {
      for (let i = 0; i < pos.names.length; i++) pts.push([pos.lon[i], pos.lat[i], 0]);
    }
    if (!pts.length) pts.push([0, 0, 1000]);
    const lons = pts.map((p) => p[0]);
    const lats = pts.map((p) => p[1]);
    view.lon0 = (Math.min(...lons) + Math.max(...lons)) / 2;
    view.lat0 = (Math.min(...lats) + Math.max(...lats)) / 2;
    view.kx = M_PER_DEG * Math.cos((view.lat0 * Math.PI) / 180);
    let w = 200;
    let h = 200;
    for (const [lon, lat, r] of pts) {
      w = Math.max(w, 2 * (Math.abs((lon - view.lon0) * view.kx) + r));
      h = Math.max(h, 2 * (Math.abs((lat - view.lat0) * M_PER_DEG) + r));
    }
    const rect = canvas.getBoundingClientRect();
    view.scale = 0.9 * Math.min(rect.width / w, rect.height / h) || 1;
    view.panX = 0;
    view.panY = 0;
  }

  /** Screen position (CSS pixels) of a lon/lat. */
  function project(lon, lat) {
    const rect = canvas.getBoundingClientRect();
    return [
      rect.width / 2 + view.panX + (lon - view.lon0) * view.kx * view.scale,
      rect.height / 2 + view.panY - (lat - view.lat0) * M_PER_DEG * view.scale,
    ];
  }

  function resize() {
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(rect.width * dpr));
    canvas.height = Math.max(1, Math.round(rect.height * dpr));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    dirty = true;
  }

  // --- drawing -------------------------------------------------------------------------------

  function draw(now) {
    const rect = canvas.getBoundingClientRect();
    ctx.clearRect(0, 0, rect.width, rect.height);
    const drawn = { poas: 0, nodes: 0, terminals: 0, links: 0 };

    // coverage first, under everything
    for (const p of meclab.poas) {
      const [x, y] = project(p.position[0], p.position[1]);
      const colour = RADIO_COLOURS[p.type] || COLOURS.off;
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, p.radius_m * view.scale), 0, 2 * Math.PI);
      ctx.globalAlpha = 0.1;
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.globalAlpha = 1;
      p.screen = [x, y];
    }

    // serving-cell links and terminals
    const pos = meclab.positions;
    if (pos) {
      const n = pos.names.length;
      if (screenXY.length !== 2 * n) screenXY = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const [x, y] = project(pos.lon[i], pos.lat[i]);
        screenXY[2 * i] = x;
        screenXY[2 * i + 1] = y;
      }
      ctx.lineWidth = 0.7;
      ctx.globalAlpha = 0.5;
      for (let i = 0; i < n; i++) {
        const cell = pos.poa[i] !== null ? poaIndex.get(pos.poa[i]) : undefined;
        if (!cell || !cell.screen) continue;
        ctx.strokeStyle = RADIO_COLOURS[cell.type] || COLOURS.off;
        ctx.beginPath();
        ctx.moveTo(screenXY[2 * i], screenXY[2 * i + 1]);
        ctx.lineTo(cell.screen[0], cell.screen[1]);
        ctx.stroke();
        drawn.links++;
      }
      ctx.globalAlpha = 1;
      for (let i = 0; i < n; i++) {
        const x = screenXY[2 * i];
        const y = screenXY[2 * i + 1];
        const until = flashes.get(pos.names[i]);
        const flashing = until !== undefined && until > now;
        ctx.fillStyle = pos.poa[i] === null ? COLOURS.off : COLOURS.ue;
        ctx.beginPath();
        ctx.arc(x, y, 3, 0, 2 * Math.PI);
        ctx.fill();
        if (flashing || pos.names[i] === meclab.selected) {
          ctx.strokeStyle = flashing ? COLOURS.flash : COLOURS.ue;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(x, y, flashing ? 7 + 3 * Math.sin(now / 80) : 6, 0, 2 * Math.PI);
          ctx.stroke();
        }
        drawn.terminals++;
      }
    }

    // PoA centres on top of the links
    for (const p of meclab.poas) {
      ctx.fillStyle = RADIO_COLOURS[p.type] || COLOURS.off;
      ctx.beginPath();
      ctx.arc(p.screen[0], p.screen[1], 4, 0, 2 * Math.PI);
      ctx.fill();
      drawn.poas++;
    }

    // compute nodes: MEC hosts (and fog) as squares, clouds as diamonds; a node with no
    // position or off the map (a distant cloud) is drawn in a row at the top left
    let row = 0;
    ctx.font = "11px system-ui, sans-serif";
    for (const node of meclab.nodes) {
      let [x, y] = node.position ? project(node.position[0], node.position[1]) : [-1, -1];
      if (x < 0 || y < 0 || x > rect.width || y > rect.height) [x, y] = [16 + 130 * row++, 16];
      ctx.fillStyle = node.kind === "cloud" ? COLOURS.cloud : COLOURS.mec;
      ctx.save();
      ctx.translate(x, y);
      if (node.kind === "cloud") ctx.rotate(Math.PI / 4);
      ctx.fillRect(-5, -5, 10, 10);
      ctx.restore();
      ctx.fillText(node.name, x + 9, y + 4);
      drawn.nodes++;
    }

    meclab.drawn = drawn;
    meclab.drawnPoll = meclab.polls;
    meclab.frames++;
  }

  function frame(now) {
    let flashing = false;
    for (const [name, until] of flashes) {
      if (until > now) flashing = true;
      else flashes.delete(name);
    }
    if (dirty || flashing) {
      dirty = false;
      draw(now);
    }
    requestAnimationFrame(frame);
  }

  // --- pan, zoom, click ---------------------------------------------------------------------

  let press = null; // {x, y, panX, panY, moved}

  canvas.addEventListener("pointerdown", (e) => {
    press = { x: e.clientX, y: e.clientY, panX: view.panX, panY: view.panY, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!press) return;
    const dx = e.clientX - press.x;
    const dy = e.clientY - press.y;
    if (!press.moved && Math.hypot(dx, dy) < DRAG_PX) return;
    press.moved = true;
    canvas.classList.add("dragging");
    view.panX = press.panX + dx;
    view.panY = press.panY + dy;
    dirty = true;
  });
  canvas.addEventListener("pointerup", (e) => {
    const wasClick = press && !press.moved;
    press = null;
    canvas.classList.remove("dragging");
    if (wasClick) {
      const rect = canvas.getBoundingClientRect();
      pick(e.clientX - rect.left, e.clientY - rect.top);
    }
  });
  canvas.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const factor = Math.exp(-e.deltaY * 0.0015);
      // keep the point under the cursor where it is
      const cx = e.clientX - rect.left - rect.width / 2 - view.panX;
      const cy = e.clientY - rect.top - rect.height / 2 - view.panY;
      view.scale *= factor;
      view.panX -= cx * (factor - 1);
      view.panY -= cy * (factor - 1);
      dirty = true;
    },
    { passive: false },
  );

  /** Nearest terminal within PICK_PX of (x, y), in CSS pixels; its name or null. */
  function nearestTerminal(x, y) {
    const pos = meclab.positions;
    if (!pos) return null;
    let best = null;
    let bestD = PICK_PX * PICK_PX;
    for (let i = 0; i < pos.names.length; i++) {
      const dx = screenXY[2 * i] - x;
      const dy = screenXY[2 * i + 1] - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = pos.names[i];
      }
    }
    return best;
  }
  meclab.nearestTerminal = nearestTerminal;
  meclab.project = project;
  /** Screen distance between the first two PoAs (how far the map is zoomed in). */
  meclab.poaSpread = () => {
    const [a, b] = meclab.poas;
    if (!b) return 0;
    const [ax, ay] = project(...a.position);
    const [bx, by] = project(...b.position);
    return Math.hypot(ax - bx, ay - by);
  };

  function pick(x, y) {
    const name = nearestTerminal(x, y);
    if (name === null) return;
    meclab.showTerminal(name);
  }

  // --- details panel -----------------------------------------------------------------------

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function fmt(value, digits = 1) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
  }

  async function showTerminal(name) {
    const t = await api(`/terminals/${encodeURIComponent(name)}`);
    const body = document.getElementById("details-body");
    body.className = "";
    const facts = [
      ["terminal", t.name],
      ["address", t.address],
      ["serving cell", t.poa ? `${t.poa} (${t.radio})` : "none (out of coverage)"],
      ["zone", t.zone || "–"],
      ["signal", t.signal_dbm === null ? "–" : `${fmt(t.signal_dbm)} dBm`],
      ["speed", `${fmt(t.velocity_mps)} m/s`],
      ["position", `${fmt(t.position[0], 5)}, ${fmt(t.position[1], 5)}`],
      ["apps", t.apps.join(", ") || "–"],
    ];
    const table = document.createElement("table");
    for (const [k, v] of facts) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = k;
      tr.append(th, cell(v));
      table.append(tr);
    }
    const heading = document.createElement("h2");
    heading.textContent = "Measurements";
    heading.style.marginTop = "8px";
    const m = document.createElement("table");
    const head = document.createElement("tr");
    for (const h of ["PoA", "radio", "signal dBm", "RSRQ dB", "SINR dB", "m"]) {
      const th = document.createElement("th");
      th.textContent = h;
      head.append(th);
    }
    m.append(head);
    for (const r of t.measurements) {
      const tr = document.createElement("tr");
      if (r.serving) tr.className = "serving";
      tr.append(
        cell(r.poa),
        cell(r.radio),
        cell(fmt(r.signal_dbm)),
        cell(fmt(r.rsrq_db)),
        cell(fmt(r.sinr_db)),
        cell(fmt(r.distance_m, 0)),
      );
      m.append(tr);
    }
    body.replaceChildren(table, heading, m);
    body.dataset.terminal = t.name;
  }

  // --- live data -----------------------------------------------------------------------------

  async function loadWorld() {
    const [world, poas, zones, nodes, positions] = await Promise.all([
      api("/world"),
      api("/poas"),
      api("/zones"),
      api("/nodes"),
      api("/terminals/positions"),
    ]);
    Object.assign(meclab, { world, poas, zones, nodes, positions, positionsT: positions.t });
    poaIndex = new Map(poas.map((p) => [p.name, p]));
    showWorld(world);
    fitView();
    dirty = true;
    emit("world", world);
  }

  function showWorld(world) {
    const status = document.getElementById("world-status");
    const c = world.counts;
    status.textContent =
      `${world.scenario} · t=${world.time_s.toFixed(1)} s · ` +
      `${world.paused ? "paused" : `×${world.speed}`} · ${c.poas} points of access · ` +
      `${c.terminals} terminals (${c.connected_terminals} connected)`;
  }

  async function poll() {
    try {
      const positions = await api("/terminals/positions");
      meclab.positions = positions;
      meclab.positionsT = positions.t;
      meclab.polls++;
      dirty = true;
      if (meclab.polls % 5 === 0) {
        const world = await api("/world");
        // a restarted meclab (its clock went back) or another scenario: load the world afresh
        if (world.scenario !== meclab.world.scenario || world.ticks < meclab.world.ticks) {
          await loadWorld();
        } else {
          meclab.world = world;
          showWorld(world);
        }
      }
      clearErrors("poll");
      emit("poll", positions);
    } catch (exc) {
      report(exc, "poll");
    } finally {
      setTimeout(poll, POLL_MS); // after the answer, so a slow meclab is never flooded
    }
  }

  function listHandover(record) {
    meclab.handovers.unshift({
      seq: record.seq,
      t: record.t,
      ue: record.ue,
      source: record.source,
      target: record.target,
    });
    meclab.handovers.length = Math.min(meclab.handovers.length, MAX_EVENTS);
    flashes.set(record.ue, performance.now() + FLASH_MS);
    const list = document.getElementById("event-list");
    const item = document.createElement("li");
    item.className = "fresh";
    item.dataset.seq = String(record.seq);
    item.textContent = `t=${record.t.toFixed(1)} s  ${record.ue}: ${record.source} → ${record.target}`;
    list.prepend(item);
    setTimeout(() => item.classList.remove("fresh"), FLASH_MS);
    while (list.childElementCount > MAX_EVENTS) list.lastElementChild.remove();
    if (record.ue === meclab.selected) showTerminal(record.ue).catch(report);
  }

  // The stream reconnects by itself after a drop (meclab restarting too), sending the last id
  // it had as Last-Event-ID; the server resumes after it from its store, so nothing is listed
  // twice or missed.
  function listen() {
    const status = document.getElementById("stream-status");
    const query = STREAM_TYPES.map((t) => `type=${t}`).join("&");
    stream(`/events/stream?${query}`, {
      onOpen() {
        meclab.streamOpen = true;
        meclab.streamOpens++;
        status.textContent = "live";
      },
      onClose() {
        meclab.streamOpen = false;
        status.textContent = "reconnecting…";
      },
      onEvent(e) {
        // the server fell behind this page and closes the stream; the reconnection replays
        // the rest from the store, so this is only said, not lost
        if (e.event === "lagged") {
          status.textContent = "catching up…";
          return;
        }
        const record = JSON.parse(e.data);
        meclab.lastSeq = record.seq;
        if (record.type === "handover") listHandover(record);
        emit("event", record);
      },
    });
  }

  async function boot() {
    try {
      await loadWorld();
      meclab.ready = true;
    } catch (exc) {
      report(exc, "poll");
      setTimeout(boot, 2000); // meclab may be starting, or restarting
      return;
    }
    listen();
    setTimeout(poll, POLL_MS);
  }

  meclab.showTerminal = (name) => {
    meclab.selected = name;
    dirty = true;
    emit("select", { kind: "terminal", name });
    return showTerminal(name).catch(report);
  };

  // --- panels below the map ---------------------------------------------------------------

  /** Show the panel named `name` ("charts", "sequence", "topology"). */
  meclab.showPanel = (name) => {
    for (const tab of document.querySelectorAll("#tabs button")) {
      tab.setAttribute("aria-selected", String(tab.dataset.panel === name));
    }
    for (const panel of document.querySelectorAll("#panels .panel")) {
      panel.hidden = panel.dataset.panel !== name;
    }
    meclab.panel = name;
    emit("panel", name);
  };
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.addEventListener("click", () => meclab.showPanel(tab.dataset.panel));
  }

  resize();
  new ResizeObserver(resize).observe(canvas);
  requestAnimationFrame(frame);
  // after every panel's script has run and registered its listeners
  document.addEventListener("DOMContentLoaded", boot);
})();
