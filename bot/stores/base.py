"""The tracker store contract and the per-conversation locks the stores share.

Every store has two faces: the coroutines the server's engine awaits (`load_async`, `save_async`,
`delete_async`, `async with locked(sender)`), which never block the event loop, and plain methods
for the command line and tests (`load`, `save`, `delete`, `with lock(sender)`). SQLite runs its
work in a worker thread; Redis has a `redis.asyncio` client of its own; memory needs neither."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
import zlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from filelock import AsyncFileLock, FileLock

from bot.core.config import StoresConfig
from bot.core.tracker import Tracker

# called after a save with the tracker and the events that save added (the server's metrics)
SaveListener = Callable[[Tracker, list[dict[str, Any]]], None]


class TrackerStore(ABC):
    """Loads and saves trackers; `lock(sender)` serialises the turns of one conversation.

    Two policies apply on save when set (`configure`): `max_events` trims a conversation's oldest
    events beyond that many (its state, slots and recent events stay), and `retention_s` erases a
    conversation not updated for longer (Redis: a TTL on its keys; the others: `purge`)."""

    kind = "abstract"
    networked = False  # whether load, save and lock wait on the network
    _locks: LocalLocks | FileLocks
    _async_locks: AsyncLocalLocks | AsyncFileLocks
    max_events: int | None = None
    retention_s: float | None = None
    clock: Callable[[], float] = staticmethod(time.time)  # tests pass a fake clock
    _listeners: tuple[SaveListener, ...] = ()

    def configure(self, stores: StoresConfig) -> TrackerStore:
        """Apply config.yml's `stores.max_events` and `stores.retention_days`."""
        self.max_events = stores.max_events
        self.retention_s = stores.retention_s
        return self

    def add_listener(self, listener: SaveListener) -> None:
        """Call `listener(tracker, new_events)` after every save (once, however often added)."""
        if listener not in self._listeners:
            self._listeners = (*self._listeners, listener)

    def _saved(self, tracker: Tracker, new: list[dict[str, Any]]) -> None:
        tracker.mark_persisted()
        for listener in self._listeners:
            listener(tracker, new)

    @abstractmethod
    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        """The stored tracker with its recent events (all of them when `full`), or None."""

    @abstractmethod
    def save(self, tracker: Tracker) -> None:
        """Persist the state and append the tracker's unsaved events."""

    @abstractmethod
    def delete(self, sender_id: str) -> bool:
        """Erase the conversation (state and every event); whether there was one."""

    @abstractmethod
    def senders(self) -> list[str]:
        """The ids of every stored conversation."""

    def purge(self, now: float | None = None) -> int:
        """Erase the conversations not updated for longer than `retention_s`; how many."""
        return 0

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        """Hold the per-conversation lock."""
        with self._locks.hold(sender_id):
            yield

    def close(self) -> None:  # noqa: B027 (optional: only stores with connections override it)
        """Release connections."""

    # ---- the event loop's face: the SQLite default runs the plain methods in a worker thread ----
    async def load_async(self, sender_id: str, full: bool = False) -> Tracker | None:
        """`load`, without blocking the event loop."""
        return await asyncio.to_thread(self.load, sender_id, full)

    async def save_async(self, tracker: Tracker) -> None:
        """`save`, without blocking the event loop."""
        await asyncio.to_thread(self.save, tracker)

    async def delete_async(self, sender_id: str) -> bool:
        """`delete`, without blocking the event loop."""
        return await asyncio.to_thread(self.delete, sender_id)

    async def purge_async(self) -> int:
        """`purge`, without blocking the event loop."""
        return await asyncio.to_thread(self.purge)

    @asynccontextmanager
    async def locked(self, sender_id: str) -> AsyncIterator[None]:
        """Hold the per-conversation lock from a coroutine (TimeoutError when it stays taken)."""
        async with self._async_locks.hold(sender_id):
            yield

    async def close_async(self) -> None:
        """Release connections (those of the event loop too)."""
        self.close()


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


class AsyncLocalLocks:
    """One asyncio.Lock per conversation and event loop, dropped when nobody holds or waits for
    it; waiting longer than `timeout_s` raises TimeoutError."""

    def __init__(self, timeout_s: float = 10.0) -> None:
        self._timeout_s = timeout_s
        # an asyncio.Lock belongs to one event loop: each loop has its own table
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                               dict[str, tuple[asyncio.Lock, int]]] = \
            weakref.WeakKeyDictionary()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        table = self._loops.setdefault(asyncio.get_running_loop(), {})
        lock, users = table.get(key) or (asyncio.Lock(), 0)
        table[key] = (lock, users + 1)
        try:
            async with asyncio.timeout(self._timeout_s):
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = table[key]
            if users == 1:
                del table[key]
            else:
                table[key] = (lock, users - 1)


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


class AsyncFileLocks:
    """FileLocks for coroutines: an asyncio lock per bucket inside the process, then the same
    bucket's file lock (filelock's AsyncFileLock, polled without blocking the event loop, with a
    timeout) against other processes."""

    def __init__(self, folder: Path, timeout_s: float = 10.0) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._buckets = AsyncLocalLocks(timeout_s)
        self._folder = folder
        self._timeout_s = timeout_s

    @asynccontextmanager
    async def hold(self, sender_id: str) -> AsyncIterator[None]:
        bucket = zlib.crc32(sender_id.encode()) % FileLocks.BUCKETS
        async with self._buckets.hold(f"bucket-{bucket}"):
            # a non-blocking flock tried on the loop, then retried every few milliseconds
            lock = AsyncFileLock(self._folder / f"{bucket:03d}.lock", timeout=self._timeout_s,
                                 poll_interval=0.002, run_in_executor=False)
            async with lock:
                yield
