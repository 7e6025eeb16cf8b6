"""The settings file: what the suite needs to know about the platform under test (the PIXIT).

YAML or JSON; every key is optional, and what is absent is discovered or created through the
platform's own APIs (see :mod:`meclab.conformance.discovery`). Unknown keys are errors, and every
problem is reported with its path (``rni.ecgi.mcc: missing``), all at once.

.. code-block:: yaml

    app_instance_id: 5c0e...      # an app instance the platform knows and has confirmed ready;
                                  # absent: the suite registers one (MEC 011 POST /registrations),
                                  # confirms it ready and deregisters it at the end
    callback:                     # the built-in receiver of notifications
      host: 127.0.0.1             # where it listens (also --callback-host)
      port: 0                     # 0: any free port (also --callback-port)
      public_url: http://10.0.0.9:9000   # what the platform is told, behind NAT
    timeouts:
      request_s: 10               # one HTTP request
      notification_s: 5           # waiting for one notification
    rni:
      ecgi: {mcc: "001", mnc: "01", cell_id: "000000A"}   # a cell for MEC 012 subscriptions;
                                  # absent: the first cell of GET /queries/rab_info
    location:
      address: acr:10.0.0.1       # a terminal; absent: the first of GET /queries/users
      zone_id: zone1              # a zone; absent: the first of GET /queries/zones
    wai:
      bssid: "00:00:00:00:00:01"  # an access point; absent: the first of ap_information
    ueid:
      tag: UE_TAG_1               # a UE identity tag the platform accepts for the app instance
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Callback(_Strict):
    """The callback receiver."""

    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(0, ge=0, le=65535)
    public_url: str | None = Field(None, pattern=r"^https?://")


class Timeouts(_Strict):
    """How long to wait."""

    request_s: float = Field(10.0, gt=0)
    notification_s: float = Field(5.0, gt=0)


class Ecgi(_Strict):
    """An E-UTRAN cell: its PLMN and 28-bit cell identity (hex)."""

    mcc: str = Field(pattern=r"^[0-9]{3}$")
    mnc: str = Field(pattern=r"^[0-9]{2,3}$")
    cell_id: str = Field(pattern=r"^[0-9A-Fa-f]{7}$")


class Rni(_Strict):
    """MEC 012 test data."""

    ecgi: Ecgi | None = None


class Location(_Strict):
    """MEC 013 test data."""

    address: str | None = Field(None, min_length=1)
    zone_id: str | None = Field(None, min_length=1)


class Wai(_Strict):
    """MEC 028 test data."""

    bssid: str | None = Field(None, min_length=1)


class UeId(_Strict):
    """MEC 014 test data."""

    tag: str | None = Field(None, min_length=1)


class Settings(_Strict):
    """The whole settings file (see the module docstring)."""

    app_instance_id: str | None = Field(None, min_length=1)
    callback: Callback = Callback()
    timeouts: Timeouts = Timeouts()
    rni: Rni = Rni()
    location: Location = Location()
    wai: Wai = Wai()
    ueid: UeId = UeId()


class SettingsError(Exception):
    """A settings file that cannot be used: every problem, each with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def parse(data: Any, source: str = "settings") -> Settings:
    """Settings from decoded YAML/JSON; a :class:`SettingsError` lists every problem."""
    if data is None:
        data = {}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            if error["type"] == "missing":
                message = "missing"
            problems.append(f"{_path(error['loc'])}: {message}")
        raise SettingsError(source, problems) from None


def load(path: Path) -> Settings:
    """The settings in ``path`` (YAML or JSON)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SettingsError(str(path), [f"cannot read: {exc.strerror}"]) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SettingsError(
            str(path), [f"not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}"]
        ) from None
    return parse(data, str(path))
