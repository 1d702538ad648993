"""Tracker stores, one backend per module: SQLite (default, embedded), Redis (shared across
workers) and memory (tests).

A tracker is stored as its state (slots, active form, latest message) plus an append-only list of
events, so a turn costs the same on the 500th message as on the first: a turn loads the state and
the recent events an action needs, and saves the state and the events it added.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.errors import ConfigError
from bot.stores.base import TrackerStore
from bot.stores.memory import MemoryTrackerStore
from bot.stores.redis import RedisTrackerStore
from bot.stores.sqlite import SQLiteTrackerStore

__all__ = ["MemoryTrackerStore", "RedisTrackerStore", "SQLiteTrackerStore", "TrackerStore",
           "make_store"]


def make_store(kind: str, data_dir: Path, lock_timeout_s: float = 10.0) -> TrackerStore:
    """The store config.yml (or COACH_TRACKER_STORE) names: sqlite, memory or a redis:// URL."""
    if kind.startswith(("redis://", "rediss://", "unix://")):
        return RedisTrackerStore(kind, lock_timeout_s)
    if kind == "sqlite":
        return SQLiteTrackerStore(Path(data_dir) / "trackers.db", lock_timeout_s)
    if kind == "memory":
        return MemoryTrackerStore()
    raise ConfigError(f"stores -> tracker: unknown store {kind!r} (sqlite, memory or redis://...)")
