"""Redis: several workers or machines share conversations, with a Redis lock per conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from bot.core.tracker import ACTION_EVENT_WINDOW, Tracker
from bot.stores.base import TrackerStore


class RedisTrackerStore(TrackerStore):
    """Redis: several workers or machines share conversations, with a Redis lock per conversation."""

    kind = "redis"
    networked = True

    def __init__(self, url: str, lock_timeout_s: float = 10.0, prefix: str = "coach:") -> None:
        import redis  # imported here so the SQLite default does not need a Redis client at start-up

        self.client = redis.Redis.from_url(url)
        self._lock_error = redis.exceptions.LockError
        self.prefix = prefix
        self.lock_timeout_s = lock_timeout_s

    def _keys(self, sender_id: str) -> tuple[str, str]:
        return self.prefix + "state:" + sender_id, self.prefix + "events:" + sender_id

    def _lock_key(self, sender_id: str) -> str:
        return self.prefix + "lock:" + sender_id

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
        if self.max_events:
            pipe.ltrim(events_key, -self.max_events, -1)
        ttl = int(self.retention_s) if self.retention_s else None
        pipe.set(state_key, tracker.state_json(), ex=ttl)
        if ttl:  # Redis erases the conversation once it has not been saved for the retention
            pipe.expire(events_key, ttl)
        pipe.execute()
        self._saved(tracker, new)

    def delete(self, sender_id: str) -> bool:
        state_key, events_key = self._keys(sender_id)
        pipe = self.client.pipeline()
        pipe.delete(state_key)
        pipe.delete(events_key, self._lock_key(sender_id))
        found, _ = pipe.execute()
        return bool(found)

    def senders(self) -> list[str]:
        start = len(self.prefix + "state:")
        return sorted(key.decode()[start:] for key in
                      self.client.scan_iter(match=self.prefix + "state:*", count=1000))

    def purge(self, now: float | None = None) -> int:
        """Redis erases expired conversations itself; this gives the retention's TTL to those
        saved before a retention was configured (they had none). Erases nothing itself."""
        if not self.retention_s:
            return 0
        ttl = int(self.retention_s)
        keys = [key for sender in self.senders() for key in self._keys(sender)]
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            pipe = self.client.pipeline()
            for key in batch:
                pipe.ttl(key)
            pipe_set = self.client.pipeline()
            for key, left in zip(batch, pipe.execute(), strict=True):
                if left == -1:  # exists without an expiry
                    pipe_set.expire(key, ttl)
            pipe_set.execute()
        return 0

    @contextmanager
    def lock(self, sender_id: str) -> Iterator[None]:
        lock = self.client.lock(self._lock_key(sender_id), timeout=self.lock_timeout_s,
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
