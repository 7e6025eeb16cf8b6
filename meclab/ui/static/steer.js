// meclab dashboard: steering the world, through the control API the CLI uses
// (POST /meclab/v1/events, the same commands as `meclab event ...`).
//
// * the header's #controls: pause / resume and the speed (×0.5 ... ×10, or any typed), showing
//   the world's actual state from GET /meclab/v1/world (so a change made from the CLI shows);
// * a terminal dragged on the map (dashboard.js emits "drop") is moved there (MoveCommand);
//   its details get a Release button (ReleaseCommand) that sends it back to its path;
// * every element's details (terminal, cell, node, zone) get a form for its network
//   characteristics (NetCharCommand), prefilled from GET /meclab/v1/elements/{name}.
// Errors are the API's problem details, shown by meclab.report (and beside the form).
"use strict";

(() => {
  const meclab = window.meclab;
  const SPEEDS = [0.5, 1, 2, 5, 10];
  const FIELDS = [
    // [field of NetCharPatch, label, unit]; an empty throughput means unlimited
    ["latency_ms", "latency", "ms"],
    ["jitter_ms", "jitter", "ms"],
    ["loss_pct", "loss", "%"],
    ["throughput_dl_mbps", "throughput ↓", "Mb/s"],
    ["throughput_ul_mbps", "throughput ↑", "Mb/s"],
  ];

  /** What steering did and shows; read by the browser tests. */
  const steer = { paused: null, speed: null, commands: 0, moved: null, lastError: null };
  meclab.steer = steer;

  async function command(body) {
    try {
      const result = await meclab.api("/events", { method: "POST", body });
      steer.commands++;
      steer.lastError = null;
      return result;
    } catch (exc) {
      steer.lastError = { title: exc.title, detail: exc.detail, status: exc.status };
      throw exc;
    }
  }
  steer.command = command;

  // --- pause, resume, speed ----------------------------------------------------------------

  const controls = document.getElementById("controls");
  const pauseButton = document.createElement("button");
  pauseButton.id = "steer-pause";
  pauseButton.type = "button";
  pauseButton.textContent = "Pause";
  const speedButtons = SPEEDS.map((speed) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "steer-speed";
    b.dataset.speed = String(speed);
    b.textContent = `×${speed}`;
    b.title = `run at ${speed} times real time`;
    b.addEventListener("click", () => setSpeed(speed));
    return b;
  });
  const speedInput = document.createElement("input");
  speedInput.id = "steer-speed-input";
  speedInput.type = "number";
  speedInput.step = "any";
  speedInput.title = "speed (times real time); Enter applies";
  speedInput.setAttribute("aria-label", "speed");
  speedInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") setSpeed(Number(speedInput.value));
  });
  const group = document.createElement("span");
  group.className = "steer-speeds";
  group.append(...speedButtons, speedInput);
  controls.append(pauseButton, group);

  pauseButton.addEventListener("click", async () => {
    try {
      await command({ type: steer.paused ? "resume" : "pause" });
    } catch (exc) {
      meclab.report(exc);
    }
    await refreshWorld();
  });

  async function setSpeed(speed) {
    try {
      await command({ type: "speed", speed });
    } catch (exc) {
      meclab.report(exc);
    }
    await refreshWorld();
  }

  async function refreshWorld() {
    try {
      const world = await meclab.api("/world");
      meclab.world = world; // fresher than the dashboard's once-a-second copy
      reflect(world);
    } catch (exc) {
      meclab.report(exc);
    }
  }

  /** Show the world's actual state (also after a change made elsewhere, e.g. the CLI). */
  function reflect(world) {
    if (!world) return;
    steer.paused = world.paused;
    steer.speed = world.speed;
    pauseButton.textContent = world.paused ? "Resume" : "Pause";
    pauseButton.dataset.paused = String(world.paused);
    pauseButton.title = world.paused ? "resume the world" : "pause the world";
    for (const b of speedButtons) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.speed) === world.speed));
    }
    if (document.activeElement !== speedInput) speedInput.value = String(world.speed);
  }

  meclab.on("world", reflect);
  // the dashboard refreshes meclab.world about once a second while it polls
  meclab.on("poll", () => reflect(meclab.world));

  // --- move a terminal by dragging it, release it --------------------------------------------

  meclab.on("drop", async ({ name, lon, lat }) => {
    try {
      await command({ type: "move", ue: name, to: { lon, lat } });
      steer.moved = { name, lon, lat };
    } catch (exc) {
      meclab.report(exc); // e.g. outside the area: the detail says how to force it
      return;
    }
    if (meclab.selected === name) await meclab.refreshDetails();
  });

  function releaseButton(name, held) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "steer-release";
    b.textContent = "Release";
    b.title = held ? "send it back to its path" : "it follows its path already";
    b.disabled = !held;
    b.addEventListener("click", async () => {
      try {
        await command({ type: "release", ue: name });
      } catch (exc) {
        meclab.report(exc);
      }
      await meclab.refreshDetails();
    });
    return b;
  }

  // --- network characteristics ------------------------------------------------------------

  function netcharForm(name) {
    const form = document.createElement("form");
    form.className = "steer-netchar";
    const title = document.createElement("h2");
    title.textContent = "Edit network characteristics";
    form.append(title);
    const inputs = {};
    const grid = document.createElement("div");
    grid.className = "steer-grid";
    for (const [field, label, unit] of FIELDS) {
      const l = document.createElement("label");
      l.textContent = label;
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.name = field;
      input.placeholder = field.startsWith("throughput") ? "unlimited" : "0";
      const u = document.createElement("span");
      u.className = "muted";
      u.textContent = unit;
      l.append(input, u);
      grid.append(l);
      inputs[field] = input;
    }
    const send = document.createElement("button");
    send.type = "submit";
    send.textContent = "Apply";
    const status = document.createElement("div");
    status.className = "steer-status";
    form.append(grid, send, status);
    const original = {};

    meclab
      .api(`/elements/${encodeURIComponent(name)}`)
      .then((element) => {
        for (const [field] of FIELDS) {
          const v = element.netchar[field];
          original[field] = v === null || v === undefined ? "" : String(v);
          inputs[field].value = original[field];
        }
        form.dataset.ready = "true";
      })
      .catch(meclab.report);

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const patch = { unlimited: [] };
      for (const [field] of FIELDS) {
        const text = inputs[field].value.trim();
        if (text === original[field]) continue; // unchanged: keeps its value
        if (text === "" && field.startsWith("throughput")) patch.unlimited.push(field);
        else patch[field] = text === "" ? 0 : Number(text);
      }
      if (!patch.unlimited.length) delete patch.unlimited;
      status.className = "steer-status";
      try {
        await command({ type: "netchar", element: name, netchar: patch });
      } catch (exc) {
        status.className = "steer-status error";
        status.textContent = `${exc.title}: ${exc.detail}`;
        meclab.report(exc);
        return;
      }
      await meclab.refreshDetails(); // draws the new values (and a fresh form)
      const fresh = document.querySelector("#details-body .steer-status");
      if (fresh) fresh.textContent = "applied";
    });
    return form;
  }

  meclab.on("details", ({ kind, name, body, data }) => {
    const parts = [];
    if (kind === "terminal") {
      const bar = document.createElement("div");
      bar.className = "steer-bar";
      bar.append(releaseButton(name, Boolean(data.held)));
      const hint = document.createElement("span");
      hint.className = "muted";
      hint.textContent = data.held ? " held by a move" : " drag it on the map to move it";
      bar.append(hint);
      parts.push(bar);
    }
    parts.push(netcharForm(name));
    body.append(...parts);
  });
})();
