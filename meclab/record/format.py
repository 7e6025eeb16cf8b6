"""The recording file: JSON lines, gzip-compressed when its name ends in ``.gz``.

::

    {"meclab_recording": 1, "meclab": "0.1.0", "scenario": "town", "digest": "…",
     "document": {…}, "tick_hz": 10.0, "speed": 20.0, "recorded_at": "2026-12-08T00:50:00Z"}
    {"ticks": [0.1, 0.2, 0.30000000000000004, …]}
    {"at": 0.3, "action": "move", "params": {"ue": "walker", "poa": "cell-b"}}
    {"ticks": [0.4, …]}
    {"end": "stopped", "t": 12.5, "events": 412, "sha256": "…"}

* line 1, the **header**: the format version, the meclab version that recorded it, the
  scenario's name, the SHA-256 of its validated document (:func:`scenario_digest`) and that
  document itself, the tick rate and the speed the run started with;
* **ticks**: the simulation times the world was stepped to, in order, each exactly as the
  runtime used it (JSON's shortest float form reads back to the same float; a delta encoding
  would not), a batch per line;
* **commands**: an operator command applied at simulation time ``at`` (the last tick's),
  between the ticks it came between, as the history's manual event shows it;
* an optional last line, the **end**: why recording stopped, the time reached, and how many
  engine events the run made and the SHA-256 of their canonical lines
  (:mod:`meclab.record.events`), which ``meclab replay --check`` compares with the replay's.
  A run that crashed has none; it still replays.

Size: a tick costs about 20 bytes as text and 6.5 gzipped (measured on a real run of Monaco
at 10 Hz), so an hour at 10 Hz (36,000 ticks) is about 710 kB, or 235 kB as ``.gz``, plus
the scenario document in the header (Monaco: 25 kB, 4 kB gzipped). A delta encoding would
save little over gzip and lose exactness. Reading names the line of any problem
(:class:`RecordingError`).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meclab import __version__
from meclab.scenario.model import Scenario

FORMAT_VERSION = 1
"""The version of this file format; a file of another is refused."""
TICKS_PER_LINE = 500
"""Ticks kept in one line at most (50 s at 10 Hz)."""


class RecordingError(ValueError):
    """A recording that cannot be replayed here: unreadable, corrupt at a line, of another
    format or meclab version, or of another scenario than the one asked for."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{path}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Header(_Entry):
    """What the run was (line 1)."""

    meclab_recording: int
    """The file format's version (:data:`FORMAT_VERSION`)."""
    meclab: str
    """The meclab version that recorded it."""
    scenario: str
    digest: str
    """SHA-256 of the validated scenario document (:func:`scenario_digest`)."""
    document: dict[str, Any]
    tick_hz: float = Field(gt=0)
    speed: float = Field(gt=0)
    recorded_at: str
    """When recording started (UTC, ISO 8601): for people, never compared."""


class Ticks(_Entry):
    """Simulation times the world was stepped to, in order."""

    ticks: list[float] = Field(min_length=1)


class Command(_Entry):
    """An operator command, applied at the time of the last tick."""

    at: float
    action: str
    params: dict[str, Any] = Field(default_factory=dict)


class End(_Entry):
    """Why recording stopped, and what the run's engine events add up to."""

    end: str
    t: float
    events: int = Field(ge=0)
    sha256: str


Entry = Ticks | Command | End
_KINDS: tuple[tuple[str, type[Ticks] | type[Command] | type[End]], ...] = (
    ("ticks", Ticks),
    ("action", Command),
    ("end", End),
)
"""The field that tells each kind of line after the header."""


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the scenario as validated (comments, layout and spelled-out defaults of its
    file do not count, as for the stored worlds)."""
    document = scenario.model_dump(mode="json")
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def dump_line(entry: _Entry) -> bytes:
    """One line of the file."""
    return orjson.dumps(entry.model_dump(mode="json")) + b"\n"


def open_for_writing(path: Path) -> IO[bytes]:
    """The file to write a recording to (gzip for ``*.gz``)."""
    if path.suffix == ".gz":
        return gzip.open(path, "wb")
    return path.open("wb")


class Recording:
    """A recording read whole and checked: its header, scenario and entries."""

    def __init__(self, path: Path, header: Header, scenario: Scenario, entries: list[Entry]):
        self.path = path
        self.header = header
        self.scenario = scenario
        self.entries = entries
        """Ticks and commands in order, an End last if the run ended cleanly."""

    @property
    def end(self) -> End | None:
        last = self.entries[-1] if self.entries else None
        return last if isinstance(last, End) else None

    @property
    def tick_count(self) -> int:
        return sum(len(e.ticks) for e in self.entries if isinstance(e, Ticks))

    @property
    def last_t(self) -> float:
        """The last simulation time the run reached (0 when it never ticked)."""
        for entry in reversed(self.entries):
            if isinstance(entry, Ticks):
                return entry.ticks[-1]
            if isinstance(entry, Command | End):
                return entry.at if isinstance(entry, Command) else entry.t
        return 0.0

    def check_scenario(self, scenario: Scenario) -> None:
        """RecordingError naming both if ``scenario`` is not the one recorded."""
        digest = scenario_digest(scenario)
        if digest != self.header.digest:
            same = scenario.name == self.header.scenario
            raise RecordingError(
                self.path,
                f"recorded with scenario {self.header.scenario} (digest "
                f"{self.header.digest[:12]}), not {scenario.name} (digest {digest[:12]})"
                + ("; same name, another document" if same else ""),
            )


def _lines(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gzipped else open
        with opener(path, "rb") as stream:
            yield from stream
    except (OSError, EOFError) as exc:
        raise RecordingError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def read_recording(path: str | Path) -> Recording:
    """Read and check a recording; RecordingError naming the line of the first problem, or
    the version (format, meclab) it was made with when this meclab cannot replay it."""
    path = Path(path)
    header: Header | None = None
    scenario: Scenario | None = None
    entries: list[Entry] = []
    for number, raw in enumerate(_lines(path), start=1):
        if not raw.strip():
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise RecordingError(path, f"not JSON ({exc})", number) from exc
        if not isinstance(data, dict):
            raise RecordingError(path, "expected a JSON object", number)
        if header is None:
            header, scenario = _header(path, data, number)
            continue
        if entries and isinstance(entries[-1], End):
            raise RecordingError(path, "a line after the end line", number)
        entries.append(_entry(path, data, number))
    if header is None or scenario is None:
        raise RecordingError(path, "empty: no header line")
    return Recording(path, header, scenario, entries)


def _header(path: Path, data: dict[str, Any], number: int) -> tuple[Header, Scenario]:
    version = data.get("meclab_recording")
    if version is None:
        raise RecordingError(path, "not a meclab recording (no meclab_recording field)", number)
    if version != FORMAT_VERSION:
        raise RecordingError(
            path,
            f"recording format version {version}; this meclab reads version {FORMAT_VERSION}",
            number,
        )
    try:
        header = Header.model_validate(data)
    except ValidationError as exc:
        raise RecordingError(path, f"bad header: {_problem(exc)}", number) from exc
    if header.meclab != __version__:
        # The engine may step differently in another version: byte-identical events are
        # only promised by the version that recorded them.
        raise RecordingError(
            path,
            f"recorded by meclab {header.meclab}; this is meclab {__version__}, whose engine "
            "may not make the same events",
            number,
        )
    try:
        scenario = Scenario.model_validate(header.document)
    except ValidationError as exc:
        raise RecordingError(path, f"bad scenario document: {_problem(exc)}", number) from exc
    if scenario.name != header.scenario or scenario_digest(scenario) != header.digest:
        raise RecordingError(
            path, "the header's scenario name or digest does not match its document", number
        )
    return header, scenario


def _entry(path: Path, data: dict[str, Any], number: int) -> Entry:
    kinds: tuple[tuple[str, type[Entry]], ...] = (
        ("ticks", Ticks),
        ("action", Command),
        ("end", End),
    )
    for key, model in kinds:
        if key in data:
            try:
                return model.model_validate(data)
            except ValidationError as exc:
                raise RecordingError(path, f"bad {key} line: {_problem(exc)}", number) from exc
    raise RecordingError(path, "neither ticks, a command nor the end", number)
