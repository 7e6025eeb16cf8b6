// meclab dashboard, Sequence panel: the MEC API calls, notifications, handovers, zone changes,
// relocation steps and app lifecycle steps between terminals, cells, apps and MEC platforms, as
// they happen, from the server's trace (GET /meclab/v1/trace?since=, polled: see "the feed").
// One lifeline per participant that appears; one arrow per record, newest at the bottom,
// coloured by kind and red where it failed. Filters by app and by terminal (and by kind) apply
// at once to what was received; "Copy" and "Download" give what is shown as Mermaid
// `sequenceDiagram` text.
//
// Bounded: the page keeps the last KEEP records received and draws the last DRAWN of those
// that pass the filters (an SVG of a few thousand nodes at most), and says so.
"use strict";
(() => {
  const meclab = window.meclab;
  const KEEP = 5000; // the server's ring holds as many
  const DRAWN = 300;
  const POLL_MS = 1000;
  const LANE_MIN_W = 96; // lanes share the panel's width, down to this
  const ROW_H = 24;
  const HEAD_H = 28;
  const TIME_W = 64;
  const KINDS = {
    api: { label: "API", colour: "#6090f0" },
    notification: { label: "notifications", colour: "#30c0a0" },
    handover: { label: "handovers", colour: "#f0a030" },
    attach: { label: "attach", colour: "#b0b8c0" },
    zone: { label: "zones", colour: "#b070f0" },
    relocation: { label: "relocations", colour: "#ffe040" },
    lifecycle: { label: "lifecycle", colour: "#e05060" },
  };
  // lifelines left to right: terminals, their cells and zones, then apps and clients, then
  // the platforms they call
  const RANK = { ue: 0, cell: 1, zone: 2, client: 3, operator: 3, app: 4, mep: 5, system: 6 };
  const SVG = "http://www.w3.org/2000/svg";

  /** What the panel holds and shows; read by the browser tests. */
  const seq = {
    records: [], shown: [], participants: [], filters: { app: "", ue: "", kinds: new Set(Object.keys(KINDS)) },
    follow: true, selected: null, received: 0,
  };
  meclab.sequence = seq;

  const root = document.getElementById("panel-sequence");
  root.innerHTML = `
    <div class="seq-bar">
      <label>app <input class="seq-app" list="seq-apps" size="14" placeholder="any"></label>
      <label>terminal <input class="seq-ue" list="seq-ues" size="10" placeholder="any"></label>
      <span class="seq-kinds"></span>
      <button type="button" class="seq-copy" title="copy what is shown as Mermaid text">Copy</button>
      <button type="button" class="seq-download" title="download what is shown as Mermaid text (.mmd)">Download .mmd</button>
      <button type="button" class="seq-follow" hidden>↓ follow</button>
      <span class="seq-count muted"></span>
      <datalist id="seq-apps"></datalist><datalist id="seq-ues"></datalist>
    </div>
    <div class="seq-scroll"><svg class="seq-head"></svg><svg class="seq-body"></svg></div>
    <pre class="seq-detail muted">Click an arrow for its detail.</pre>`;
  const q = (sel) => root.querySelector(sel);
  const scroller = q(".seq-scroll");
  const head = q(".seq-head");
  const body = q(".seq-body");
  const detail = q(".seq-detail");

  for (const [kind, { label, colour }] of Object.entries(KINDS)) {
    const box = document.createElement("label");
    box.className = "seq-kind";
    box.innerHTML = `<input type="checkbox" checked><span class="swatch"></span>`;
    box.querySelector(".swatch").style.background = colour;
    box.append(label);
    box.querySelector("input").dataset.kind = kind;
    q(".seq-kinds").appendChild(box);
  }

  // --- filters ---------------------------------------------------------------------------

  function passes(r) {
    const { app, ue, kinds } = seq.filters;
    if (!kinds.has(r.kind)) return false;
    if (ue && r.ue !== ue) return false;
    if (app && r.app !== app && r.source !== `app:${app}` && r.target !== `app:${app}`) return false;
    return true;
  }

  function readFilters() {
    seq.filters.app = q(".seq-app").value.trim();
    seq.filters.ue = q(".seq-ue").value.trim();
    seq.filters.kinds = new Set(
      [...root.querySelectorAll(".seq-kind input")].filter((i) => i.checked).map((i) => i.dataset.kind));
    seq.follow = true;
    draw();
  }
  for (const input of root.querySelectorAll(".seq-bar input")) input.addEventListener("input", readFilters);

  const seen = { app: new Set(), ue: new Set() };
  function offer(kind, name) {
    if (!name || seen[kind].has(name)) return;
    seen[kind].add(name);
    const option = document.createElement("option");
    option.value = name;
    q(kind === "app" ? "#seq-apps" : "#seq-ues").appendChild(option);
  }

  // --- drawing ---------------------------------------------------------------------------

  function node(tag, attrs, text) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function participantsOf(records) {
    const first = new Map();
    records.forEach((r, i) => {
      for (const p of [r.source, r.target]) if (!first.has(p)) first.set(p, i);
    });
    const rank = (p) => RANK[p.split(":")[0]] ?? 9;
    return [...first.keys()].sort((a, b) => rank(a) - rank(b) || first.get(a) - first.get(b));
  }

  function clock(r) {
    return r.t === null ? new Date(r.wall * 1000).toISOString().slice(11, 19) : `${r.t.toFixed(1)} s`;
  }

  let pending = false;
  function draw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  }

  function render() {
    const matching = seq.records.filter(passes);
    seq.shown = matching.slice(-DRAWN);
    seq.participants = participantsOf(seq.shown);
    const count = Math.max(1, seq.participants.length);
    const laneW = Math.max(LANE_MIN_W, (scroller.clientWidth - 2 - TIME_W) / count);
    const lanes = new Map(seq.participants.map((p, i) => [p, TIME_W + laneW * i + laneW / 2]));
    const width = Math.max(scroller.clientWidth - 2, TIME_W + laneW * count);
    const chars = Math.floor(laneW / 7);
    const height = ROW_H * seq.shown.length + 8;
    q(".seq-count").textContent = matching.length > DRAWN
      ? `the last ${DRAWN} of ${matching.length} records shown (${seq.records.length} kept)`
      : `${matching.length} records shown (${seq.records.length} kept)`;

    head.replaceChildren();
    head.setAttribute("width", width);
    head.setAttribute("height", HEAD_H);
    head.appendChild(node("rect", { x: 0, y: 0, width, height: HEAD_H, class: "seq-head-bg" }));
    body.replaceChildren();
    body.setAttribute("width", width);
    body.setAttribute("height", height);
    const defs = node("defs", {});
    for (const [kind, { colour }] of [...Object.entries(KINDS), ["failed", { colour: "#ff6b6b" }]]) {
      const marker = node("marker", { id: `seq-arrow-${kind}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
        markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
      marker.appendChild(node("path", { d: "M0,0 L10,5 L0,10 z", fill: colour }));
      defs.appendChild(marker);
    }
    body.appendChild(defs);
    for (const [p, x] of lanes) {
      const [kind, ...rest] = p.split(":");
      const name = rest.join(":") || kind;
      const label = node("text", { x, y: 18, class: `seq-lane-name k-${kind}`, "text-anchor": "middle" },
        name.length > chars ? `${name.slice(0, chars - 1)}…` : name);
      label.appendChild(node("title", {}, p));
      head.appendChild(label);
      body.appendChild(node("line", { x1: x, y1: 0, x2: x, y2: height, class: "seq-lifeline" }));
    }
    seq.shown.forEach((r, i) => {
      const y = ROW_H * i + ROW_H - 6;
      const colour = r.ok ? KINDS[r.kind]?.colour || "#dce3ea" : "#ff6b6b";
      const g = node("g", { class: `seq-row k-${r.kind}${r.ok ? "" : " failed"}`, "data-seq": r.seq });
      if (seq.selected === r.seq) g.classList.add("selected");
      g.appendChild(node("rect", { x: 0, y: y - ROW_H + 6, width, height: ROW_H, class: "seq-hit" }));
      g.appendChild(node("text", { x: 4, y, class: "seq-time" }, clock(r)));
      const x1 = lanes.get(r.source);
      const x2 = lanes.get(r.target);
      const marker = `url(#seq-arrow-${r.ok ? r.kind : "failed"})`;
      const dashed = r.kind === "notification" ? "4 3" : "none";
      if (x1 === x2) {
        g.appendChild(node("path", { d: `M${x1},${y - 8} h24 v8 h-22`, fill: "none", stroke: colour,
          "stroke-dasharray": dashed, "marker-end": marker }));
      } else {
        g.appendChild(node("line", { x1, y1: y, x2: x2 + (x2 > x1 ? -2 : 2), y2: y, stroke: colour,
          "stroke-dasharray": dashed, "marker-end": marker }));
      }
      const full = r.status ? `${r.label} · ${r.status}` : r.label;
      const text = full.length > 60 ? `${full.slice(0, 59)}…` : full;
      // centred on the arrow (beside a self-arrow), kept inside the drawing
      const half = text.length * 3;
      let x = x1 === x2 ? x1 + 30 + half : (x1 + x2) / 2;
      x = Math.min(Math.max(x, TIME_W + half), width - half - 2);
      g.appendChild(node("text", { x, y: y - 4, class: "seq-label", fill: colour, "text-anchor": "middle" }, text));
      body.appendChild(g);
    });
    if (seq.follow) scroller.scrollTop = scroller.scrollHeight;
    q(".seq-follow").hidden = seq.follow;
  }

  body.addEventListener("click", (e) => {
    const row = e.target.closest(".seq-row");
    if (!row) return;
    const record = seq.shown.find((r) => r.seq === Number(row.dataset.seq));
    if (!record) return;
    seq.selected = record.seq;
    for (const other of body.querySelectorAll(".seq-row.selected")) other.classList.remove("selected");
    row.classList.add("selected");
    detail.classList.remove("muted");
    detail.textContent = JSON.stringify(record, null, 2);
  });

  // auto-scroll stops when the user scrolls up, and resumes at the bottom
  scroller.addEventListener("scroll", () => {
    const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
    if (atBottom !== seq.follow) {
      seq.follow = atBottom;
      q(".seq-follow").hidden = atBottom;
    }
  });
  q(".seq-follow").addEventListener("click", () => {
    seq.follow = true;
    draw();
  });

  // --- export ----------------------------------------------------------------------------

  function mermaidText(text) {
    // Mermaid ends a message at ";" or a newline and reads "#...;" as an entity
    return String(text).replace(/#/g, "#35;").replace(/;/g, "#59;").replace(/[\r\n]+/g, " ");
  }

  /** What is shown, as Mermaid `sequenceDiagram` text. */
  function mermaid() {
    const alias = new Map(seq.participants.map((p, i) => [p, `P${i + 1}`]));
    const lines = ["sequenceDiagram"];
    for (const [p, a] of alias) lines.push(`  participant ${a} as ${mermaidText(p)}`);
    for (const r of seq.shown) {
      const arrow = !r.ok ? "-x" : r.kind === "notification" ? "-->>" : "->>";
      const text = r.status ? `${r.label} (${r.status})` : r.label;
      lines.push(`  ${alias.get(r.source)}${arrow}${alias.get(r.target)}: ${mermaidText(text)}`);
    }
    return `${lines.join("\n")}\n`;
  }
  seq.mermaid = mermaid;

  q(".seq-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(mermaid());
      q(".seq-copy").textContent = "Copied";
      setTimeout(() => { q(".seq-copy").textContent = "Copy"; }, 1500);
    } catch (exc) {
      meclab.report(new Error(`could not copy to the clipboard (${exc.message}); use Download`));
    }
  });
  q(".seq-download").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([mermaid()], { type: "text/vnd.mermaid" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "meclab-sequence.mmd";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });

  // --- the feed --------------------------------------------------------------------------
  // Polled, once a second after each answer, rather than streamed (/trace/stream is there for
  // other clients): the page holds one stream already (the events'), and a browser gives a
  // host six connections, so a second stream per page would leave a third tab of the same
  // browser no connection for its requests.

  function received(r) {
    seq.records.push(r);
    seq.received++;
    offer("app", r.app);
    for (const p of [r.source, r.target]) if (p.startsWith("app:")) offer("app", p.slice(4));
    offer("ue", r.ue);
  }

  let last = null; // the newest seq received; null until the first answer

  async function pull() {
    try {
      const page = await meclab.api(last === null ? `/trace?limit=${DRAWN}` : `/trace?since=${last}`);
      if (last !== null && page.last_seq < last) {
        last = 0; // another meclab run, whose trace starts again: read it from its start
        setTimeout(pull, 0);
        return;
      }
      for (const r of page.items) received(r);
      if (seq.records.length > KEEP) seq.records.splice(0, seq.records.length - KEEP);
      last = page.last_seq;
      q(".seq-count").classList.remove("seq-off");
      if (page.items.length && meclab.panel === "sequence") draw();
    } catch (exc) {
      q(".seq-count").classList.add("seq-off");
      meclab.report(exc);
    }
    setTimeout(pull, POLL_MS);
  }
  pull();

  meclab.on("panel", (name) => {
    if (name === "sequence") draw();
  });
  meclab.on("select", ({ kind, name }) => {
    // picking a terminal on the map while the panel is shown narrows the diagram to it
    if (kind === "terminal" && meclab.panel === "sequence" && q(".seq-ue").value) {
      q(".seq-ue").value = name;
      readFilters();
    }
  });
})();
