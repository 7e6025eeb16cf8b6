"""Dashboard benchmark: page load, frame rate and server CPU, default world and 10,000 terminals.

    python bench/dashboard.py                      # everything, both worlds
    python bench/dashboard.py --quick              # fewer runs, shorter windows
    python bench/dashboard.py --only frames --worlds 10k

Each world is a real ``meclab up`` (``_common.MeclabUp``: its own process pinned to one core,
data plane on): ``default`` and ``generate:ues=10000,cells=1000,seed=7``. Headless Chromium
(Playwright, Debian's /usr/bin/chromium, pinned with this script to the other core, background
throttling off so that every page keeps drawing) opens the dashboard at ``/``.

**load** (goal: first paint < 1 s): a fresh browser context per run (cold cache); first paint
and first contentful paint (``PerformanceObserver`` 'paint'), the time until the page is ready
(``meclab.ready`` and a first frame drawn, seen at the next animation frame), the bytes it
transferred until then (navigation and resource timing) and the positions body's size; the
median of ``--runs``.

**frames** (goal: >= 30 frames/s at 10k terminals): one page, after a warm-up, for
``--frame-seconds`` while terminals move: animation frames per second (a
``requestAnimationFrame`` counter in the page), how many of them drew the map
(``meclab.frames``: the page draws only when something changed), the script time per draw
(``meclab.drawMs``), the longest gap between two frames (a freeze shows there), the
positions polls per second, and the browser's CPU per frame (all its processes, from
``/proc``): on a loaded machine the frame rate falls with the share of the core the browser
gets, its CPU per frame much less. Then the same while the map zooms at every frame (a wheel
event per frame: the layers are copied scaled, and drawn afresh when it stops).

**cpu** (goal: < 5 % of a core per open page): the meclab process's CPU (``/proc/<pid>/stat``)
over ``--cpu-seconds`` with 0, 1 and 10 pages open (a browser context each: every page holds
an event stream, and Chromium allows 6 connections per host and context); the extra per page
is (CPU with k pages - CPU with none) / k. The pages' own polls per second are printed beside:
pages that cannot keep up poll less, and cost the server less.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import SERVER_CPU, MeclabUp, cpu_seconds, pin

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # pages side by side in one headless browser: none may be throttled as a background one
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
VIEWPORT = {"width": 1280, "height": 800}
WORLDS = {"default": "default", "10k": "generate:ues=10000,cells=1000,seed=7"}
READY_TIMEOUT_MS = 120_000
SETTLE_S = 3.0
"""After a page is ready, before anything is measured: its first polls and draws."""
FIRST_PAINT_GOAL_MS = 1000.0
FPS_GOAL = 30.0
CPU_GOAL_PCT = 5.0

# Installed before any script of the page: paint entries, the moment the page is ready (checked
# at every animation frame), and an animation-frame counter with the gaps between frames.
PROBE = """
(() => {
  const bench = { paints: {}, readyAt: null, rafs: 0, gaps: [], last: null, zoom: false };
  window.__bench = bench;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.paints[e.name] = e.startTime;
  }).observe({ type: "paint", buffered: true });
  let sign = 1;
  function tick(now) {
    bench.rafs++;
    if (bench.last !== null) bench.gaps.push(now - bench.last);
    bench.last = now;
    const m = window.meclab;
    if (bench.readyAt === null && m && m.ready && m.frames > 0) bench.readyAt = now;
    if (bench.zoom) {
      const map = document.getElementById("map");
      const r = map.getBoundingClientRect();
      sign = -sign;
      map.dispatchEvent(new WheelEvent("wheel", {
        deltaY: 40 * sign, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2,
        cancelable: true,
      }));
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""

# What a measurement window reads from the page at its start and end.
SAMPLE = """() => ({now: performance.now(), rafs: __bench.rafs, frames: meclab.frames,
  drawMs: meclab.drawMs || 0, polls: meclab.polls, terminals: meclab.drawn.terminals})"""


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@contextmanager
def browser() -> Iterator[Any]:
    """Headless Chromium under Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(chromium: Any, base: str) -> tuple[Any, Any]:
    """A fresh context (no cache, its own connections) with the dashboard ready in it."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE)
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_function("() => __bench.readyAt !== null", timeout=READY_TIMEOUT_MS)
    return context, page


def load_run(chromium: Any, base: str) -> dict[str, float]:
    """One cold page load: paints, ready time and bytes until ready (ms, bytes)."""
    context, page = open_page(chromium, base)
    try:
        figures: dict[str, float] = page.evaluate(
            """() => {
              const ready = __bench.readyAt;
              const nav = performance.getEntriesByType("navigation")[0];
              let bytes = nav.transferSize;
              let positions = 0;
              for (const e of performance.getEntriesByType("resource")) {
                if (e.responseEnd <= ready) bytes += e.transferSize;
                if (e.name.includes("/terminals/positions")) positions = e.encodedBodySize;
              }
              const paints = __bench.paints;
              return {fp: paints["first-paint"], fcp: paints["first-contentful-paint"],
                      ready, bytes, positions};
            }"""
        )
    finally:
        context.close()
    return figures


def bench_load(chromium: Any, base: str, runs: int) -> dict[str, float]:
    results = [load_run(chromium, base) for _ in range(runs)]
    median = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(
        f"  load ({runs} cold runs, median): first paint {median['fp']:.0f} ms, "
        f"first contentful paint {median['fcp']:.0f} ms, ready {median['ready']:.0f} ms, "
        f"{median['bytes'] / 1024:.0f} KiB until ready (positions body "
        f"{median['positions'] / 1024:.0f} KiB); first paint < 1 s: "
        f"{verdict(median['fp'] < FIRST_PAINT_GOAL_MS)}"
    )
    return median


def descendants(root: int) -> list[int]:
    """Every living process below ``root`` (the browser's, started from here)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError):
                continue  # it ended meanwhile
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def browser_cpu() -> float:
    """CPU seconds used so far by the browser's processes still running."""
    total = 0.0
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError, ValueError):  # it ended meanwhile
            total += cpu_seconds(pid)
    return total


def window(page: Any, seconds: float) -> dict[str, float]:
    """Frame figures of one page over ``seconds``."""
    page.evaluate("() => { __bench.gaps = []; }")
    start = page.evaluate(SAMPLE)
    used = browser_cpu()
    time.sleep(seconds)
    used = browser_cpu() - used
    end = page.evaluate(SAMPLE)
    gaps = sorted(page.evaluate("() => __bench.gaps"))
    s = (end["now"] - start["now"]) / 1e3
    draws = end["frames"] - start["frames"]
    return {
        "fps": (end["rafs"] - start["rafs"]) / s,
        "draws": draws / s,
        "draw_ms": (end["drawMs"] - start["drawMs"]) / draws if draws else 0.0,
        "p95_gap": gaps[int(0.95 * (len(gaps) - 1))] if gaps else 0.0,
        "max_gap": gaps[-1] if gaps else 0.0,
        "polls": (end["polls"] - start["polls"]) / s,
        # all of the browser's CPU (script, raster, compositing, GPU process) per frame: what
        # the machine's other load does not change, unlike the frame rate
        "cpu_ms": 1e3 * used / max(1, end["rafs"] - start["rafs"]),
        "terminals": end["terminals"],
    }


def bench_frames(chromium: Any, base: str, seconds: float, goal: bool) -> dict[str, float]:
    context, page = open_page(chromium, base)
    try:
        time.sleep(SETTLE_S)
        live = window(page, seconds)
        page.evaluate("() => { __bench.zoom = true; }")
        zoom = window(page, seconds)
    finally:
        context.close()
    for label, f in (("live", live), ("zooming", zoom)):
        line = (
            f"  frames {label:<8} {f['fps']:5.1f} frames/s, {f['draws']:5.1f} draws/s, "
            f"{f['draw_ms']:5.1f} ms script per draw (0: not counted), "
            f"frame gap p95 {f['p95_gap']:.0f} ms, "
            f"max {f['max_gap']:.0f} ms, {f['polls']:.1f} polls/s, "
            f"browser CPU {f['cpu_ms']:.1f} ms per frame, "
            f"{f['terminals']:.0f} terminals"
        )
        if goal and label == "live":
            line += f"; >= {FPS_GOAL:.0f} frames/s: {verdict(f['fps'] >= FPS_GOAL)}"
        print(line)
    return live


def server_cpu(pid: int, pages: list[Any], seconds: float) -> tuple[float, float]:
    """% of a core process ``pid`` used over ``seconds``, and the pages' polls per second."""
    polls = [p.evaluate("() => meclab.polls") for p in pages]
    started, used = time.monotonic(), cpu_seconds(pid)
    time.sleep(seconds)
    elapsed, used = time.monotonic() - started, cpu_seconds(pid) - used
    rate = sum(p.evaluate("() => meclab.polls") - n for p, n in zip(pages, polls, strict=True))
    return 100 * used / elapsed, rate / elapsed


def bench_cpu(chromium: Any, server: MeclabUp, seconds: float) -> float:
    opened: list[tuple[Any, Any]] = []
    try:
        idle, _ = server_cpu(server.pid, [], seconds)
        print(f"  cpu      0 pages: {idle:5.1f} % of a core")
        worst = 0.0
        for count in (1, 10):
            while len(opened) < count:
                opened.append(open_page(chromium, server.base))
            time.sleep(SETTLE_S)
            busy, polls = server_cpu(server.pid, [p for _, p in opened], seconds)
            extra = (busy - idle) / count
            worst = max(worst, extra)
            # 10 ms of CPU per second is 1 % of a core: what each poll costs the server
            per_poll = 10 * (busy - idle) / polls if polls else 0.0
            print(
                f"  cpu     {count:2d} pages: {busy:5.1f} % of a core ({polls:.1f} polls/s in "
                f"all, {per_poll:.2f} ms per poll), {extra:+.2f} % per page; "
                f"< {CPU_GOAL_PCT:.0f} %: {verdict(extra < CPU_GOAL_PCT)}"
            )
    finally:
        for context, _ in opened:
            context.close()
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 runs, 5 s windows")
    parser.add_argument("--runs", type=int, default=5, help="cold page loads per world")
    parser.add_argument("--frame-seconds", type=float, default=10.0, help="frames window")
    parser.add_argument("--cpu-seconds", type=float, default=15.0, help="CPU window")
    parser.add_argument(
        "--only", choices=["load", "frames", "cpu"], action="append", help="repeatable"
    )
    parser.add_argument(
        "--worlds", default="default,10k", help=f"comma-separated, of {', '.join(WORLDS)}"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.frame_seconds, args.cpu_seconds = 3, 5.0, 8.0
    parts = args.only or ["load", "frames", "cpu"]
    pin(SERVER_CPU + 1)  # the browser (started from here) takes the core the server leaves
    print(
        f"meclab dashboard in headless Chromium ({CHROMIUM}, {VIEWPORT['width']}x"
        f"{VIEWPORT['height']}, cpu {sorted(os.sched_getaffinity(0))}); meclab up on cpu "
        f"{SERVER_CPU}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for name in args.worlds.split(","):
        started = time.monotonic()
        with MeclabUp(WORLDS[name]) as server, browser() as chromium:
            print(f"{name} ({WORLDS[name]}; up in {time.monotonic() - started:.0f} s)")
            if "load" in parts:
                bench_load(chromium, server.base, args.runs)
            if "frames" in parts:
                bench_frames(chromium, server.base, args.frame_seconds, goal=name == "10k")
            if "cpu" in parts:
                bench_cpu(chromium, server, args.cpu_seconds)


if __name__ == "__main__":
    main()
