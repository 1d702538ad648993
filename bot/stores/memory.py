"""In-process store: dictionaries of JSON, lost on restart (tests and benchmarks)."""

from __future__ import annotations

import json

from bot.core.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.stores.base import LocalLocks, TrackerStore


class MemoryTrackerStore(TrackerStore):
    """In-process dictionaries of JSON; lost on restart (tests and benchmarks)."""

    kind = "memory"

    def __init__(self) -> None:
        self._states: dict[str, str] = {}
        self._events: dict[str, list[str]] = {}
        self._locks = LocalLocks()

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
