"""In-process store: dictionaries of JSON, lost on restart (tests and benchmarks)."""

from __future__ import annotations

import json

from bot.core.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.stores.base import AsyncLocalLocks, LocalLocks, TrackerStore


class MemoryTrackerStore(TrackerStore):
    """In-process dictionaries of JSON; lost on restart (tests and benchmarks)."""

    kind = "memory"

    def __init__(self) -> None:
        self._states: dict[str, str] = {}
        self._events: dict[str, list[str]] = {}
        self._totals: dict[str, int] = {}  # events ever saved (trimmed ones included)
        self._updated: dict[str, float] = {}
        self._locks = LocalLocks()
        self._async_locks = AsyncLocalLocks()

    def load(self, sender_id: str, full: bool = False) -> Tracker | None:
        state = self._states.get(sender_id)
        if state is None:
            return None
        stored = self._events.get(sender_id, [])
        recent = stored if full else stored[-ACTION_EVENT_WINDOW:]
        return Tracker.from_parts(state, [json.loads(e) for e in recent],
                                  self._totals.get(sender_id, len(stored)))

    def save(self, tracker: Tracker) -> None:
        sender = tracker.sender_id
        new = tracker.unsaved_events()
        events = self._events.setdefault(sender, [])
        events.extend(json.dumps(e) for e in new)
        self._totals[sender] = self._totals.get(sender, 0) + len(new)
        if self.max_events and len(events) > self.max_events:
            del events[:len(events) - self.max_events]
        self._states[sender] = tracker.state_json()
        self._updated[sender] = self.clock()
        self._saved(tracker, new)

    def delete(self, sender_id: str) -> bool:
        self._events.pop(sender_id, None)
        self._totals.pop(sender_id, None)
        self._updated.pop(sender_id, None)
        return self._states.pop(sender_id, None) is not None

    def senders(self) -> list[str]:
        return list(self._states)

    def purge(self, now: float | None = None) -> int:
        if not self.retention_s:
            return 0
        cutoff = (self.clock() if now is None else now) - self.retention_s
        old = [s for s, t in list(self._updated.items()) if t < cutoff]
        return sum(self.delete(s) for s in old)

    # nothing here waits: the coroutines call the plain methods directly
    async def load_async(self, sender_id: str, full: bool = False) -> Tracker | None:
        return self.load(sender_id, full)

    async def save_async(self, tracker: Tracker) -> None:
        self.save(tracker)

    async def delete_async(self, sender_id: str) -> bool:
        return self.delete(sender_id)

    async def purge_async(self) -> int:
        return self.purge()
