"""Tracker stores: SQLite (default, embedded), Redis (shared across workers) and memory (tests).

A tracker is stored as its state (slots, active form, latest message) plus an append-only list of
events, so a turn costs the same on the 500th message as on the first: a turn loads the state and
the recent events an action needs, and saves the state and the events it added.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
import zlib
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.dialogue.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.errors import ConfigError


class TrackerStore(ABC):
    """Loads and saves trackers; `lock(sender)` serialises the turns of one conversation."""

    kind = "abstract"

    @abstractmethod
    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        """The stored tracker with its recent events (all of them when `full`), or None."""

    @abstractmethod
    def save(self, tracker: Tracker) -> None:
        """Persist the state and append the tracker's unsaved events."""

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


class _FileLocks:
    """Per-conversation locks that also hold across processes (several `coach serve` workers on
    one SQLite file): a thread lock, then flock on one of a fixed set of lock files."""

    BUCKETS = 256

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._threads = _LocalLocks()
        self._folder = folder
        self._fds: dict[int, int] = {}
        self._guard = threading.Lock()

    def _fd(self, bucket: int) -> int:
        with self._guard:
            if bucket not in self._fds:
                self._fds[bucket] = os.open(self._folder / f"{bucket:03d}.lock",
                                            os.O_RDWR | os.O_CREAT, 0o644)
            return self._fds[bucket]

    @contextmanager
    def hold(self, sender_id: str) -> Iterator[None]:
        bucket = zlib.crc32(sender_id.encode()) % self.BUCKETS
        with self._threads.hold(f"bucket-{bucket}"):
            fd = self._fd(bucket)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._guard:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()


class MemoryTrackerStore(TrackerStore):
    """In-process dictionaries of JSON; lost on restart (tests and benchmarks)."""

    kind = "memory"

    def __init__(self) -> None:
        self._states: dict[str, str] = {}
        self._events: dict[str, list[str]] = {}
        self._locks = _LocalLocks()

    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        state = self._states.get(sender_id)
        if state is None:
            return None
        stored = self._events.get(sender_id, [])
        recent = stored if full else stored[-ACTION_EVENT_WINDOW:]
        return Tracker.from_parts(state, [json.loads(e) for e in recent], len(stored))

    def save(self, tracker: Tracker) -> None:
        self._events.setdefault(tracker.sender_id, []).extend(
            json.dumps(e) for e in tracker.unsaved_events())
        self._states[tracker.sender_id] = tracker.state_json()
        tracker.mark_persisted()

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        with self._locks.hold(sender_id):
            yield


class SQLiteTrackerStore(TrackerStore):
    """A SQLite file: conversations survive a restart. One connection per thread, WAL mode; the
    per-conversation lock holds across worker processes too."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._locks = _FileLocks(self.path.parent / "locks")
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS trackers (sender_id TEXT PRIMARY KEY, "
                     "state TEXT NOT NULL, n_events INTEGER NOT NULL, updated REAL NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS events (sender_id TEXT NOT NULL, "
                     "seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sender_id, seq))")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        conn = self._conn()
        row = conn.execute("SELECT state, n_events FROM trackers WHERE sender_id = ?",
                           (sender_id,)).fetchone()
        if row is None:
            return None
        state, total = row
        first = 0 if full else max(0, total - ACTION_EVENT_WINDOW)
        events = [json.loads(d) for (d,) in conn.execute(
            "SELECT data FROM events WHERE sender_id = ? AND seq >= ? ORDER BY seq",
            (sender_id, first))]
        return Tracker.from_parts(state, events, total)

    def save(self, tracker: Tracker) -> None:
        new = tracker.unsaved_events()
        start = tracker.events_before + len(tracker.events) - len(new)
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.executemany("INSERT INTO events (sender_id, seq, data) VALUES (?, ?, ?)",
                             [(tracker.sender_id, start + i, json.dumps(e))
                              for i, e in enumerate(new)])
            conn.execute(
                "INSERT INTO trackers (sender_id, state, n_events, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sender_id) DO UPDATE SET state = excluded.state, "
                "n_events = excluded.n_events, updated = excluded.updated",
                (tracker.sender_id, tracker.state_json(), start + len(new), time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        tracker.mark_persisted()

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        with self._locks.hold(sender_id):
            yield

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._locks.close()


class RedisTrackerStore(TrackerStore):
    """Redis: several workers or machines share conversations, with a Redis lock per conversation."""

    kind = "redis"

    def __init__(self, url: str, lock_timeout_s: float = 10.0, prefix: str = "coach:") -> None:
        import redis  # imported here so the SQLite default does not need a Redis client at start-up

        self.client = redis.Redis.from_url(url)
        self._lock_error = redis.exceptions.LockError
        self.prefix = prefix
        self.lock_timeout_s = lock_timeout_s

    def _keys(self, sender_id: str) -> tuple[str, str]:
        return self.prefix + "state:" + sender_id, self.prefix + "events:" + sender_id

    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        state_key, events_key = self._keys(sender_id)
        pipe = self.client.pipeline()
        pipe.get(state_key)
        pipe.llen(events_key)
        pipe.lrange(events_key, 0 if full else -ACTION_EVENT_WINDOW, -1)
        state, total, raw = pipe.execute()
        if state is None:
            return None
        return Tracker.from_parts(state, [json.loads(e) for e in raw], total)

    def save(self, tracker: Tracker) -> None:
        state_key, events_key = self._keys(tracker.sender_id)
        pipe = self.client.pipeline()
        new = tracker.unsaved_events()
        if new:
            pipe.rpush(events_key, *[json.dumps(e) for e in new])
        pipe.set(state_key, tracker.state_json())
        pipe.execute()
        tracker.mark_persisted()

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
