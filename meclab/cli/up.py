"""``meclab up``: run the world and serve every API from one process until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn

from meclab.app import create_app
from meclab.bus.base import EventRecord
from meclab.bus.memory import MemoryBus
from meclab.cli.instance import DataDirOption, default_data_dir
from meclab.cli.scenario_cmd import EXIT_INVALID, report_invalid
from meclab.dataplane.plane import DataPlane
from meclab.engine.events import Connected, Disconnected, Handover, ManualEvent
from meclab.http.headers import SERVER_OPTIONS
from meclab.http.slow import server_limits
from meclab.lock import DataDirBusy, DataDirLock
from meclab.metrics import Metrics
from meclab.record.format import Recording, RecordingError, read_recording
from meclab.record.live import LiveReplay
from meclab.record.recorder import Recorder, RecordingRefused
from meclab.runtime import Runtime
from meclab.scenario.builtin import default_scenario
from meclab.scenario.errors import ScenarioError
from meclab.scenario.loader import load_file
from meclab.scenario.model import Scenario
from meclab.security.authority import Authority
from meclab.services.hosting import api_root_path
from meclab.sockets import listen_tcp
from meclab.worlds import WorldShelf

log = logging.getLogger("meclab")

MAX_LOGGED_PER_TICK = 20
"""Events logged one by one per tick; beyond that a big world's log gets a summary line."""


def parse_generator_spec(spec: str) -> dict[str, int]:
    """``ues=1000,cells=50,seed=7`` as keyword arguments; ValueError naming a bad part."""
    known = {"ues", "cells", "seed", "zones"}
    out: dict[str, int] = {}
    for part in filter(None, spec.split(",")):
        key, sep, value = part.partition("=")
        if not sep or key not in known:
            raise ValueError(f"{part!r}: expected one of {', '.join(sorted(known))} as name=number")
        if not value.isdigit():
            raise ValueError(f"{key}={value!r} is not a whole number")
        out[key] = int(value)
    return out


def resolve_scenario(source: str | None) -> Scenario | None:
    """A scenario from a file path, ``default`` or ``generate:ues=..,cells=..,seed=..``.

    None when no source is given: the runtime then resumes the stored scenario or uses the
    default. Raises ScenarioError or ValueError with a message naming what is wrong.
    """
    if source is None:
        return None
    if source == "default":
        return default_scenario()
    if source.startswith("generate:"):
        from meclab.scenario.generator import generate

        return generate(**parse_generator_spec(source.removeprefix("generate:")))
    return load_file(source)


def describe(record: EventRecord) -> str | None:
    """A log line for the events a person watching wants to see."""
    event = record.event
    if isinstance(event, Handover):
        zone = (
            f" ({event.source_zone} -> {event.target_zone})"
            if event.source_zone != event.target_zone
            else ""
        )
        return f"t={event.t:8.1f}s  handover   {event.ue}: {event.source} -> {event.target}{zone}"
    if isinstance(event, Connected):
        return f"t={event.t:8.1f}s  connect    {event.ue}: {event.poa} in {event.zone}"
    if isinstance(event, Disconnected):
        return f"t={event.t:8.1f}s  disconnect {event.ue}: lost {event.poa}, out of coverage"
    if isinstance(event, ManualEvent):
        params = ", ".join(f"{k}={v}" for k, v in event.params.items())
        return f"t={event.t:8.1f}s  {event.action:<10} {params}"
    return None


async def log_events(records: Sequence[EventRecord]) -> None:
    """Bus handler: log handovers and friends readably, summarising floods."""
    lines = [line for r in records if (line := describe(r))]
    for line in lines[:MAX_LOGGED_PER_TICK]:
        log.info(line)
    if len(lines) > MAX_LOGGED_PER_TICK:
        log.info(
            "... and %d more events this tick (GET /meclab/v1/events)",
            len(lines) - MAX_LOGGED_PER_TICK,
        )


def public_url(host: str, port: int, scheme: str = "http") -> str:
    """The URL clients use: a wildcard listen address is shown as loopback."""
    shown = f"[{host}]" if ":" in host else ("127.0.0.1" if host in ("0.0.0.0", "") else host)
    return f"{scheme}://{shown}:{port}"


def certificate_names(host: str) -> list[str]:
    """The names the server certificate must hold for clients reaching meclab on ``host``."""
    names = ["localhost", "127.0.0.1", "::1"]
    if host not in ("0.0.0.0", "::", "") and host not in names:
        names.append(host)
    return names


def _opened(how: str, name: str, t: float) -> str:
    """What became of the stored world, in the banner's words."""
    return {
        "resumed": f"resumed world {name} at t={t:.1f}s",
        "new": f"new world {name}",
        "default": f"new world {name} (built-in default)",
        "replaced": f"replaced stored world {name}: it was a different scenario document",
    }[how]


def _mode_lines(authority: Authority | None, https: bool) -> list[str]:
    """What the banner says of the security mode."""
    if authority is None:
        return [
            "  mode         open: every API answers anyone, over plain HTTP "
            "(meclab up --secure: tokens, TLS, limits)"
        ]
    lines = [
        "  mode         secure: OAuth 2.0 access tokens on every API, request limits, "
        + ("TLS" if https else "plain HTTP (--no-tls: TLS is your gateway's)"),
        f"  operator     {authority.operator_file} (the CLI reads it)",
    ]
    if https:
        lines.append(f"  CA           {authority.ca.file} (meclab ca prints it)")
    return lines


def _banner(
    runtime: Runtime,
    how: str,
    base: str,
    data_dir: Path,
    plane: DataPlane | None,
    api_root: str,
    authority: Authority | None = None,
    https: bool = False,
) -> str:
    world = runtime.world
    lines = [
        f"meclab: {_opened(how, world.scenario.name, world.state.t)}: "
        f"{len(world.poa_names)} points of access, {len(world.ue_names)} terminals, "
        f"speed x{runtime.clock.speed:g}"
        + (" (paused: meclab event resume)" if runtime.clock.paused else ""),
        f"  dashboard    {base}/" + ("  (sign in: meclab dashboard)" if authority else ""),
        f"  control API  {base}/meclab/v1/world",
        f"  MEC APIs     {base}{api_root}/mec_service_mgmt/v1/services  "
        f"(any host: {base}{api_root}/hosts/<host>/...)",
        f"  events       {base}/meclab/v1/events/stream",
        f"  API docs     {base}/docs",
        *_mode_lines(authority, https),
    ]
    if plane is not None:
        lines += plane.entry_points().banner()
    lines += [f"  data         {data_dir}", "Ctrl-C to stop."]
    return "\n".join(lines)


def _port_taken(host: str, port: int, kind: socket.SocketKind) -> str | None:
    """Why ``port`` cannot be bound on ``host`` (None when it can), probed as meclab binds it."""
    try:
        if kind == socket.SOCK_STREAM:
            listen_tcp(host, port).close()
        else:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind) as probe:
                probe.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _running_meclab(url: str) -> str | None:
    """A description of the meclab answering at ``url``, or None if what answers is not one."""
    try:
        world = httpx.get(f"{url}/meclab/v1/world", timeout=2.0).json()
        return f"world {world['scenario']} at t={float(world['time_s']):.1f} s"
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def check_ports(host: str, port: int, plane: DataPlane | None) -> None:
    """StartupFailed listing every fixed port that is taken, each with the option that moves
    it, before anything is opened (the data plane binds its ports later, once the platforms
    exist); it says so when the API port is taken by a meclab that is already running."""
    wanted = [(host, port, socket.SOCK_STREAM, "--port")]
    if plane is not None:
        wanted += [
            (plane.host, plane.socks_port, socket.SOCK_STREAM, "--socks-port"),
            (plane.host, plane.dns_port, socket.SOCK_DGRAM, "--dns-port"),
            (plane.host, plane.dns_port, socket.SOCK_STREAM, "--dns-port"),
            (plane.host, plane.toxiproxy_port, socket.SOCK_STREAM, "--toxiproxy-port"),
        ]
    taken = []
    for where, number, kind, option in wanted:
        if not number:
            continue
        why = _port_taken(where, number, kind)
        if why is None:
            continue
        proto = "udp" if kind == socket.SOCK_DGRAM else "tcp"
        line = f"  {where}:{number}/{proto} ({option}): {why}"
        if option == "--port" and (running := _running_meclab(public_url(where, number))):
            line += f"; meclab is already running here ({running})"
        taken.append(line)
    if taken:
        lines = "\n".join(taken)
        raise StartupFailed(
            f"{len(taken)} port{'s are' if len(taken) > 1 else ' is'} taken:\n{lines}\n"
            "choose others with the options named (0: any free port)"
            + ("" if plane is None else ", or use --no-dataplane")
        )


class StartupFailed(Exception):
    """The app could not start (a data plane port is taken ...); the message says why."""


async def _serve(
    scenario: Scenario | None,
    host: str,
    port: int,
    speed: float | None,
    tick_hz: float,
    lock: DataDirLock,
    plane: DataPlane | None,
    api_root: str = "",
    paused: bool = False,
    secure: bool = False,
    callback_trust: ssl.SSLContext | None = None,
    tls: bool = True,
    recorder: Recorder | None = None,
    replay: LiveReplay | None = None,
) -> None:
    # First: a busy port must not touch the stored worlds (the data dir is held already).
    data_dir = lock.data_dir
    check_ports(host, port, plane)
    sock = listen_tcp(host, port)
    shelf = WorldShelf(data_dir, on_open=lambda name: lock.record(world=name))
    try:
        await shelf.migrate_legacy()
        runtime = Runtime(shelf, MemoryBus(), tick_hz=tick_hz)
        runtime.bus.subscribe(log_events)
        if replay is not None:
            await _check_replay_shelf(shelf, replay.recording)
            scenario, speed = replay.recording.scenario, replay.recording.header.speed
        if recorder is not None:
            recorder.attach(runtime)
        how = await runtime.open(scenario, speed=speed)
        if paused and not runtime.clock.paused:
            await runtime.pause()
        metrics = Metrics()
        options = dict(SERVER_OPTIONS)
        authority = None
        if secure or runtime.world.scenario.secure:
            authority = Authority(data_dir / "security")
            options |= server_limits(metrics=metrics)
            if tls:
                files = authority.ca.server_files(certificate_names(host))
                options |= {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
        https = authority is not None and tls
        base = public_url(host, sock.getsockname()[1], "https" if https else "http")
        lock.record(url=base)
        app = create_app(
            runtime,
            base_url=base,
            api_root=api_root,
            metrics=metrics,
            dataplane=plane,
            data_dir=data_dir,
            # Once started, so that the data plane's ports (0: any free one) are known.
            on_started=lambda: _started(
                _banner(runtime, how, base, data_dir, plane, api_root, authority, https),
                runtime,
                replay,
            ),
            security=authority,
            callback_trust=callback_trust,
            tick=replay is None,  # a replay's driver ticks (_started)
        )
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="critical", lifespan="on", access_log=False, **options)
        )

        try:
            await server.serve(sockets=[sock])
        except SystemExit as exc:  # uvicorn exits when the app's startup fails
            raise StartupFailed(
                getattr(app.state, "startup_error", "the app did not start")
            ) from exc
        if not server.started:
            raise StartupFailed(getattr(app.state, "startup_error", "the app did not start"))
    finally:
        if recorder is not None:
            recorder.close()
        sock.close()
        await shelf.close()


def _started(banner: str, runtime: Runtime, replay: LiveReplay | None) -> None:
    typer.echo(banner)
    if replay is not None:
        typer.echo(
            f"  replaying    {replay.recording.path}: {replay.recording.tick_count} ticks to "
            f"t={replay.recording.last_t:.1f}s, "
            + ("as fast as possible" if replay.fast else f"at speed x{replay.speed or 'recorded'}")
            + ", then paused"
        )
        runtime.start(replay)


async def _check_replay_shelf(shelf: WorldShelf, recording: Recording) -> None:
    """StartupFailed when the data dir already holds the recording's world: a replay starts
    it at t=0, and would otherwise resume it or wipe it."""
    name = recording.scenario.name
    if name in shelf.names():
        stored = await shelf.describe(name)
        at = f" at t={stored.time_s:.1f}s" if stored.time_s is not None else ""
        raise StartupFailed(
            f"--replay {recording.path}: the data dir {shelf.data_dir} already holds world "
            f"{name}{at}, and a replay starts it afresh: use another --data-dir, or remove it "
            f"(meclab reset {name})"
        )


def _api_root_option(value: str) -> str:
    try:
        return api_root_path(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def up_command(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Scenario file (YAML/JSON), 'default', or 'generate:ues=N,cells=N,seed=N'. "
            "Without it meclab resumes the world used last, or starts the default.",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")
    ] = 8080,
    speed: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            max=10000,
            help="Simulation seconds per real second.",
            show_default="the resumed world's speed, else 1",
        ),
    ] = None,
    tick_hz: Annotated[
        float, typer.Option("--tick-hz", min=0.1, max=1000, help="World updates per real second.")
    ] = 10.0,
    data_dir: DataDirOption = None,
    socks_port: Annotated[
        int,
        typer.Option(
            "--socks-port",
            min=0,
            max=65535,
            help="Data plane SOCKS5 entry; the username names the UE or the sending app.",
        ),
    ] = 1080,
    dns_port: Annotated[
        int, typer.Option("--dns-port", min=0, max=65535, help="MEC DNS server (UDP and TCP).")
    ] = 5353,
    toxiproxy_port: Annotated[
        int,
        typer.Option(
            "--toxiproxy-port", min=0, max=65535, help="toxiproxy-compatible fault injection API."
        ),
    ] = 8474,
    api_root: Annotated[
        str,
        typer.Option(
            "--api-root",
            callback=_api_root_option,
            show_default="/",
            help="Path prefix of every ETSI API, e.g. /sbx1/mep (control API, docs and metrics "
            "stay at the root).",
        ),
    ] = "",
    no_dataplane: Annotated[
        bool,
        typer.Option("--no-dataplane", help="Serve the APIs only: no relay, DNS or toxiproxy API."),
    ] = False,
    shared_capacity: Annotated[
        bool,
        typer.Option(
            "--shared-capacity/--no-shared-capacity",
            help="Divide each element's throughput among the flows crossing it (max-min fair, "
            "BWM allocations as guarantees). Off: every flow gets its path's bottleneck as if "
            "alone, and BWM allocations are kept but act on nothing.",
        ),
    ] = True,
    paused: Annotated[
        bool,
        typer.Option(
            "--paused",
            help="Start with simulation time stopped (until `meclab event resume`): set up "
            "apps and clients first, then let the world run.",
        ),
    ] = False,
    secure: Annotated[
        bool,
        typer.Option(
            "--secure",
            help="Zero-trust mode (also the scenario's `secure: true`): every API wants an "
            "OAuth 2.0 access token, over HTTPS from meclab's local CA, with per-app request "
            "limits. The operator's secret is kept in the data dir for the CLI.",
        ),
    ] = False,
    no_tls: Annotated[
        bool,
        typer.Option(
            "--no-tls",
            help="With --secure: serve plain HTTP, for a gateway in front that terminates TLS "
            "(tokens, scopes and limits stay on).",
        ),
    ] = False,
    callback_ca: Annotated[
        Path | None,
        typer.Option(
            "--callback-ca",
            help="A PEM file of CA certificates to trust, besides the system's, when "
            "notifications go to https callbacks (e.g. your test receiver's own CA).",
            show_default="the system's CAs only",
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help="Record this run (from t=0: a new world) into FILE (gzip if it ends in .gz): "
            "its scenario, ticks and world commands, for --replay and `meclab replay`.",
            show_default="no recording",
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="Run the world recorded in FILE (by --record): its scenario, ticks and "
            "commands at their simulation times, then stay paused where it ended. --speed "
            "sets the pace, else the recorded run's.",
            show_default="no replay",
        ),
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="With --replay: play the ticks without waiting.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    """Start meclab: the world, its event log and every API, until Ctrl-C."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        chosen = resolve_scenario(scenario)
    except ScenarioError as exc:
        report_invalid(exc)
        raise typer.Exit(EXIT_INVALID) from exc
    except ValueError as exc:
        typer.echo(f"meclab up: {scenario}: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    live_replay = _live_replay(replay, chosen, speed, fast) if replay is not None else None
    if replay is not None and (record is not None or paused):
        # A replay's world takes no input but the recording's: a pause would be one more.
        other = "--record" if record is not None else "--paused"
        typer.echo(f"meclab up: --replay and {other} do not go together", err=True)
        raise typer.Exit(EXIT_INVALID)
    trust = None
    if callback_ca is not None:
        trust = ssl.create_default_context()
        try:
            trust.load_verify_locations(cafile=str(callback_ca))
        except (OSError, ssl.SSLError) as exc:
            typer.echo(f"meclab up: --callback-ca {callback_ca}: {exc}", err=True)
            raise typer.Exit(EXIT_INVALID) from exc
    # The data plane stays on loopback whatever --host says: a SOCKS5 relay on a public
    # address would be an open proxy into the emulated network.
    plane = (
        None
        if no_dataplane
        else DataPlane(
            socks_port=socks_port,
            dns_port=dns_port,
            toxiproxy_port=toxiproxy_port,
            shared_capacity=shared_capacity,
        )
    )
    lock = _hold(data_dir or default_data_dir())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                _serve(
                    chosen,
                    host,
                    port,
                    speed,
                    tick_hz,
                    lock,
                    plane,
                    api_root,
                    paused,
                    secure,
                    trust,
                    not no_tls,
                    Recorder(record) if record is not None else None,
                    live_replay,
                )
            )
    except OSError as exc:
        typer.echo(f"meclab up: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    except (StartupFailed, RecordingRefused) as exc:
        typer.echo(f"meclab up: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        lock.release()


def _live_replay(
    path: Path, scenario: Scenario | None, speed: float | None, fast: bool
) -> LiveReplay:
    """The recording at ``path``, checked against the scenario given; exit 2 naming what
    does not match (the scenario, the format or meclab version, a corrupt line)."""
    try:
        recording = read_recording(path)
        if scenario is not None:
            recording.check_scenario(scenario)
    except RecordingError as exc:
        typer.echo(f"meclab up: --replay {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    return LiveReplay(recording, speed=speed, fast=fast)


def _hold(data_dir: Path) -> DataDirLock:
    """The data dir, held; exit 1 naming the meclab that holds it already."""
    lock = DataDirLock(data_dir)
    try:
        lock.acquire()
    except DataDirBusy as exc:
        typer.echo(
            f"meclab up: {exc}; stop it first, talk to it (meclab status), "
            "or start another with --data-dir",
            err=True,
        )
        raise typer.Exit(1) from exc
    except OSError as exc:
        typer.echo(f"meclab up: cannot use data dir {data_dir}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    return lock
