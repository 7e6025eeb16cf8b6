"""Commands that talk to a running meclab: ``event ...``, ``status``, ``events``."""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from meclab.cli.instance import DataDirOption, UrlOption, instance_url
from meclab.cli.operator import CA_FILE, client_options, security_dir
from meclab.engine.events import EventKind

event_app = typer.Typer(help="Steer the running world.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _request(method: str, base: str, path: str, **kwargs: Any) -> Any:
    return _answer(_send(method, base, path, **kwargs))


def _send(method: str, base: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send one request to meclab (as the operator, should it ask); exit 1 if it is not there."""
    try:
        return httpx.request(method, base + path, timeout=30.0, **client_options(base), **kwargs)
    except httpx.HTTPError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            raise _fail(
                f"meclab at {base} serves HTTPS with a certificate this CLI does not trust: "
                f"meclab's CA is not in {security_dir(base) / CA_FILE}; give the --data-dir "
                "that meclab runs on"
            ) from exc
        raise _fail(f"cannot reach meclab at {base}: {exc}. Is `meclab up` running?") from exc


def _answer(response: httpx.Response) -> Any:
    """The JSON of a successful answer; exit 1 with the problem's detail otherwise."""
    if response.is_error:
        try:
            problem = response.json()
            detail = problem.get("detail") or problem.get("title")
        except ValueError:
            detail = response.text
        raise _fail(f"meclab refused ({response.status_code}): {detail}")
    return response.json() if response.content else None  # 202/204 carry no body


def _post_event(base: str, body: dict[str, Any]) -> None:
    result = _request("POST", base, "/meclab/v1/events", json=body)
    for record in [result["event"], *result["consequences"]]:
        typer.echo(_line(record))


def _line(record: dict[str, Any]) -> str:
    fields = {k: v for k, v in record.items() if k not in ("seq", "wall", "type", "t")}
    text = " ".join(
        f"{k}={json.dumps(v) if isinstance(v, dict | list) else v}" for k, v in fields.items()
    )
    return f"#{record['seq']:<6} t={record['t']:8.1f}s {record['type']:<14} {text}"


def _lonlat(value: str) -> tuple[float, float]:
    try:
        lon_text, lat_text = value.split(",")
        return float(lon_text), float(lat_text)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not LON,LAT (e.g. 7.4200,43.7350)") from exc


@event_app.command("move")
def move(
    ue: Annotated[str, typer.Argument(help="Terminal name.", show_default=False)],
    to: Annotated[str | None, typer.Option("--to", help="LON,LAT to hold the terminal at.")] = None,
    poa: Annotated[
        str | None, typer.Option("--poa", help="Point of access to hold it at, attached.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Move to a position far outside the scenario's area."),
    ] = False,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Move a terminal to a position or to a point of access, and hold it there until
    `meclab event release`."""
    if (to is None) == (poa is None):
        raise typer.BadParameter("give exactly one of --to LON,LAT or --poa NAME")
    body: dict[str, Any] = {"type": "move", "ue": ue}
    if to is not None:
        lon, lat = _lonlat(to)
        body["to"] = {"lon": lon, "lat": lat}
    else:
        body["poa"] = poa
    if force:
        body["force"] = True
    _post_event(instance_url(url, data_dir), body)


@event_app.command("release")
def release(
    ue: Annotated[str, typer.Argument(help="Terminal name.", show_default=False)],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Put a terminal held by `meclab event move` back on its path (where its path is now)."""
    _post_event(instance_url(url, data_dir), {"type": "release", "ue": ue})


@event_app.command("netchar")
def netchar(
    element: Annotated[
        str,
        typer.Argument(
            help="Any element: deployment (scenario name), domain, zone, PoA, node, terminal, app.",
            show_default=False,
        ),
    ],
    latency_ms: Annotated[float | None, typer.Option(help="One-way latency.")] = None,
    jitter_ms: Annotated[float | None, typer.Option(help="Jitter.")] = None,
    loss_pct: Annotated[float | None, typer.Option(help="Packet loss in percent.")] = None,
    throughput_dl_mbps: Annotated[float | None, typer.Option(help="Downlink rate.")] = None,
    throughput_ul_mbps: Annotated[float | None, typer.Option(help="Uplink rate.")] = None,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change the network characteristics of an element (options left out keep their value)."""
    changes = {
        key: value
        for key, value in {
            "latency_ms": latency_ms,
            "jitter_ms": jitter_ms,
            "loss_pct": loss_pct,
            "throughput_dl_mbps": throughput_dl_mbps,
            "throughput_ul_mbps": throughput_ul_mbps,
        }.items()
        if value is not None
    }
    if not changes:
        raise typer.BadParameter("give at least one characteristic to change")
    _post_event(
        instance_url(url, data_dir), {"type": "netchar", "element": element, "netchar": changes}
    )


@event_app.command("pause")
def pause(url: UrlOption = None, data_dir: DataDirOption = None) -> None:
    """Stop simulation time."""
    _post_event(instance_url(url, data_dir), {"type": "pause"})


@event_app.command("resume")
def resume(url: UrlOption = None, data_dir: DataDirOption = None) -> None:
    """Let simulation time run again."""
    _post_event(instance_url(url, data_dir), {"type": "resume"})


@event_app.command("speed")
def speed(
    factor: Annotated[
        float, typer.Argument(help="Simulation seconds per real second.", show_default=False)
    ],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change the simulation speed."""
    _post_event(instance_url(url, data_dir), {"type": "speed", "speed": factor})


def status_command(
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            help="Wait up to this many seconds for meclab to answer (a pipeline that started "
            "`meclab up &`); 0 asks once.",
        ),
    ] = 0,
) -> None:
    """Show the running world at a glance."""
    world = _answer(_world_answer(url, data_dir, wait))
    counts = world["counts"]
    state = "paused" if world["paused"] else f"running x{world['speed']:g}"
    typer.echo(
        f"{world['scenario']}: t={world['time_s']:.1f}s, {state}; "
        f"{counts['connected_terminals']}/{counts['terminals']} terminals connected, "
        f"{counts['poas']} points of access, {counts['zones']} zones, "
        f"{counts['mec_hosts']} MEC hosts"
    )


def _world_answer(url: str | None, data_dir: Path | None, wait_s: float) -> httpx.Response:
    """The running meclab's answer to GET /meclab/v1/world, asked again until it answers or
    ``wait_s`` has passed (then, or with 0, asked once more as any command asks, whose error
    is the CLI's)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # why not yet: only once, at the end
                base = instance_url(url, data_dir)
            return httpx.get(base + "/meclab/v1/world", timeout=5.0, **client_options(base))
        except (typer.Exit, httpx.HTTPError):
            time.sleep(0.2)
    return _send("GET", instance_url(url, data_dir), "/meclab/v1/world")


def events_command(
    event_type: Annotated[
        list[EventKind] | None,
        typer.Option("--type", help="Only these event types (repeat for several)."),
    ] = None,
    last: Annotated[
        int, typer.Option("--last", min=1, max=10000, help="How many recent events.")
    ] = 20,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new events.")
    ] = False,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print recent events, and with --follow the new ones as they happen."""
    params: dict[str, Any] = {"limit": last, "newest_first": "true"}
    if event_type:
        params["type"] = [str(kind) for kind in event_type]
    base = instance_url(url, data_dir)
    page = _request("GET", base, "/meclab/v1/events", params=params)
    items = list(reversed(page["items"]))
    for record in items:
        typer.echo(_line(record))
    if not follow:
        return
    after = items[-1]["seq"] if items else page["last_seq"]
    stream_params: dict[str, Any] = {"after": after}
    if event_type:
        stream_params["type"] = [str(kind) for kind in event_type]
    try:
        with httpx.stream(
            "GET",
            base + "/meclab/v1/events/stream",
            params=stream_params,
            timeout=None,
            **client_options(base),
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    typer.echo(_line(json.loads(line[5:])))
    except httpx.HTTPError as exc:
        raise _fail(f"lost meclab at {base}: {exc}") from exc
    except KeyboardInterrupt:
        return
