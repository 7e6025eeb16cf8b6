"""Measurement configurations (``/measurements``, ETSI GS MEC 028 clause 7.6-7.7), per MEC host.

A configuration names stations and one measurement; the stations' ``sta_information`` then
carries its reports, measured at query time and tagged with its ``measurementId``. They are
kept in the store (collection ``wai_measurements``), restored when meclab resumes and dropped
when a new scenario is loaded, like subscriptions.

A configuration belongs to the app instance that created it (issue 12): a request reads,
replaces or deletes only its own (:meth:`MeasurementConfigs.owned`, 403 for another's) and lists
only its own (:meth:`MeasurementConfigs.listed`). The reports in ``sta_information`` are
information, readable by every app of the host, whoever configured them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meclab.platform.access import check_owner, owner_for_new, visible
from meclab.platform.errors import NotFound, Unprocessable
from meclab.services.wai.models_ids import StaIdentity
from meclab.services.wai.models_measure import MeasurementConfig
from meclab.store.base import Store

COLLECTION = "wai_measurements"


@dataclass(slots=True)
class MeasurementRecord:
    """One configuration resource."""

    id: str
    host: str
    href: str
    config: MeasurementConfig
    """With ``_links.self`` set."""
    created: float
    owner: str | None = None
    """The app instance that created it; None for the operator's."""

    def body(self) -> dict[str, Any]:
        return self.config.wire()

    def to_store(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "href": self.href,
            "config": self.body(),
            "created": self.created,
            "owner": self.owner,
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> MeasurementRecord:
        return cls(
            data["id"],
            data["host"],
            data["href"],
            MeasurementConfig.model_validate(data["config"]),
            data["created"],
            data.get("owner"),  # records stored before ownership have none
        )


class MeasurementConfigs:
    """Every host's measurement configurations."""

    def __init__(self, store: Store, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.wall = wall
        self._records: dict[str, MeasurementRecord] = {}

    async def restore(self) -> None:
        self._records.clear()
        stored = [MeasurementRecord.from_store(d) for _, d in await self.store.items(COLLECTION)]
        for record in sorted(stored, key=lambda r: r.created):
            self._records[record.id] = record

    async def clear(self) -> None:
        self._records.clear()
        await self.store.clear(COLLECTION)

    def list(self, host: str) -> list[MeasurementRecord]:
        """A host's configurations, oldest first."""
        return [r for r in self._records.values() if r.host == host]

    def listed(self, host: str) -> list[MeasurementRecord]:
        """A host's configurations the caller of a request may see, oldest first."""
        return [r for r in self.list(host) if visible(r.owner)]

    def get(self, host: str, config_id: str) -> MeasurementRecord:
        record = self._records.get(config_id)
        if record is None or record.host != host:
            raise NotFound(f"no measurement configuration {config_id!r}")
        return record

    def owned(self, host: str, config_id: str) -> MeasurementRecord:
        """:meth:`get` for a request: Forbidden unless the caller owns the configuration."""
        record = self.get(host, config_id)
        check_owner(record.owner, f"measurement configuration {config_id}")
        return record

    def for_station(
        self, host: str, matches: Callable[[StaIdentity], bool]
    ) -> list[MeasurementConfig]:
        """Configurations of ``host`` naming a station (``matches`` tests a StaIdentity)."""
        return [r.config for r in self.list(host) if any(matches(s) for s in r.config.staId)]

    def _check_unique(self, host: str, measurement_id: str, other_than: str | None) -> None:
        for record in self.list(host):
            if record.id != other_than and record.config.measurementId == measurement_id:
                # The measurementId tags reports in sta_information: two configurations with
                # one id would make their reports indistinguishable.
                raise Unprocessable(
                    f"measurementId {measurement_id!r} is already used by measurement "
                    f"configuration {record.href}"
                )

    async def add(
        self, host: str, config: MeasurementConfig, href: Callable[[str], str]
    ) -> MeasurementRecord:
        self._check_unique(host, config.measurementId, None)
        config_id = uuid.uuid4().hex
        url = href(config_id)
        body = {**config.wire(), "_links": {"self": {"href": url}}}
        record = MeasurementRecord(
            config_id,
            host,
            url,
            MeasurementConfig.model_validate(body),
            self.wall(),
            owner_for_new(),
        )
        self._records[config_id] = record
        await self.store.put(COLLECTION, config_id, record.to_store())
        return record

    async def replace(
        self, record: MeasurementRecord, config: MeasurementConfig
    ) -> MeasurementRecord:
        self._check_unique(record.host, config.measurementId, record.id)
        body = {**config.wire(), "_links": {"self": {"href": record.href}}}
        record.config = MeasurementConfig.model_validate(body)
        await self.store.put(COLLECTION, record.id, record.to_store())
        return record

    async def delete(self, record: MeasurementRecord) -> None:
        self._records.pop(record.id, None)
        await self.store.delete(COLLECTION, record.id)
