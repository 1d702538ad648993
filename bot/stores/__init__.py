"""Tracker stores: SQLite (default, embedded), Redis (shared across workers) and memory (tests)."""

from __future__ import annotations

import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.dialogue.tracker import Tracker
from bot.errors import ConfigError


class TrackerStore(ABC):
    """Loads and saves trackers; `lock(sender)` serialises the turns of one conversation."""

    kind = "abstract"

    @abstractmethod
    def load(self, sender_id: str) -> Tracker | None:
        """The stored tracker, or None for a new conversation."""

    @abstractmethod
    def save(self, tracker: Tracker) -> None:
        """Persist the tracker."""

    @contextmanager
    @abstractmethod
    def lock(self, sender_id: str) -> Iterator[None]:
        """Hold the per-conversation lock."""

    def close(self) -> None:
        """Release connections."""


class _LocalLocks:
    """One threading.Lock per conversation, created on demand."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def hold(self, sender_id: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(sender_id, threading.Lock())
        with lock:
            yield


class MemoryTrackerStore(TrackerStore):
    """In-process dictionary; lost on restart (tests and benchmarks)."""

    kind = "memory"

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self._locks = _LocalLocks()

    def load(self, sender_id: str) -> Tracker | None:
        raw = self._data.get(sender_id)
        return Tracker.model_validate_json(raw) if raw else None

    def save(self, tracker: Tracker) -> None:
        self._data[tracker.sender_id] = tracker.model_dump_json()

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        with self._locks.hold(sender_id):
            yield


class SQLiteTrackerStore(TrackerStore):
    """A SQLite file: conversations survive a restart. One connection per thread, WAL mode."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._locks = _LocalLocks()
        with self._conn() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS trackers (sender_id TEXT PRIMARY KEY, "
                         "data TEXT NOT NULL, updated REAL NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def load(self, sender_id: str) -> Tracker | None:
        row = self._conn().execute("SELECT data FROM trackers WHERE sender_id = ?",
                                   (sender_id,)).fetchone()
        return Tracker.model_validate_json(row[0]) if row else None

    def save(self, tracker: Tracker) -> None:
        self._conn().execute(
            "INSERT INTO trackers (sender_id, data, updated) VALUES (?, ?, ?) "
            "ON CONFLICT(sender_id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
            (tracker.sender_id, tracker.model_dump_json(), time.time()))

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        with self._locks.hold(sender_id):
            yield

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class RedisTrackerStore(TrackerStore):
    """Redis: several workers or machines share conversations, with a Redis lock per conversation."""

    kind = "redis"

    def __init__(self, url: str, lock_timeout_s: float = 10.0, prefix: str = "coach:") -> None:
        import redis  # imported here so the SQLite default does not need a Redis client at start-up

        self.client = redis.Redis.from_url(url)
        self._lock_error = redis.exceptions.LockError
        self.prefix = prefix
        self.lock_timeout_s = lock_timeout_s

    def load(self, sender_id: str) -> Tracker | None:
        raw = self.client.get(self.prefix + "tracker:" + sender_id)
        return Tracker.model_validate_json(raw) if raw else None

    def save(self, tracker: Tracker) -> None:
        self.client.set(self.prefix + "tracker:" + tracker.sender_id, tracker.model_dump_json())

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        lock = self.client.lock(self.prefix + "lock:" + sender_id, timeout=self.lock_timeout_s,
                                blocking_timeout=self.lock_timeout_s)
        if not lock.acquire():
            raise TimeoutError(f"conversation {sender_id!r} is busy")
        try:
            yield
        finally:
            try:
                lock.release()
            except self._lock_error:  # it expired: another worker may hold it now; nothing to undo
                pass

    def close(self) -> None:
        self.client.close()


def make_store(kind: str, data_dir: Path, lock_timeout_s: float = 10.0) -> TrackerStore:
    """The store config.yml (or COACH_TRACKER_STORE) names: sqlite, memory or a redis:// URL."""
    if kind.startswith(("redis://", "rediss://", "unix://")):
        return RedisTrackerStore(kind, lock_timeout_s)
    if kind == "sqlite":
        return SQLiteTrackerStore(Path(data_dir) / "trackers.db")
    if kind == "memory":
        return MemoryTrackerStore()
    raise ConfigError(f"stores -> tracker: unknown store {kind!r} (sqlite, memory or redis://...)")
