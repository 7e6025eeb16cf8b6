"""The base of every scenario model, in its own module so that model parts can live apart."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Base of every scenario model: an unknown field is an error, not a silent loss."""

    model_config = ConfigDict(extra="forbid")
