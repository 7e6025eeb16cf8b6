// meclab dashboard, Charts panel: live charts of the platform, the selected terminal and the
// selected cell, drawn by uPlot (canvas) from GET /meclab/v1/history/... The server keeps the
// history (the last minutes), so a reload starts with it; the page then fetches only what is
// newer (since=) about once a second, and drops what falls out of the server's window.
"use strict";
(() => {
  const meclab = window.meclab;
  const PERIOD_MS = 1000;
  const COLOURS = ["#6090f0", "#f0a030", "#e05060", "#30c0a0", "#b070f0"];
  const AXIS = { stroke: "#8793a1", grid: { stroke: "#2a3340", width: 1 }, ticks: { stroke: "#2a3340" } };

  // Each chart: a title, the series it plots (name on the server, label), its unit, a scale.
  const PLATFORM = [
    { title: "Notifications", unit: "/s", series: [["notifications", "delivered/s"]] },
    { title: "Delivery latency", unit: "ms", scale: 1000,
      series: [["latency_p50", "p50"], ["latency_p95", "p95"], ["latency_p99", "p99"]] },
    { title: "Undelivered and failed", unit: "/s",
      series: [["undelivered", "given up/s"], ["failed_attempts", "failed attempts/s"]] },
    { title: "API requests", unit: "/s",
      series: [["requests", "all/s"], ["requests_etsi", "ETSI/s"], ["errors_4xx", "4xx/s"],
        ["errors_5xx", "5xx/s"]] },
  ];
  const TERMINAL = [
    { title: "Signal", unit: "dBm / dB", series: [["rsrp_dbm", "RSRP dBm"], ["rsrq_db", "RSRQ dB"]] },
    { title: "Throughput", unit: "Mbit/s",
      series: [["throughput_dl_mbps", "down"], ["throughput_ul_mbps", "up"]] },
    { title: "Path latency to its MEC host", unit: "ms", series: [["path_latency_ms", "one way"]] },
  ];
  const CELL = [
    { title: "Terminals served", unit: "terminals", series: [["served", "served"]] },
    { title: "Load", unit: "%", scale: 100, series: [["load_dl", "down"], ["load_ul", "up"]] },
    { title: "Mean signal of its terminals", unit: "dBm", series: [["rsrp_dbm", "mean RSRP"]] },
  ];

  class Source {
    constructor(kind, path, specs, root, heading) {
      this.kind = kind; this.path = path; this.specs = specs;
      this.t = []; this.series = {}; this.units = {}; this.window_s = 600; this.points = 0;
      this.box = document.createElement("div");
      this.box.className = "chart-group";
      this.box.innerHTML = `<h3></h3><div class="chart-row"></div>`;
      this.box.querySelector("h3").textContent = heading;
      root.appendChild(this.box);
      this.plots = [];
    }
    async fetch() {
      const last = this.t.length ? this.t[this.t.length - 1] : null;
      const body = await meclab.api(this.path + (last === null ? "" : `?since=${last}`));
      if (this.closed) return;
      this.units = body.units; this.window_s = body.window_s;
      this.t.push(...body.t);
      for (const [name, values] of Object.entries(body.series)) {
        (this.series[name] = this.series[name] || []).push(...values);
      }
      // keep the server's window, no more
      const oldest = this.t.length ? this.t[this.t.length - 1] - this.window_s : 0;
      let drop = 0;
      while (drop < this.t.length && this.t[drop] <= oldest) drop++;
      if (drop) {
        this.t.splice(0, drop);
        for (const values of Object.values(this.series)) values.splice(0, drop);
      }
      this.points = this.t.length;
      this.draw();
    }
    data(spec) {
      const scale = spec.scale || 1;
      return [this.t, ...spec.series.map(([name]) =>
        (this.series[name] || []).map((v) => (v === null ? null : v * scale)))];
    }
    draw() {
      const row = this.box.querySelector(".chart-row");
      const width = Math.max(200, Math.floor((row.clientWidth || 900) / this.specs.length) - 14);
      if (!this.plots.length) {
        for (const spec of this.specs) {
          const el = document.createElement("div");
          el.className = "chart";
          row.appendChild(el);
          const opts = {
            title: spec.title, width, height: 150,
            scales: { x: { time: true } },
            axes: [AXIS, { ...AXIS, label: spec.unit, size: 56 }],
            series: [{}, ...spec.series.map(([, label], i) => ({
              label, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: false,
            }))],
            legend: { live: true },
          };
          this.plots.push(new uPlot(opts, this.data(spec), el));
        }
        return;
      }
      this.specs.forEach((spec, i) => this.plots[i].setData(this.data(spec)));
    }
    close() {
      this.closed = true;
      for (const p of this.plots) p.destroy();
      this.box.remove();
    }
  }

  const charts = { platform: null, terminal: null, cell: null, errors: 0 };
  meclab.charts = charts;
  let root = null;

  function select(kind, name) {
    const specs = kind === "terminal" ? TERMINAL : CELL;
    const path = `/history/${kind === "terminal" ? "terminals" : "cells"}/${encodeURIComponent(name)}`;
    if (charts[kind] && charts[kind].name === name) return;
    if (charts[kind]) charts[kind].close();
    const source = new Source(kind, path, specs, root, `${kind === "terminal" ? "Terminal" : "Cell"} ${name}`);
    source.name = name;
    charts[kind] = source;
    source.fetch().catch(failed);
  }

  function failed(exc) {
    charts.errors++;
    meclab.report(exc);
  }

  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      for (const source of [charts.platform, charts.terminal, charts.cell]) {
        if (source) await source.fetch();
      }
    } catch (exc) {
      failed(exc);
    } finally {
      busy = false;
    }
  }

  meclab.on("world", () => {
    if (!root) {
      root = document.getElementById("panel-charts");
      charts.platform = new Source("platform", "/history/platform", PLATFORM, root, "Platform");
      charts.platform.fetch().catch(failed);
      setInterval(refresh, PERIOD_MS);
      return;
    }
    // another world: its cells and terminals are others
    for (const kind of ["terminal", "cell"]) {
      if (charts[kind]) { charts[kind].close(); charts[kind] = null; }
    }
  });
  meclab.on("select", ({ kind, name }) => {
    if (root && (kind === "terminal" || kind === "cell")) select(kind, name);
  });
  meclab.on("panel", (name) => {
    if (name === "charts") for (const s of [charts.platform, charts.terminal, charts.cell]) if (s) s.draw();
  });
})();
