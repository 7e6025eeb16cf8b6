"""Where meclab keeps what must survive a restart.

:class:`~meclab.store.base.Store` is the small interface (documents by collection and key, plus
the event history); :class:`~meclab.store.sqlite.SqliteStore` the embedded implementation.
"""

from meclab.store.base import EventQuery, OutboxEntry, Store
from meclab.store.sqlite import SqliteStore

__all__ = ["EventQuery", "OutboxEntry", "SqliteStore", "Store"]
