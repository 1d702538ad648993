"""The tracker store contract and the per-conversation locks the stores share."""

from __future__ import annotations

import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from bot.core.tracker import Tracker


class TrackerStore(ABC):
    """Loads and saves trackers; `lock(sender)` serialises the turns of one conversation."""

    kind = "abstract"
    networked = False  # whether load, save and lock wait on the network
    _locks: LocalLocks | FileLocks

    @abstractmethod
    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        """The stored tracker with its recent events (all of them when `full`), or None."""

    @abstractmethod
    def save(self, tracker: Tracker) -> None:
        """Persist the state and append the tracker's unsaved events."""

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        """Hold the per-conversation lock."""
        with self._locks.hold(sender_id):
            yield

    def close(self) -> None:  # noqa: B027 (optional: only stores with connections override it)
        """Release connections."""


class LocalLocks:
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


class FileLocks:
    """Per-conversation locks that also hold across processes (several `coach serve` workers on
    one SQLite file): a thread lock, then a file lock (filelock, portable, with a timeout) on one
    of a fixed set of lock files."""

    BUCKETS = 256

    def __init__(self, folder: Path, timeout_s: float = 10.0) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._threads = LocalLocks()
        self._folder = folder
        self._timeout_s = timeout_s

    @contextmanager
    def hold(self, sender_id: str) -> Iterator[None]:
        bucket = zlib.crc32(sender_id.encode()) % self.BUCKETS
        with self._threads.hold(f"bucket-{bucket}"):
            # filelock raises its Timeout (a TimeoutError) when another process holds it too long
            with FileLock(self._folder / f"{bucket:03d}.lock", timeout=self._timeout_s,
                          thread_local=False):
                yield
