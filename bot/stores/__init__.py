"""Tracker stores, one backend per module: SQLite (default, embedded), Redis (shared across
workers) and memory (tests).

A tracker is stored as its state (slots, active form, latest message) plus an append-only list of
events, so a turn costs the same on the 500th message as on the first: a turn loads the state and
the recent events an action needs, and saves the state and the events it added.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.config import StoresConfig
from bot.core.errors import ConfigError
from bot.stores.base import SaveListener, TrackerStore
from bot.stores.memory import MemoryTrackerStore
from bot.stores.sqlite import SQLiteTrackerStore

if TYPE_CHECKING:
    from bot.stores.redis import RedisTrackerStore

__all__ = ["MemoryTrackerStore", "RedisTrackerStore", "SQLiteTrackerStore", "SaveListener",
           "TrackerStore", "is_redis", "make_store", "store_from_config"]


def __getattr__(name: str) -> Any:
    """RedisTrackerStore on first use: the SQLite default starts without the Redis clients."""
    if name == "RedisTrackerStore":
        from bot.stores.redis import RedisTrackerStore

        return RedisTrackerStore
    raise AttributeError(name)


def is_redis(kind: str) -> bool:
    """Whether a store name is a Redis URL."""
    return kind.startswith(("redis://", "rediss://", "unix://"))


def make_store(kind: str, data_dir: Path, lock_timeout_s: float = 10.0) -> TrackerStore:
    """The store config.yml (or COACH_TRACKER_STORE) names: sqlite, memory or a redis:// URL."""
    if is_redis(kind):
        from bot.stores.redis import RedisTrackerStore

        return RedisTrackerStore(kind, lock_timeout_s)
    if kind == "sqlite":
        return SQLiteTrackerStore(Path(data_dir) / "trackers.db", lock_timeout_s)
    if kind == "memory":
        return MemoryTrackerStore()
    raise ConfigError(f"stores -> tracker: unknown store {kind!r} (sqlite, memory or redis://...)")


def store_from_config(stores: StoresConfig, data_dir: Path) -> TrackerStore:
    """The configured store with its retention and event cap applied."""
    return make_store(stores.tracker, data_dir, stores.lock_timeout_s).configure(stores)
