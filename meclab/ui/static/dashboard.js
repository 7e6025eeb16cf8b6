// meclab dashboard: the core of the page and its live map, from meclab's public control API.
//
// Everything shown comes from the same APIs a script would use: /meclab/v1/world, /poas,
// /zones, /nodes, /apps, /scenario (the terminals' paths), /terminals/positions (polled), on
// click /terminals/{name}, /poas/{name}, /nodes/{name}, /zones/{name}, /elements/{name} and the
// data plane's /dataplane/flows and /dataplane/access/{element}, and the event stream /meclab/v1/events/stream (EventSource resends Last-Event-ID itself on reconnect, also
// after meclab restarted, and the server resumes after it, so no event is listed twice).
//
// Terminals are drawn on one canvas, one arc each, never one DOM node each: the page must stay
// smooth with 10,000 of them. `window.meclab` exposes what was drawn, for tests and curious
// users, and what the panels (charts.js, sequence.js, ...) plug into: `meclab.api`,
// `meclab.report`, and `meclab.on(topic, fn)` for "world" (loaded or reloaded), "poll" (fresh
// positions), "event" (each record of the event stream), "panel" (a panel was shown),
// "select" ({kind, name}: a terminal, cell, node or zone was picked for the details panel),
// "details" ({kind, name, body, data}: its details were drawn, for steer.js to add its forms)
// and "drop" ({name, lon, lat}: a terminal was dragged on the map and dropped there).
"use strict";

(() => {
  const { api, ApiError, stream } = window.meclabConnection;
  const POLL_MS = 200; // ~5 Hz, the engine ticks at 10 Hz by default
  const PICK_PX = 8; // a click picks the nearest terminal within this many pixels
  const PICK_SITE_PX = 10; // ... else the nearest node or cell centre within this many
  const PATHS_MAX = 200; // every terminal's path up to this many terminals; a sample beyond
  const SERVED_NAMES_MAX = 50; // a cell's details list this many of the terminals it serves
  const FLASH_MS = 2500; // how long a handover highlights its terminal
  const MAX_EVENTS = 200; // handovers kept in the list
  const DRAG_PX = 4; // a press that moves less than this is a click, not a pan
  const M_PER_DEG = 111_320; // metres per degree of latitude (equirectangular projection)
  const RADIO_COLOURS = { "4G": "#f0a030", "5G": "#b070f0", WIFI: "#30c0a0" };
  const STREAM_TYPES = ["handover", "relocation", "netchar_change", "manual"];
  const COLOURS = { mec: "#e05060", cloud: "#6090f0", ue: "#f4f4f4", off: "#707a86", flash: "#ffe040" };
  const ZONE_COLOURS = ["#5aa9e6", "#7fc8a9", "#f28482", "#f6bd60", "#c3a6ff", "#84a59d"];
  const HULL_STEPS = 24; // points on each coverage circle the zone outline wraps
  const LAYERS_SETTLE_MS = 120; // layers are drawn afresh once the view is still this long
  const COVERAGE_BATCH = 200; // coverage circles drawn one by one up to this many cells
  const ARCS_MAX = 2000; // terminals drawn as round dots up to this many, small squares beyond
  const LINK_COLOURS = [...Object.values(RADIO_COLOURS), COLOURS.off]; // a link's, by cell type
  const NO_CELL = -1; // a terminal's cell index when it has none (out of coverage)
  const UNKNOWN_CELL = -2; // ... when its cell is not in meclab.poas (drawn connected, no link)

  /** What the page holds and has drawn; read by the browser tests. */
  const meclab = {
    ready: false,
    world: null,
    poas: [],
    zones: [],
    nodes: [],
    apps: [],
    paths: new Map(), // terminal name -> {path: [[lon, lat]...], loop}
    positions: null, // {t, names, lon, lat, poa}
    positionsT: null, // simulation time of the last positions received
    drawnPoll: 0, // which poll's positions are on the canvas now (meclab.polls then)
    polls: 0,
    drawn: { poas: 0, nodes: 0, terminals: 0, links: 0, zones: 0, paths: 0 },
    frames: 0, // how many times the map was drawn
    drawMs: 0, // the time those draws took in the page's script, in all (ms)
    handovers: [], // newest first: {seq, t, ue, source, target}
    errors: [], // newest last: {title, detail}
    selected: null, // name of what the details panel shows
    selection: null, // {kind, name} of what the details panel shows
    dragging: null, // {name, x, y}: a terminal being dragged, and where the pointer is
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
  let pathNames = []; // terminals whose paths are drawn (all, or a sample in a large world)
  let dirty = true;
  const under = document.createElement("canvas"); // zones, coverage, paths: under terminals
  const over = document.createElement("canvas"); // cells' centres and compute nodes: above them
  const underCtx = under.getContext("2d");
  const overCtx = over.getContext("2d");
  let layersKey = null; // the size, world and selection the layers were drawn for
  let layersView = null; // ... and the view
  let layersAt = null; // ... its projection (affine)
  let lastView = null; // the view of the last frame drawn
  let viewChanged = 0; // when the view last changed (a frame's time)
  let layersDrawn = {}; // what the layers hold, for meclab.drawn
  let worlds = 0; // how many times a world was loaded (the layers then are stale)
  let poaXY = new Float64Array(0); // PoA centres on screen (CSS pixels), as the layers drew them
  let poaTint = new Uint8Array(0); // each PoA's link colour, an index in LINK_COLOURS
  let derivedFor = null; // the positions body cellOf and nameIndex were made from
  let cellOf = new Int32Array(0); // each terminal's serving cell, an index in meclab.poas
  let nameIndex = new Map(); // terminal name -> its index in meclab.positions

  // --- errors ------------------------------------------------------------------------------

  /**
   * Show an error in the page. `origin` "poll" (a poll failed) and "unreachable" (any request
   * that found no meclab) mark those the next good poll clears: they are about now, not a
   * request the user made.
   */
  function showError(title, detail, origin = "request") {
    const box = document.getElementById("errors");
    for (const shown of box.children) {
      // a poll repeating it, or several requests refused for one reason
      if (shown.dataset.title === title && shown.dataset.detail === detail) return;
    }
    meclab.errors.push({ title, detail, origin });
    const line = document.createElement("div");
    line.className = "error";
    Object.assign(line.dataset, { origin, title, detail });
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
    if (exc instanceof ApiError && exc.status === 0) showError(exc.title, exc.detail, "unreachable");
    else if (exc instanceof ApiError) showError(exc.title, exc.detail, origin);
    else showError("dashboard error", String(exc && exc.message ? exc.message : exc), origin);
  }
  meclab.report = report;
  window.meclabConnection.onSignInRefused((exc) => showError(exc.title, exc.detail, "signin"));
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

  /** The lon/lat at a screen position (CSS pixels, as `project` gives them). */
  function unproject(x, y) {
    const rect = canvas.getBoundingClientRect();
    return [
      view.lon0 + (x - rect.width / 2 - view.panX) / (view.kx * view.scale),
      view.lat0 - (y - rect.height / 2 - view.panY) / (M_PER_DEG * view.scale),
    ];
  }

  /** Each zone's outline: the convex hull of its points of access' coverage circles, in
   * lon/lat, computed once per world (drawing then only projects its few vertices). */
  function zoneHulls() {
    meclab.zones.forEach((zone, k) => {
      const pts = [];
      for (const name of zone.poas) {
        const p = poaIndex.get(name);
        if (!p) continue;
        const kx = M_PER_DEG * Math.cos((p.position[1] * Math.PI) / 180);
        for (let i = 0; i < HULL_STEPS; i++) {
          const a = (2 * Math.PI * i) / HULL_STEPS;
          pts.push([
            p.position[0] + (p.radius_m * Math.cos(a)) / kx,
            p.position[1] + (p.radius_m * Math.sin(a)) / M_PER_DEG,
          ]);
        }
      }
      zone.hull = convexHull(pts);
      zone.colour = ZONE_COLOURS[k % ZONE_COLOURS.length];
      // the label sits above the outline's top
      zone.labelAt = zone.hull.reduce((top, q) => (q[1] > top[1] ? q : top), [0, -90]);
    });
  }

  /** Convex hull of [x, y] points (Andrew's monotone chain), counter-clockwise. */
  function convexHull(points) {
    const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    if (pts.length < 3) return pts;
    const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    const half = (list) => {
      const out = [];
      for (const p of list) {
        while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
        out.push(p);
      }
      out.pop();
      return out;
    };
    return [...half(pts), ...half(pts.reverse())];
  }

  /** Which terminals' paths are drawn: all in a small world, an even sample beyond. */
  function choosePaths() {
    const names = [...meclab.paths.keys()];
    const step = Math.max(1, Math.ceil(names.length / PATHS_MAX));
    pathNames = names.filter((_, i) => i % step === 0);
  }

  function tracePath(c, entry, at) {
    const { path, loop } = entry;
    c.beginPath();
    for (let i = 0; i < path.length; i++) {
      const x = at.x0 + path[i][0] * at.kx;
      const y = at.y0 - path[i][1] * at.ky;
      if (i === 0) c.moveTo(x, y);
      else c.lineTo(x, y);
    }
    if (loop && path.length > 2) c.closePath();
    c.stroke();
  }

  /** `project` as coefficients, for loops over many points: x = x0 + lon kx, y = y0 - lat ky
   * (one layout read per frame, not one per point). */
  function affine(rect) {
    const kx = view.kx * view.scale;
    const ky = M_PER_DEG * view.scale;
    return {
      kx,
      ky,
      x0: rect.width / 2 + view.panX - view.lon0 * kx,
      y0: rect.height / 2 + view.panY + view.lat0 * ky,
    };
  }

  function resize() {
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    for (const c of [canvas, under, over]) {
      c.width = Math.max(1, Math.round(rect.width * dpr));
      c.height = Math.max(1, Math.round(rect.height * dpr));
      c.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    dirty = true;
  }

  // --- drawing -------------------------------------------------------------------------------

  // What moves (links, terminals, flashes) is drawn every frame; what only changes with the
  // view, the world or the selection (zones, coverage, paths below; cells' centres and nodes
  // above) is drawn into two offscreen layers when one of those changes and copied otherwise:
  // a thousand coverage circles cost more than 10,000 terminals. While the view keeps changing
  // (a pan, a zoom), the layers drawn last are copied scaled and moved to the new view, and
  // drawn afresh once it has been still for LAYERS_SETTLE_MS.

  /** Where cells, zone labels and nodes are on screen now: what links end at and clicks hit. */
  function placeSites(rect, at) {
    const poas = meclab.poas;
    if (poaXY.length !== 2 * poas.length) poaXY = new Float64Array(2 * poas.length);
    if (poaTint.length !== poas.length) poaTint = new Uint8Array(poas.length);
    poas.forEach((p, k) => {
      const x = at.x0 + p.position[0] * at.kx;
      const y = at.y0 - p.position[1] * at.ky;
      p.screen = [x, y];
      poaXY[2 * k] = x;
      poaXY[2 * k + 1] = y;
      poaTint[k] = LINK_COLOURS.indexOf(RADIO_COLOURS[p.type] || COLOURS.off);
    });
    ctx.font = "12px system-ui, sans-serif";
    for (const zone of meclab.zones) {
      if (!zone.hull || zone.hull.length < 3) continue;
      if (zone.labelWidth === undefined) zone.labelWidth = ctx.measureText(zone.name).width;
      const lx = at.x0 + zone.labelAt[0] * at.kx - zone.labelWidth / 2;
      const ly = at.y0 - zone.labelAt[1] * at.ky;
      zone.labelBox = [lx, ly - 20, zone.labelWidth, 16]; // what a click on the label hits
    }
    // a node with no position or off the map (a distant cloud) sits in a row at the top left
    let row = 0;
    for (const node of meclab.nodes) {
      let [x, y] = node.position
        ? [at.x0 + node.position[0] * at.kx, at.y0 - node.position[1] * at.ky]
        : [-1, -1];
      if (x < 0 || y < 0 || x > rect.width || y > rect.height) [x, y] = [16 + 130 * row++, 16];
      node.screen = [x, y];
    }
  }

  /** Zones, coverage and paths (the selected one excepted) into `c`. */
  function drawUnder(c, rect, at, drawn) {
    c.clearRect(0, 0, rect.width, rect.height);
    // zones first, under everything: an outline around their cells' coverage, labelled
    c.font = "12px system-ui, sans-serif";
    for (const zone of meclab.zones) {
      if (!zone.hull || zone.hull.length < 3) continue;
      c.beginPath();
      zone.hull.forEach(([lon, lat], i) => {
        const x = at.x0 + lon * at.kx;
        const y = at.y0 - lat * at.ky;
        if (i === 0) c.moveTo(x, y);
        else c.lineTo(x, y);
      });
      c.closePath();
      c.globalAlpha = 0.05;
      c.fillStyle = zone.colour;
      c.fill();
      c.globalAlpha = 0.8;
      c.setLineDash([6, 4]);
      c.strokeStyle = zone.colour;
      c.lineWidth = zone.name === meclab.selected ? 2.5 : 1.2;
      c.stroke();
      c.setLineDash([]);
      c.globalAlpha = 1;
      c.fillStyle = zone.colour;
      c.fillText(zone.name, zone.labelBox[0], zone.labelBox[1] + 14);
      drawn.zones++;
    }

    // then the coverage: one path per radio type beyond COVERAGE_BATCH cells (overlaps are then
    // tinted once, not once per circle: a thousand separate circles take ~20 ms at each zoom)
    const poas = meclab.poas;
    const batch = poas.length > COVERAGE_BATCH;
    poas.forEach((p, k) => {
      if (batch) return;
      c.beginPath();
      c.arc(poaXY[2 * k], poaXY[2 * k + 1], Math.max(2, p.radius_m * view.scale), 0, 2 * Math.PI);
      paintCoverage(c, LINK_COLOURS[poaTint[k]]);
    });
    if (batch) {
      LINK_COLOURS.forEach((colour, tint) => {
        c.beginPath();
        poas.forEach((p, k) => {
          if (poaTint[k] !== tint) return;
          const r = Math.max(2, p.radius_m * view.scale);
          c.moveTo(poaXY[2 * k] + r, poaXY[2 * k + 1]);
          c.arc(poaXY[2 * k], poaXY[2 * k + 1], r, 0, 2 * Math.PI);
        });
        paintCoverage(c, colour);
      });
    }

    // paths: every terminal's in a small world (a sample beyond); the selected one is drawn
    // with the terminals
    c.lineWidth = 1;
    c.globalAlpha = 0.25;
    c.strokeStyle = COLOURS.ue;
    for (const name of pathNames) {
      if (name === meclab.selected) continue;
      tracePath(c, meclab.paths.get(name), at);
      drawn.paths++;
    }
    c.globalAlpha = 1;
  }

  /** Fill and outline the coverage circle(s) in `c`'s current path. */
  function paintCoverage(c, colour) {
    c.globalAlpha = 0.1;
    c.fillStyle = colour;
    c.fill();
    c.globalAlpha = 0.6;
    c.strokeStyle = colour;
    c.lineWidth = 1;
    c.stroke();
    c.globalAlpha = 1;
  }

  /** Cells' centres and compute nodes into `c`: drawn above the links and terminals. */
  function drawOver(c, rect, drawn) {
    c.clearRect(0, 0, rect.width, rect.height);
    for (const p of meclab.poas) {
      c.fillStyle = RADIO_COLOURS[p.type] || COLOURS.off;
      c.beginPath();
      c.arc(p.screen[0], p.screen[1], 4, 0, 2 * Math.PI);
      c.fill();
      if (p.name === meclab.selected) {
        c.strokeStyle = COLOURS.flash;
        c.lineWidth = 2;
        c.beginPath();
        c.arc(p.screen[0], p.screen[1], 8, 0, 2 * Math.PI);
        c.stroke();
      }
      drawn.poas++;
    }

    // compute nodes: MEC hosts (and fog) as squares, clouds as diamonds
    c.font = "11px system-ui, sans-serif";
    for (const node of meclab.nodes) {
      const [x, y] = node.screen;
      c.fillStyle = node.kind === "cloud" ? COLOURS.cloud : COLOURS.mec;
      c.save();
      c.translate(x, y);
      if (node.kind === "cloud") c.rotate(Math.PI / 4);
      c.fillRect(-5, -5, 10, 10);
      if (node.name === meclab.selected) {
        c.strokeStyle = COLOURS.flash;
        c.lineWidth = 2;
        c.strokeRect(-8, -8, 16, 16);
      }
      c.restore();
      c.fillText(node.name, x + 9, y + 4);
      drawn.nodes++;
    }
  }

  /** Copy an offscreen layer, drawn for view `from`, onto the map in view `to`: pixel for
   * pixel when they are the same, else scaled and moved (the zoom keeps lon/lat proportions). */
  function blit(layer, from, to) {
    const s = to.kx / from.kx;
    const dpr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.setTransform(s, 0, 0, s, dpr * (to.x0 - s * from.x0), dpr * (to.y0 - s * from.y0));
    ctx.drawImage(layer, 0, 0);
    ctx.restore();
  }

  /** Per-terminal lookups made once per positions body, not once per frame. */
  function derive(pos) {
    if (pos === derivedFor) return;
    const n = pos.names.length;
    const poaAt = new Map(meclab.poas.map((p, k) => [p.name, k]));
    cellOf = new Int32Array(n);
    nameIndex = new Map();
    for (let i = 0; i < n; i++) {
      const k = pos.poa[i] === null ? NO_CELL : poaAt.get(pos.poa[i]);
      cellOf[i] = k === undefined ? UNKNOWN_CELL : k;
      nameIndex.set(pos.names[i], i);
    }
    derivedFor = pos;
  }

  function draw(now) {
    const rect = canvas.getBoundingClientRect();
    const at = affine(rect);
    const drawn = { poas: 0, nodes: 0, terminals: 0, links: 0, zones: 0, paths: 0 };
    placeSites(rect, at);
    const key = [canvas.width, canvas.height, worlds, meclab.selected].join();
    const viewKey = [at.kx, at.x0, at.y0].join();
    if (viewKey !== lastView) {
      lastView = viewKey;
      viewChanged = now;
    }
    const moving = layersAt !== null && key === layersKey && now - viewChanged < LAYERS_SETTLE_MS;
    if (key !== layersKey || (viewKey !== layersView && !moving)) {
      layersDrawn = { poas: 0, nodes: 0, zones: 0, paths: 0 };
      drawUnder(underCtx, rect, at, layersDrawn);
      drawOver(overCtx, rect, layersDrawn);
      [layersKey, layersView, layersAt] = [key, viewKey, at];
    } else if (viewKey !== layersView) dirty = true; // draw again until the layers are redrawn
    Object.assign(drawn, layersDrawn);
    ctx.clearRect(0, 0, rect.width, rect.height);
    blit(under, layersAt, at);

    const selectedPath = meclab.selected !== null ? meclab.paths.get(meclab.selected) : undefined;
    if (selectedPath) {
      ctx.lineWidth = 2;
      ctx.strokeStyle = COLOURS.flash;
      ctx.setLineDash([4, 3]);
      tracePath(ctx, selectedPath, at);
      ctx.setLineDash([]);
      drawn.paths++;
    }
    drawn.selectedPath = Boolean(selectedPath);

    // serving-cell links, one path per colour, and terminals, one path per fill
    const pos = meclab.positions;
    if (pos) {
      derive(pos);
      const n = pos.names.length;
      const { lon, lat } = pos;
      if (screenXY.length !== 2 * n) screenXY = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        screenXY[2 * i] = at.x0 + lon[i] * at.kx;
        screenXY[2 * i + 1] = at.y0 - lat[i] * at.ky;
      }
      ctx.lineWidth = 0.7;
      ctx.globalAlpha = 0.5;
      LINK_COLOURS.forEach((colour, tint) => {
        ctx.strokeStyle = colour;
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          const k = cellOf[i];
          if (k < 0 || poaTint[k] !== tint) continue;
          ctx.moveTo(screenXY[2 * i], screenXY[2 * i + 1]);
          ctx.lineTo(poaXY[2 * k], poaXY[2 * k + 1]);
          drawn.links++;
        }
        ctx.stroke();
      });
      ctx.globalAlpha = 1;
      // a small square beyond ARCS_MAX terminals: the same at that size, much cheaper
      const dots = n <= ARCS_MAX;
      for (const connected of [true, false]) {
        ctx.fillStyle = connected ? COLOURS.ue : COLOURS.off;
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          if ((cellOf[i] !== NO_CELL) !== connected) continue;
          const x = screenXY[2 * i];
          const y = screenXY[2 * i + 1];
          if (dots) {
            ctx.moveTo(x + 3, y);
            ctx.arc(x, y, 3, 0, 2 * Math.PI);
          } else ctx.rect(x - 1.5, y - 1.5, 3, 3);
        }
        ctx.fill();
      }
      drawn.terminals = n;

      // rings: every flashing terminal in one path, then the selected one
      ctx.lineWidth = 2;
      ctx.strokeStyle = COLOURS.flash;
      ctx.beginPath();
      const r = 7 + 3 * Math.sin(now / 80);
      let selectedFlashes = false;
      for (const [name, until] of flashes) {
        const i = nameIndex.get(name);
        if (until <= now || i === undefined) continue;
        if (name === meclab.selected) selectedFlashes = true;
        ctx.moveTo(screenXY[2 * i] + r, screenXY[2 * i + 1]);
        ctx.arc(screenXY[2 * i], screenXY[2 * i + 1], r, 0, 2 * Math.PI);
      }
      ctx.stroke();
      const sel = meclab.selected !== null ? nameIndex.get(meclab.selected) : undefined;
      if (sel !== undefined && !selectedFlashes) {
        ctx.strokeStyle = COLOURS.ue;
        ctx.beginPath();
        ctx.arc(screenXY[2 * sel], screenXY[2 * sel + 1], 6, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }

    // a terminal being dragged: where it would go
    const drag = meclab.dragging;
    if (drag && pos) {
      const i = nameIndex.get(drag.name);
      ctx.strokeStyle = COLOURS.flash;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      if (i !== undefined) ctx.moveTo(screenXY[2 * i], screenXY[2 * i + 1]);
      ctx.lineTo(drag.x, drag.y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.arc(drag.x, drag.y, 6, 0, 2 * Math.PI);
      ctx.stroke();
    }

    blit(over, layersAt, at);
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
      const started = performance.now();
      draw(now);
      meclab.drawMs += performance.now() - started;
    }
    requestAnimationFrame(frame);
  }

  // --- pan, zoom, click ---------------------------------------------------------------------

  // A press on a terminal drags the terminal (dropped: a "drop" for steer.js to move it
  // there); anywhere else it pans. A press that hardly moves is a click.
  let press = null; // {x, y, panX, panY, moved, ue}

  canvas.addEventListener("pointerdown", (e) => {
    const rect = canvas.getBoundingClientRect();
    const ue = nearestTerminal(e.clientX - rect.left, e.clientY - rect.top);
    press = { x: e.clientX, y: e.clientY, panX: view.panX, panY: view.panY, moved: false, ue };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!press) return;
    const dx = e.clientX - press.x;
    const dy = e.clientY - press.y;
    if (!press.moved && Math.hypot(dx, dy) < DRAG_PX) return;
    press.moved = true;
    canvas.classList.add("dragging");
    if (press.ue !== null) {
      const rect = canvas.getBoundingClientRect();
      meclab.dragging = { name: press.ue, x: e.clientX - rect.left, y: e.clientY - rect.top };
    } else {
      view.panX = press.panX + dx;
      view.panY = press.panY + dy;
    }
    dirty = true;
  });
  canvas.addEventListener("pointerup", (e) => {
    const done = press;
    press = null;
    meclab.dragging = null;
    canvas.classList.remove("dragging");
    if (!done) return;
    const rect = canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    if (!done.moved) pick(x, y);
    else if (done.ue !== null) {
      const [lon, lat] = unproject(x, y);
      emit("drop", { name: done.ue, lon, lat });
    }
    dirty = true;
  });
  canvas.addEventListener("pointercancel", () => {
    press = null;
    meclab.dragging = null;
    canvas.classList.remove("dragging");
    dirty = true;
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
  meclab.unproject = unproject;

  /** The node, or else the cell, whose drawn centre is nearest (x, y) within PICK_SITE_PX,
   * or the zone whose label is there: {kind, name} or null. */
  function nearestSite(x, y) {
    let best = null;
    let bestD = PICK_SITE_PX * PICK_SITE_PX;
    for (const [kind, list] of [["node", meclab.nodes], ["cell", meclab.poas]]) {
      for (const item of list) {
        if (!item.screen) continue;
        const d = (item.screen[0] - x) ** 2 + (item.screen[1] - y) ** 2;
        if (d <= bestD) {
          bestD = d;
          best = { kind, name: item.name };
        }
      }
      if (best) return best; // a node drawn on top of a cell wins
    }
    for (const zone of meclab.zones) {
      const b = zone.labelBox;
      if (b && x >= b[0] && x <= b[0] + b[2] && y >= b[1] && y <= b[1] + b[3]) {
        return { kind: "zone", name: zone.name };
      }
    }
    return null;
  }
  meclab.nearestSite = nearestSite;
  /** Screen distance between the first two PoAs (how far the map is zoomed in). */
  meclab.poaSpread = () => {
    const [a, b] = meclab.poas;
    if (!b) return 0;
    const [ax, ay] = project(...a.position);
    const [bx, by] = project(...b.position);
    return Math.hypot(ax - bx, ay - by);
  };

  function pick(x, y) {
    const name = nearestTerminal(x, y); // a terminal wins over what lies under it
    if (name !== null) {
      meclab.showTerminal(name);
      return;
    }
    const site = nearestSite(x, y);
    if (site) meclab.showDetails(site.kind, site.name);
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

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** A two-column table of [label, value] rows. */
  function factsTable(facts) {
    const table = document.createElement("table");
    for (const [k, v] of facts) {
      const tr = document.createElement("tr");
      tr.append(el("th", k), cell(v));
      table.append(tr);
    }
    return table;
  }

  /** A table with a head row and rows of cell texts. */
  function gridTable(head, rows, rowClass) {
    const table = document.createElement("table");
    const tr = document.createElement("tr");
    for (const h of head) tr.append(el("th", h));
    table.append(tr);
    rows.forEach((row, i) => {
      const line = document.createElement("tr");
      const cls = rowClass ? rowClass(i) : "";
      if (cls) line.className = cls;
      for (const v of row) line.append(cell(v));
      table.append(line);
    });
    return table;
  }

  function heading(text) {
    const h = el("h2", text);
    h.style.marginTop = "8px";
    return h;
  }

  function mbps(value) {
    return value === null || value === undefined ? "unlimited" : `${fmt(value, 1)} Mb/s`;
  }

  /** Network characteristics as rows of a facts table. */
  function netcharFacts(nc) {
    return [
      ["latency", `${fmt(nc.latency_ms)} ms`],
      ["jitter", `${fmt(nc.jitter_ms)} ms (${nc.jitter_distribution})`],
      ["loss", `${fmt(nc.loss_pct, 2)} %`],
      ["throughput ↓", mbps(nc.throughput_dl_mbps)],
      ["throughput ↑", mbps(nc.throughput_ul_mbps)],
    ];
  }
  meclab.netcharFacts = netcharFacts;

  /** What the data plane answers for `path`: its body, or null when it has no data plane
   * (404: meclab runs without one) so the page says "not measured" rather than an error. */
  async function dataplane(path) {
    try {
      return await api(`/dataplane${path}`);
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 404) return null;
      throw exc;
    }
  }

  function renderDetails(kind, name, parts, data) {
    const body = document.getElementById("details-body");
    body.className = "";
    body.replaceChildren(...parts);
    body.dataset.kind = kind;
    body.dataset.name = name;
    if (kind === "terminal") body.dataset.terminal = name;
    else delete body.dataset.terminal;
    emit("details", { kind, name, body, data });
  }

  async function showTerminal(name) {
    const path = encodeURIComponent(name);
    const [t, flows] = await Promise.all([
      api(`/terminals/${path}`),
      dataplane(`/flows?ue=${path}`),
    ]);
    const talksTo = [];
    for (const app of meclab.apps) {
      if (app.kind === "terminal" && app.runs_on === t.name) talksTo.push(...app.connects_to);
    }
    const facts = [
      ["terminal", t.name],
      ["address", t.address],
      ["serving cell", t.poa ? `${t.poa} (${t.radio})` : "none (out of coverage)"],
      ["zone", t.zone || "–"],
      ["signal", t.signal_dbm === null ? "–" : `${fmt(t.signal_dbm)} dBm`],
      ["speed", `${fmt(t.velocity_mps)} m/s`],
      ["position", `${fmt(t.position[0], 5)}, ${fmt(t.position[1], 5)}`],
      ["held", t.held ? "yes, where a move put it" : "no, it follows its path"],
      ["apps", t.apps.join(", ") || "–"],
      ["talks to", [...new Set(talksTo)].join(", ") || "–"],
    ];
    const measurements = gridTable(
      ["PoA", "radio", "signal dBm", "RSRQ dB", "SINR dB", "m"],
      t.measurements.map((r) => [
        r.poa,
        r.radio,
        fmt(r.signal_dbm),
        fmt(r.rsrq_db),
        fmt(r.sinr_db),
        fmt(r.distance_m, 0),
      ]),
      (i) => (t.measurements[i].serving ? "serving" : ""),
    );
    let flowPart;
    if (flows === null) flowPart = el("div", "not measured (no data plane)", "muted");
    else if (!flows.flows.length) flowPart = el("div", "no open flow", "muted");
    else {
      flowPart = gridTable(
        ["app", "proto", "↑ Mb/s", "↓ Mb/s", "RTT ms"],
        flows.flows.map((f) => [
          f.app || f.destination,
          f.protocol,
          fmt(f.throughput_up_mbps, 3),
          fmt(f.throughput_down_mbps, 3),
          fmt(f.rtt_ms, 1),
        ]),
      );
    }
    flowPart.classList.add("flows");
    renderDetails(
      "terminal",
      t.name,
      [factsTable(facts), heading("Measurements"), measurements, heading("Flows"), flowPart],
      t,
    );
  }

  /** The terminals a cell serves now, from the last positions poll (no request). */
  function servedBy(poa) {
    const pos = meclab.positions;
    const names = [];
    if (!pos) return names;
    for (let i = 0; i < pos.names.length; i++) if (pos.poa[i] === poa) names.push(pos.names[i]);
    return names;
  }

  function renderServed(box, poa) {
    const names = servedBy(poa);
    const shown = names.slice(0, SERVED_NAMES_MAX).join(", ");
    const more = names.length > SERVED_NAMES_MAX ? ` and ${names.length - SERVED_NAMES_MAX} more` : "";
    box.textContent = names.length ? `${names.length}: ${shown}${more}` : "none";
    box.dataset.count = String(names.length);
  }

  function loadRows(report) {
    const rows = [];
    for (const way of ["down", "up"]) {
      const d = report && report[way];
      if (!d) continue;
      rows.push([
        way === "down" ? "↓" : "↑",
        fmt(d.used_mbps, 3),
        fmt(d.capacity_mbps, 1),
        d.utilisation === null ? "–" : `${fmt(100 * d.utilisation, 1)} %`,
        String(d.active_ues),
      ]);
    }
    return rows;
  }

  async function showCell(name) {
    const path = encodeURIComponent(name);
    const [p, element, load] = await Promise.all([
      api(`/poas/${path}`),
      api(`/elements/${path}`),
      dataplane(`/access/${path}`),
    ]);
    const facts = [
      ["cell", p.name],
      ["radio", p.type],
      [p.bssid ? "BSSID" : "cell id", p.bssid || p.cell_id || "–"],
      ["zone", p.zone],
      ["operator", p.domain],
      ["coverage radius", `${fmt(p.radius_m, 0)} m`],
      ["tx power", `${fmt(p.tx_power_dbm)} dBm`],
    ];
    const served = el("div", "", "served");
    renderServed(served, p.name);
    const rows = loadRows(load);
    const loadPart = rows.length
      ? gridTable(["way", "used Mb/s", "capacity Mb/s", "utilisation", "UEs"], rows)
      : el("div", "not measured (the data plane shares no capacity here)", "muted");
    loadPart.classList.add("load");
    renderDetails(
      "cell",
      p.name,
      [
        factsTable(facts),
        heading("Network characteristics"),
        factsTable(netcharFacts(element.netchar)),
        heading("Serves now"),
        served,
        heading("Measured load"),
        loadPart,
      ],
      { ...p, netchar: element.netchar },
    );
  }

  async function showNode(name) {
    const n = await api(`/nodes/${encodeURIComponent(name)}`);
    const kinds = { mec_host: "MEC host", fog: "fog node", cloud: "cloud" };
    const facts = [
      [kinds[n.kind] || n.kind, n.name],
      ["operator", n.domain || "–"],
      ["zone", n.zone || "–"],
      ["attached to", n.parent || "–"],
      ["position", n.position ? `${fmt(n.position[0], 5)}, ${fmt(n.position[1], 5)}` : "–"],
      ["compute", `${n.compute.cores} cores${n.compute.default ? " (default)" : ""}`],
      ["apps", n.apps.join(", ") || "–"],
      ["platform", n.platform_url || "–"],
    ];
    renderDetails(
      "node",
      n.name,
      [factsTable(facts), heading("Network characteristics"), factsTable(netcharFacts(n.netchar))],
      n,
    );
  }

  async function showZone(name) {
    const z = await api(`/zones/${encodeURIComponent(name)}`);
    const facts = [
      ["zone", z.name],
      ["operator", z.domain],
      ["cells", z.poas.join(", ") || "–"],
      ["MEC hosts", z.mec_hosts.join(", ") || "–"],
      ["terminals now", String(z.terminals.length)],
    ];
    renderDetails(
      "zone",
      z.name,
      [factsTable(facts), heading("Network characteristics"), factsTable(netcharFacts(z.netchar))],
      z,
    );
  }

  const SHOW = { terminal: showTerminal, cell: showCell, node: showNode, zone: showZone };

  // --- live data -----------------------------------------------------------------------------

  async function loadWorld() {
    const [world, poas, zones, nodes, positions, apps, scenario] = await Promise.all([
      api("/world"),
      api("/poas"),
      api("/zones"),
      api("/nodes"),
      api("/terminals/positions"),
      api("/apps"),
      api("/scenario"),
    ]);
    Object.assign(meclab, { world, poas, zones, nodes, positions, positionsT: positions.t, apps });
    poaIndex = new Map(poas.map((p) => [p.name, p]));
    // the paths, from the scenario (a terminal's path is the scenario's: moves only hold it)
    meclab.paths = new Map();
    for (const domain of scenario.domains) {
      for (const t of domain.terminals || []) {
        meclab.paths.set(t.name, { path: t.path, loop: (t.end_of_path || "loop") === "loop" });
      }
    }
    choosePaths();
    zoneHulls();
    showWorld(world);
    fitView();
    worlds++;
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
      clearErrors("unreachable");
      refreshServed();
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

  /** Show `name` of `kind` ("terminal", "cell", "node", "zone") in the details panel. */
  meclab.showDetails = (kind, name) => {
    const show = SHOW[kind];
    if (!show) throw new Error(`no details for a ${kind}`);
    meclab.selected = name;
    meclab.selection = { kind, name };
    dirty = true;
    emit("select", { kind, name });
    return show(name).catch(report);
  };
  meclab.showTerminal = (name) => meclab.showDetails("terminal", name);

  /** Draw the selected element's details afresh (after a command changed it). */
  meclab.refreshDetails = () => {
    const sel = meclab.selection;
    return sel ? SHOW[sel.kind](sel.name).catch(report) : Promise.resolve();
  };

  function refreshServed() {
    const box = document.querySelector("#details-body .served");
    if (box && meclab.selection && meclab.selection.kind === "cell") {
      renderServed(box, meclab.selection.name);
    }
  }

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
